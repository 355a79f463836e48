import type { AppContext } from '../kernel/context';
import { DAY_MS } from '../kernel/clock';
import { writeTx } from '../kernel/db/connection';
import { allRows, countRows, getRow } from '../kernel/db/rows';
import { DepotError, expectChanges } from '../kernel/errors';
import { canonicalJson } from '../kernel/json';
import { getDriver, setDriverBlock } from '../ledger';
import type { ListingState } from './schema';
import type { RuleCode } from './rules';

/**
 * The blacklist (黑名单).
 *
 * Guarantees (test/risk/blacklist.test.ts):
 * - A driver has at most one active listing (a unique index); listing an already listed driver is
 *   refused (manual) or skipped (a rule), never doubled.
 * - The listing and the driver's block (ledger drivers.blocked_*) change in one transaction, so a
 *   start, an Authorize and a payment order are refused from the moment the listing commits, with
 *   its reason, and accepted again from the moment it is lifted or expires. An expired listing no
 *   longer blocks even before the job marks it expired (the block carries its end time).
 * - Lifting is by a named operator with a note, once (guarded UPDATE); the audit log has the call.
 * - A rule does not list a driver again on the same records after a supervisor lifted that listing
 *   (facts_key): only new records list again.
 */

export interface Listing {
  id: string;
  driverId: string;
  state: ListingState;
  source: 'manual' | 'rule';
  ruleCode: string | null;
  ruleVersion: number | null;
  facts: Record<string, unknown>;
  reason: string;
  listedAt: number;
  listedBy: string | null;
  expiresAt: number | null;
  endedAt: number | null;
  endedBy: string | null;
  endNote: string | null;
}

const COLUMNS = `id, driver_id AS driverId, state, source, rule_code AS ruleCode, rule_version AS ruleVersion, facts, reason, listed_at AS listedAt,
  listed_by AS listedBy, expires_at AS expiresAt, ended_at AS endedAt, ended_by AS endedBy, end_note AS endNote`;

type Stored = Omit<Listing, 'facts'> & { facts: string };
const toListing = (r: Stored): Listing => ({ ...r, facts: JSON.parse(r.facts) as Record<string, unknown> });

export function getListing(app: Pick<AppContext, 'sqlite'>, id: string): Listing {
  const r = getRow<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM risk_blacklist WHERE id = ?`), id);
  if (!r) throw new DepotError('not_found', `listingId: no blacklist entry ${id}`, { field: 'listingId' });
  return toListing(r);
}

export function activeListing(app: Pick<AppContext, 'sqlite'>, driverId: string): Listing | undefined {
  const r = getRow<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM risk_blacklist WHERE driver_id = ? AND state = 'active'`), driverId);
  return r ? toListing(r) : undefined;
}

export function listBlacklist(
  app: Pick<AppContext, 'sqlite'>,
  f: { state?: ListingState; driverId?: string; limit?: number; offset?: number } = {},
): { total: number; listings: Listing[] } {
  const where = 'WHERE (@state IS NULL OR state = @state) AND (@driver IS NULL OR driver_id = @driver)';
  const p = { state: f.state ?? null, driver: f.driverId ?? null };
  return {
    total: countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM risk_blacklist ${where}`), p),
    listings: allRows<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM risk_blacklist ${where} ORDER BY listed_at DESC, id DESC LIMIT @limit OFFSET @offset`), {
      ...p,
      limit: f.limit ?? 200,
      offset: f.offset ?? 0,
    }).map(toListing),
  };
}

export interface NewListing {
  driverId: string;
  reason: string;
  /** Days the listing lasts; 0 or absent: until lifted. */
  days?: number;
  rule?: { code: RuleCode; version: number };
  facts?: Record<string, unknown>;
  /** A stable key of the records a rule counted. */
  factsKey?: string;
}

/** Lists a driver; inside the caller's transaction when there is one. */
export function addListing(app: AppContext, input: NewListing, by: { operatorId?: string | null } = {}): Listing {
  const reason = input.reason.trim();
  if (!reason) throw new DepotError('invalid_input', 'reason: say why the driver is blacklisted (the driver is told it)', { field: 'reason' });
  if (input.days !== undefined && (!Number.isInteger(input.days) || input.days < 0 || input.days > 3650)) {
    throw new DepotError('invalid_input', 'days: 0 (until lifted) to 3650', { field: 'days' });
  }
  return writeTx(app.sqlite, () => {
    const driver = getDriver(app, input.driverId);
    const current = activeListing(app, driver.id);
    if (current) throw new DepotError('conflict', `driverId: ${driver.name} is already blacklisted (${current.reason})`, { field: 'driverId', listingId: current.id });
    const id = app.ids.next();
    const now = app.clock.now();
    const expiresAt = input.days ? now + input.days * DAY_MS : null;
    app.sqlite
      .prepare(
        `INSERT INTO risk_blacklist (id, driver_id, state, source, rule_code, rule_version, facts, facts_key, reason, listed_at, listed_by, expires_at)
         VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        driver.id,
        input.rule ? 'rule' : 'manual',
        input.rule?.code ?? null,
        input.rule?.version ?? null,
        canonicalJson(input.facts ?? {}),
        input.factsKey ?? '',
        reason,
        now,
        by.operatorId ?? null,
        expiresAt,
      );
    const shown = input.rule ? `${reason} (rule ${input.rule.code} v${input.rule.version})` : reason;
    setDriverBlock(app, driver.id, { reason: shown, until: expiresAt, ref: id });
    return getListing(app, id);
  });
}

function endListing(app: AppContext, id: string, state: 'lifted' | 'expired', note: string | null, by: { operatorId?: string | null }): Listing {
  const l = getListing(app, id);
  if (l.state !== 'active') throw new DepotError('conflict', `listingId: ${id} is already ${l.state}`, { field: 'listingId', state: l.state });
  expectChanges(
    app.sqlite
      .prepare("UPDATE risk_blacklist SET state = ?, ended_at = ?, ended_by = ?, end_note = ? WHERE id = ? AND state = 'active'")
      .run(state, app.clock.now(), by.operatorId ?? null, note, id),
    1,
    `end blacklist entry ${id}`,
  );
  setDriverBlock(app, l.driverId, { clear: id });
  return getListing(app, id);
}

export function liftListing(app: AppContext, id: string, note: string, by: { operatorId?: string | null } = {}): Listing {
  const n = note.trim();
  if (!n) throw new DepotError('invalid_input', 'note: say why the driver may charge again', { field: 'note' });
  return writeTx(app.sqlite, () => endListing(app, id, 'lifted', n, by));
}

/** Marks listings past their end as expired (the job); their blocks already stopped counting. */
export function expireListings(app: AppContext): number {
  return writeTx(app.sqlite, () => {
    const due = allRows<{ id: string }>(
      app.sqlite.prepare("SELECT id FROM risk_blacklist WHERE state = 'active' AND expires_at IS NOT NULL AND expires_at <= ?"),
      app.clock.now(),
    );
    for (const d of due) endListing(app, d.id, 'expired', null, {});
    return due.length;
  });
}

/** Whether a rule already listed this driver on exactly these records (and someone lifted it). */
export function alreadyDecided(app: Pick<AppContext, 'sqlite'>, driverId: string, code: RuleCode, factsKey: string): boolean {
  return (
    getRow(app.sqlite.prepare('SELECT 1 FROM risk_blacklist WHERE driver_id = ? AND rule_code = ? AND facts_key = ? LIMIT 1'), driverId, code, factsKey) !== undefined
  );
}
