import type { AppContext } from '../kernel/context';
import { DAY_MS } from '../kernel/clock';
import { raiseAlert } from '../alerts';
import { listDebts } from '../ledger';
import { adjustmentsSince } from '../refunds';
import { reviewQueue } from '../sessions';
import { activeListing, addListing, alreadyDecided, expireListings } from './blacklist';
import { evaluateChargers, type ChargerDecision } from './chargers';
import { getRule, type RuleCode } from './rules';

/**
 * The evaluation (every 5 minutes, durable job `risk.evaluate`, and on demand): listings past
 * their end expire; each enabled driver rule lists the drivers its records point at; each enabled
 * charger rule puts the chargers past its threshold in maintenance (chargers.ts); reviews waiting
 * too long raise an alert.
 *
 * Guarantees (test/risk/rules.test.ts): a listing or a maintenance names the rule, its version and
 * the records it counted; evaluating again with nothing new decides nothing; a disabled rule
 * decides nothing.
 */

const HOUR_MS = 3_600_000;

export interface Evaluation {
  expired: number;
  listed: { driverId: string; rule: RuleCode; listingId: string }[];
  maintenance: ChargerDecision[];
  agingReviews: number;
}

interface Hit {
  driverId: string;
  records: string[];
  figures: Record<string, unknown>;
}

/** Drivers each driver rule points at now, with the records it counted. */
function driverHits(app: AppContext, code: RuleCode, now: number): Hit[] {
  const group = (rows: { driverId: string; id: string }[], min: number, figure: string): Hit[] => {
    const by = new Map<string, string[]>();
    for (const r of rows) by.set(r.driverId, [...(by.get(r.driverId) ?? []), r.id]);
    return [...by].filter(([, ids]) => ids.length >= min).map(([driverId, ids]) => ({ driverId, records: ids.sort(), figures: { [figure]: ids.length } }));
  };
  if (code === 'driver.written_off_debts') {
    const p = getRule(app, code).params;
    const since = now - p.windowDays * DAY_MS;
    const rows = listDebts(app, { status: 'written_off', limit: 1_000_000 }).filter((d) => (d.closedAt ?? 0) >= since);
    return group(
      rows.map((d) => ({ driverId: d.driverId, id: d.debtId })),
      p.count,
      'writtenOffDebts',
    );
  }
  if (code === 'driver.unpaid_debt') {
    const p = getRule(app, code).params;
    const before = now - p.days * DAY_MS;
    const rows = listDebts(app, { status: 'open', limit: 1_000_000 }).filter((d) => d.createdAt < before);
    return group(
      rows.map((d) => ({ driverId: d.driverId, id: d.debtId })),
      1,
      'debtsUnpaid',
    );
  }
  if (code === 'driver.refund_disputes') {
    const p = getRule(app, code).params;
    return group(adjustmentsSince(app, now - p.windowDays * DAY_MS), p.count, 'refundRequests');
  }
  return [];
}

const DRIVER_RULES: readonly RuleCode[] = ['driver.written_off_debts', 'driver.unpaid_debt', 'driver.refund_disputes'];

const REASONS: Partial<Record<RuleCode, (h: Hit) => string>> = {
  'driver.written_off_debts': (h) => `${h.records.length} debts written off`,
  'driver.unpaid_debt': (h) => `debt unpaid too long (${h.records.join(', ')})`,
  'driver.refund_disputes': (h) => `${h.records.length} refund requests`,
};

function evaluateDrivers(app: AppContext, now: number): Evaluation['listed'] {
  const listed: Evaluation['listed'] = [];
  for (const code of DRIVER_RULES) {
    const rule = getRule(app, code);
    if (!rule.enabled) continue;
    const listDays = (rule.params as { listDays: number }).listDays;
    for (const hit of driverHits(app, code, now)) {
      const factsKey = hit.records.join(',');
      if (activeListing(app, hit.driverId) || alreadyDecided(app, hit.driverId, code, factsKey)) continue;
      const l = addListing(app, {
        driverId: hit.driverId,
        reason: REASONS[code]!(hit),
        days: listDays,
        rule: { code, version: rule.version },
        facts: { records: hit.records, ...hit.figures, params: rule.params },
        factsKey,
      });
      listed.push({ driverId: hit.driverId, rule: code, listingId: l.id });
    }
  }
  return listed;
}

function evaluateReviews(app: AppContext, now: number): number {
  const rule = getRule(app, 'review.aging');
  if (!rule.enabled) return 0;
  const old = reviewQueue(app).filter((s) => now - s.updatedAt > rule.params.hours * HOUR_MS);
  for (const s of old) {
    raiseAlert(app, {
      code: 'risk.review_aging',
      level: 'warning',
      subject: `risk.review_aging:${s.id}`,
      message: `session ${s.number} waiting for review for over ${rule.params.hours} h; 会话 ${s.number} 待审核已超过 ${rule.params.hours} 小时 (${s.reviewReason ?? 'review'}, ¥${((s.amountFen ?? 0) / 100).toFixed(2)})`,
      details: {
        sessionId: s.id,
        sessionNumber: s.number,
        reviewReason: s.reviewReason,
        waitingSince: s.updatedAt,
        hours: rule.params.hours,
        amountFen: s.amountFen ?? 0,
        rule: 'review.aging',
        ruleVersion: rule.version,
      },
    });
  }
  return old.length;
}

export async function evaluate(app: AppContext): Promise<Evaluation> {
  const now = app.clock.now();
  const expired = expireListings(app);
  const listed = evaluateDrivers(app, now);
  const maintenance = await evaluateChargers(app, now);
  const agingReviews = evaluateReviews(app, now);
  return { expired, listed, maintenance, agingReviews };
}
