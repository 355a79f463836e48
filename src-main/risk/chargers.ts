import type { AppContext } from '../kernel/context';
import { DAY_MS } from '../kernel/clock';
import { writeTx } from '../kernel/db/connection';
import { allRows, getRow } from '../kernel/db/rows';
import { DepotError, expectChanges } from '../kernel/errors';
import { canonicalJson } from '../kernel/json';
import { raiseAlert } from '../alerts';
import { getCharger, healthEventsSince, listChargers, setMaintenance, tellAvailability } from '../chargers';
import { meteringAnomalies } from '../reconciliation';
import { failedStartsSince } from '../sessions';
import type { ChargerActionState } from './schema';
import { getRule, type RuleCode } from './rules';

/**
 * Device health and the chargers the rules put in maintenance.
 *
 * Guarantees (test/risk/chargers.test.ts):
 * - Evidence counts per charger over each rule's window: fault episodes and offline episodes
 *   (chargers' charger_health_events), failed starts (sessions), metering anomalies
 *   (reconciliation). Only evidence after the charger's last return to service counts: a charger a
 *   supervisor returned is not put straight back in maintenance by the same faults.
 * - A charger past a threshold is put in maintenance once (one open action per charger, a unique
 *   index): the action row and the maintenance flag commit together, naming the rule, its version
 *   and the evidence; then the charger is told (ChangeAvailability Inoperative, best effort) and an
 *   alert names the evidence. A charger already in maintenance (by hand) is left as it is.
 * - Return to service: a supervisor, with a note, once; the flag is cleared and the charger told.
 */

export interface Evidence {
  faults: { id: number; at: number; detail: string }[];
  offline: { id: number; at: number }[];
  failedStarts: { sessionId: string; sessionNumber: string; at: number; failureCode: string | null }[];
  meteringAnomalies: { day: string; diffBp: number }[];
}

export interface ChargerHealth {
  chargerId: string;
  stationName: string | null;
  online: boolean;
  maintenance: boolean;
  maintenanceReason: string | null;
  /** Counts over each rule's own window (after the last return to service). */
  faults: number;
  offline: number;
  failedStarts: number;
  meteringAnomalies: number;
  openAction: ChargerAction | null;
}

export interface ChargerAction {
  id: string;
  chargerId: string;
  state: ChargerActionState;
  ruleCode: string;
  ruleVersion: number;
  facts: Record<string, unknown>;
  reason: string;
  at: number;
  availability: string | null;
  returnedAt: number | null;
  returnedBy: string | null;
  returnNote: string | null;
}

export interface ChargerDecision {
  chargerId: string;
  rule: RuleCode;
  actionId: string;
  availability: string;
}

const HOUR_MS = 3_600_000;

const COLUMNS = `id, charger_id AS chargerId, state, rule_code AS ruleCode, rule_version AS ruleVersion, facts, reason, at, availability,
  returned_at AS returnedAt, returned_by AS returnedBy, return_note AS returnNote`;
type Stored = Omit<ChargerAction, 'facts'> & { facts: string };
const toAction = (r: Stored): ChargerAction => ({ ...r, facts: JSON.parse(r.facts) as Record<string, unknown> });

type FailedStartEvidence = { sessionId: string; sessionNumber?: string; at: number };
const isFailedStart = (e: unknown): e is FailedStartEvidence =>
  typeof e === 'object' && e !== null && typeof (e as FailedStartEvidence).sessionId === 'string' && typeof (e as FailedStartEvidence).at === 'number';

/**
 * The action with every failed start of its evidence named by its session number (CD…), as the
 * screens name sessions. Actions decided before the evidence carried numbers hold only the session
 * ids; those are looked up among the failed starts since the earliest of them (failed sessions stay
 * failed, so each is still there).
 */
function withSessionNumbers(app: Pick<AppContext, 'sqlite'>, a: ChargerAction): ChargerAction {
  const evidence = Array.isArray(a.facts.evidence) ? (a.facts.evidence as unknown[]) : [];
  const missing = evidence.filter(isFailedStart).filter((e) => !e.sessionNumber);
  if (missing.length === 0) return a;
  const numbers = new Map(failedStartsSince(app, Math.min(...missing.map((e) => e.at))).map((f) => [f.sessionId, f.sessionNumber]));
  const named = evidence.map((e) => (isFailedStart(e) && !e.sessionNumber && numbers.has(e.sessionId) ? { ...e, sessionNumber: numbers.get(e.sessionId) } : e));
  return { ...a, facts: { ...a.facts, evidence: named } };
}

export function getChargerAction(app: Pick<AppContext, 'sqlite'>, id: string): ChargerAction {
  const r = getRow<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM risk_charger_actions WHERE id = ?`), id);
  if (!r) throw new DepotError('not_found', `actionId: no maintenance action ${id}`, { field: 'actionId' });
  return withSessionNumbers(app, toAction(r));
}

function openAction(app: Pick<AppContext, 'sqlite'>, chargerId: string): ChargerAction | null {
  const r = getRow<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM risk_charger_actions WHERE charger_id = ? AND state = 'in_maintenance'`), chargerId);
  return r ? withSessionNumbers(app, toAction(r)) : null;
}

export function chargerActions(app: Pick<AppContext, 'sqlite'>, opts: { chargerId?: string; limit?: number } = {}): ChargerAction[] {
  return allRows<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM risk_charger_actions WHERE (@c IS NULL OR charger_id = @c) ORDER BY at DESC, id DESC LIMIT @limit`), {
    c: opts.chargerId ?? null,
    limit: opts.limit ?? 200,
  }).map((r) => withSessionNumbers(app, toAction(r)));
}

/** When each charger was last returned to service: evidence before it no longer counts. */
function lastReturns(app: Pick<AppContext, 'sqlite'>): Map<string, number> {
  const rows = allRows<{ chargerId: string; at: number }>(
    app.sqlite.prepare("SELECT charger_id AS chargerId, max(returned_at) AS at FROM risk_charger_actions WHERE state = 'returned' GROUP BY charger_id"),
  );
  return new Map(rows.map((r) => [r.chargerId, r.at]));
}

/** Each charger's evidence over the widest window any charger rule uses. */
function gatherEvidence(app: AppContext, now: number): Map<string, Evidence> {
  const windowOf = (code: 'charger.faults' | 'charger.failed_starts' | 'charger.offline_episodes') => getRule(app, code).params.windowHours * HOUR_MS;
  const widest = Math.max(windowOf('charger.faults'), windowOf('charger.failed_starts'), windowOf('charger.offline_episodes'));
  const since = now - widest;
  const returned = lastReturns(app);
  const out = new Map<string, Evidence>();
  const of = (id: string) => {
    let e = out.get(id);
    if (!e) out.set(id, (e = { faults: [], offline: [], failedStarts: [], meteringAnomalies: [] }));
    return e;
  };
  const counts = (chargerId: string, at: number) => at > (returned.get(chargerId) ?? 0);
  for (const h of healthEventsSince(app, since)) {
    if (!counts(h.chargerId, h.at)) continue;
    if (h.kind === 'fault') of(h.chargerId).faults.push({ id: h.id, at: h.at, detail: h.detail });
    else of(h.chargerId).offline.push({ id: h.id, at: h.at });
  }
  for (const f of failedStartsSince(app, since))
    if (counts(f.chargerId, f.createdAt))
      of(f.chargerId).failedStarts.push({ sessionId: f.sessionId, sessionNumber: f.sessionNumber, at: f.createdAt, failureCode: f.failureCode });
  const anomalyDays = getRule(app, 'charger.metering_anomalies').params.windowDays;
  const sinceDay = new Date(now - anomalyDays * DAY_MS).toISOString().slice(0, 10);
  for (const m of meteringAnomalies(app, { since: sinceDay, limit: 100_000 })) {
    if (counts(m.chargerId, m.checkedAt)) of(m.chargerId).meteringAnomalies.push({ day: m.day, diffBp: m.diffBp });
  }
  return out;
}

interface Verdict {
  rule: RuleCode;
  version: number;
  reason: string;
  evidence: unknown[];
  /** The rule's threshold and window, for the alert's details (the renderer words them). */
  min: number;
  window: { hours: number } | { days: number };
}

/** The first enabled charger rule this evidence breaks, if any. */
function verdictFor(app: AppContext, e: Evidence, now: number): Verdict | null {
  const within = <T extends { at: number }>(xs: T[], hours: number) => xs.filter((x) => x.at >= now - hours * HOUR_MS);
  const faults = getRule(app, 'charger.faults');
  const starts = getRule(app, 'charger.failed_starts');
  const offline = getRule(app, 'charger.offline_episodes');
  const meter = getRule(app, 'charger.metering_anomalies');
  type Candidate = [typeof faults | typeof starts | typeof offline | typeof meter, unknown[], number, string, Verdict['window']];
  const candidates: Candidate[] = [
    [faults, within(e.faults, faults.params.windowHours), faults.params.count, `faults within ${faults.params.windowHours} h`, { hours: faults.params.windowHours }],
    [
      starts,
      within(e.failedStarts, starts.params.windowHours),
      starts.params.count,
      `failed starts within ${starts.params.windowHours} h`,
      { hours: starts.params.windowHours },
    ],
    [
      offline,
      within(e.offline, offline.params.windowHours),
      offline.params.count,
      `offline episodes within ${offline.params.windowHours} h`,
      { hours: offline.params.windowHours },
    ],
    [meter, e.meteringAnomalies, meter.params.count, `metering anomalies within ${meter.params.windowDays} days`, { days: meter.params.windowDays }],
  ];
  for (const [rule, evidence, min, words, window] of candidates) {
    if (rule.enabled && evidence.length >= min)
      return { rule: rule.code, version: rule.version, reason: `${evidence.length} ${words} (≥ ${min})`, evidence, min, window };
  }
  return null;
}

/** Puts every charger past a threshold in maintenance (the evaluation job). */
export async function evaluateChargers(app: AppContext, now: number): Promise<ChargerDecision[]> {
  const decisions: ChargerDecision[] = [];
  for (const [chargerId, evidence] of gatherEvidence(app, now)) {
    const v = verdictFor(app, evidence, now);
    if (!v) continue;
    const made = writeTx(app.sqlite, () => {
      const c = getCharger(app, chargerId);
      if (!c || c.maintenance || openAction(app, chargerId)) return null;
      const id = app.ids.next();
      // The renderer recognises this prefix (pages/chargers/ChargerCard.tsx) and words it: keep it.
      const reason = `自动维护 auto: ${v.reason} — rule ${v.rule} v${v.version}`;
      app.sqlite
        .prepare(`INSERT INTO risk_charger_actions (id, charger_id, state, rule_code, rule_version, facts, reason, at) VALUES (?, ?, 'in_maintenance', ?, ?, ?, ?, ?)`)
        .run(id, chargerId, v.rule, v.version, canonicalJson({ evidence: v.evidence, min: v.min, ...v.window }), reason, now);
      const summary = setMaintenance(app, chargerId, true, reason);
      raiseAlert(app, {
        code: 'risk.charger_maintenance',
        level: 'warning',
        subject: `risk.charger_maintenance:${chargerId}`,
        message: `Charger ${chargerId} was put in maintenance: ${v.reason}`,
        details: { chargerId, actionId: id, rule: v.rule, ruleVersion: v.version, count: v.evidence.length, min: v.min, ...v.window, evidence: v.evidence },
      });
      return { id, summary };
    });
    if (!made) continue;
    const availability = await tellAvailability(app, made.summary, true);
    recordAvailability(app, chargerId, made.id, availability);
    decisions.push({ chargerId, rule: v.rule, actionId: made.id, availability });
  }
  return decisions;
}

/**
 * The charger's answer, recorded after the decision committed (the call waits on the charger);
 * the screens showed the decision already, so they are told to look again.
 */
function recordAvailability(app: AppContext, chargerId: string, actionId: string, availability: string): void {
  expectChanges(
    app.sqlite.prepare('UPDATE risk_charger_actions SET availability = ? WHERE id = ?').run(availability, actionId),
    1,
    `record charger ${chargerId}'s answer`,
  );
  app.events.emit('risk.changed', { chargerId, reason: 'charger_told' });
}

export async function returnToService(app: AppContext, chargerId: string, note: string, by: { operatorId?: string | null } = {}): Promise<ChargerAction> {
  const n = note.trim();
  if (!n) throw new DepotError('invalid_input', 'note: say what was checked or repaired', { field: 'note' });
  const r = writeTx(app.sqlite, () => {
    const a = openAction(app, chargerId);
    if (!a) throw new DepotError('conflict', `chargerId: ${chargerId} was not put in maintenance by a rule (switch it on the Chargers page)`, { field: 'chargerId' });
    expectChanges(
      app.sqlite
        .prepare("UPDATE risk_charger_actions SET state = 'returned', returned_at = ?, returned_by = ?, return_note = ? WHERE id = ? AND state = 'in_maintenance'")
        .run(app.clock.now(), by.operatorId ?? null, n, a.id),
      1,
      `return charger ${chargerId} to service`,
    );
    return { action: a, summary: setMaintenance(app, chargerId, false) };
  });
  await tellAvailability(app, r.summary, false);
  return getChargerAction(app, r.action.id);
}

/** The health table: every charger with its evidence counts and any open action. */
export function chargerHealth(app: AppContext): ChargerHealth[] {
  const now = app.clock.now();
  const evidence = gatherEvidence(app, now);
  const hours = (code: 'charger.faults' | 'charger.failed_starts' | 'charger.offline_episodes') => getRule(app, code).params.windowHours * HOUR_MS;
  return listChargers(app).map((c) => {
    const e = evidence.get(c.id);
    return {
      chargerId: c.id,
      stationName: c.stationName,
      online: c.online,
      maintenance: c.maintenance,
      maintenanceReason: c.maintenanceReason,
      faults: e ? e.faults.filter((x) => x.at >= now - hours('charger.faults')).length : 0,
      offline: e ? e.offline.filter((x) => x.at >= now - hours('charger.offline_episodes')).length : 0,
      failedStarts: e ? e.failedStarts.filter((x) => x.at >= now - hours('charger.failed_starts')).length : 0,
      meteringAnomalies: e?.meteringAnomalies.length ?? 0,
      openAction: openAction(app, c.id),
    };
  });
}
