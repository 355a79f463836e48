import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { findRecord, parkedRecordPage, parkedRecordSummary, resolveRecord, unconsumedRecords } from '../chargers';
import { addMeterReadings, finishWithStop, recordPayload, type RecordRow, type StopPayload } from './inbox';
import { addTimeline } from './machine';
import { settleSession } from './settle';
import { announce, requireSession } from './store';

/**
 * Charger records needing attention: the inbox records the consumer parked because they could not
 * be applied by themselves (a StopTransaction or MeterValues for a transaction nobody started, a
 * record whose applying failed), and what a supervisor does about them.
 *
 * Guarantees:
 * - Every parked record is listed with its reason, when it was received, and how long it has been
 *   parked; none is ever dropped without an operator's decision.
 * - A supervisor resolves a parked record once: attached to a session of the same charger (a
 *   StopTransaction finishes and settles that session through the normal path; MeterValues add
 *   their readings) or discarded with a reason. Both record who, when and why on the record, the
 *   session's timeline shows the attach, and the dispatcher's audit log has the command. A record
 *   already applied or resolved is refused, never resolved twice.
 * - Attaching never moves money by itself: settlement does, under its usual key, so a session is
 *   still settled at most once.
 */

export interface ParkedRecord {
  id: number;
  chargerId: string;
  kind: 'start' | 'meter' | 'stop';
  transactionId: number | null;
  connectorId: number | null;
  idTag: string | null;
  chargerAt: number;
  meterWh: number | null;
  receivedAt: number;
  parkedAt: number;
  reason: string;
  /** True once parked longer than chargers.parkedAttentionMs (an alert was raised for it). */
  needsAttention: boolean;
  /** The OCPP payload, as the charger sent it (null if it could not be read). */
  payload: Record<string, unknown> | null;
}

function toParked(r: RecordRow): ParkedRecord {
  let payload: Record<string, unknown> | null = null;
  try {
    payload = recordPayload(r);
  } catch {
    payload = null;
  }
  return {
    id: r.id,
    chargerId: r.chargerId,
    kind: r.kind,
    transactionId: r.transactionId,
    connectorId: r.connectorId,
    idTag: r.idTag,
    chargerAt: r.chargerAt,
    meterWh: r.meterWh,
    receivedAt: r.receivedAt,
    parkedAt: r.parkedAt!,
    reason: r.processError ?? '',
    needsAttention: r.attentionAt !== null,
    payload,
  };
}

export interface ParkedQuery {
  chargerId?: string;
  /** Only records past chargers.parkedAttentionMs. */
  needsAttention?: boolean;
  limit?: number;
  offset?: number;
}

/** Parked records, oldest first, with the total and how many need attention. */
export function listParkedRecords(app: AppContext, q: ParkedQuery = {}): { items: ParkedRecord[]; total: number; needsAttention: number } {
  const page = parkedRecordPage(app, { chargerId: q.chargerId, needsAttention: q.needsAttention, limit: q.limit ?? 100, offset: q.offset ?? 0 });
  return { items: page.rows.map(toParked), total: page.total, needsAttention: page.needsAttention };
}

/** How many records are parked, and how many of them need an operator now (for figures and doctor). */
export function parkedSummary(app: AppContext): { parked: number; needsAttention: number; oldestParkedAt: number | null } {
  return parkedRecordSummary(app);
}

function requireParked(app: AppContext, recordId: number): RecordRow {
  const r = findRecord(app, recordId);
  if (!r) throw new DepotError('not_found', `no charger record ${recordId}`, { field: 'recordId' });
  if (r.resolution) throw new DepotError('conflict', `charger record ${recordId} was already ${r.resolution}`, { field: 'recordId' });
  if (r.processedAt !== null || r.parkedAt === null) {
    throw new DepotError(
      'conflict',
      `charger record ${recordId} is not parked (${r.processedAt !== null ? 'it was applied' : 'it is still waiting for its first pass'})`,
      { field: 'recordId' },
    );
  }
  return r;
}

interface By {
  operatorId: string | null;
}

function markResolved(app: AppContext, recordId: number, resolution: 'attached' | 'discarded', note: string, by: By, sessionId: string | null): void {
  const changes = resolveRecord(app, recordId, { at: app.clock.now(), resolution, by: by.operatorId, note, sessionId });
  expectChanges({ changes }, 1, `resolve charger record ${recordId}`);
}

/**
 * Attaches a parked record to a session of the same charger: a StopTransaction finishes that
 * (charging) session at the record's meter reading and settles it; MeterValues add their readings.
 */
export function attachRecord(
  app: AppContext,
  input: { recordId: number; sessionId: string; note: string },
  by: By,
): { recordId: number; sessionId: string; settled: boolean } {
  const finished = writeTx(app.sqlite, () => {
    const r = requireParked(app, input.recordId);
    const s = requireSession(app, input.sessionId);
    if (s.chargerId !== r.chargerId) {
      throw new DepotError('invalid_input', `sessionId: session ${s.id} is on charger ${s.chargerId}, but record ${r.id} came from ${r.chargerId}`, {
        field: 'sessionId',
      });
    }
    const payload = recordPayload(r);
    let settle: string | undefined;
    if (r.kind === 'stop') {
      if (s.state !== 'CHARGING' && s.state !== 'STOPPING') {
        throw new DepotError('conflict', `session ${s.id} is ${s.state}: a StopTransaction can only be attached to a session that is still charging`, {
          field: 'sessionId',
        });
      }
      const o = finishWithStop(app, s, r, payload as unknown as StopPayload);
      if (o.done) settle = o.settle;
    } else if (r.kind === 'meter') {
      if (s.state === 'PLACED' || s.state === 'STARTING' || s.state === 'FAILED' || s.state === 'CANCELLED') {
        throw new DepotError('conflict', `session ${s.id} is ${s.state}: it never charged, so it has no readings to add to`, { field: 'sessionId' });
      }
      addMeterReadings(app, s, r, payload.meterValue);
    } else {
      throw new DepotError('conflict', `record ${r.id} is a StartTransaction: it makes its own session once it applies; discard it instead if it is wrong`, {
        field: 'recordId',
      });
    }
    addTimeline(app, s.id, {
      kind: 'record_attached',
      params: { record: r.kind === 'stop' ? 'stop' : 'meter', recordId: r.id, transactionId: r.transactionId, note: input.note },
      chargerAt: r.chargerAt,
      recordId: r.id,
      operatorId: by.operatorId,
      detail: `${r.kind === 'stop' ? 'StopTransaction' : 'MeterValues'} record ${r.id} (transaction ${r.transactionId ?? '-'}, parked: ${r.processError ?? ''}) attached by an operator: ${input.note}`,
    });
    markResolved(app, r.id, 'attached', input.note, by, s.id);
    announce(app, s.id);
    return settle;
  });
  let settled = false;
  if (finished) {
    const s = settleSession(app, finished);
    settled = s.state === 'PAID' || s.state === 'UNPAID';
  }
  app.log.info({ recordId: input.recordId, sessionId: input.sessionId, by: by.operatorId }, 'parked charger record attached to a session');
  return { recordId: input.recordId, sessionId: input.sessionId, settled };
}

/** Discards a parked record with the operator's reason; it is kept, marked, and never applied. */
export function discardRecord(app: AppContext, input: { recordId: number; reason: string }, by: By): { recordId: number } {
  writeTx(app.sqlite, () => {
    requireParked(app, input.recordId);
    markResolved(app, input.recordId, 'discarded', input.reason, by, null);
  });
  app.log.warn({ recordId: input.recordId, by: by.operatorId, reason: input.reason }, 'parked charger record discarded by an operator');
  return { recordId: input.recordId };
}

/** A new record not consumed within this long means the consumer is not running. */
const STALLED_AFTER_MS = 10 * 60_000;

/**
 * `doctor`: records parked past the alert age need an operator; new records left unconsumed for
 * minutes mean the consumer is not running (the minute job would have applied or parked them).
 */
export function inboxDoctorCheck(app: AppContext): { name: string; ok: boolean; detail: string } {
  const p = parkedSummary(app);
  const stalled = unconsumedRecords(app, app.clock.now() - STALLED_AFTER_MS);
  const problems: string[] = [];
  if (stalled.n > 0) {
    problems.push(`${stalled.n} charger record(s) received since ${new Date(stalled.oldest!).toISOString()} were never consumed: is the app (its minute job) running?`);
  }
  if (p.needsAttention > 0) {
    problems.push(
      `${p.needsAttention} charger record(s) parked for over ${Math.round(app.config.chargers.parkedAttentionMs / 3_600_000)} h need an operator: depotdesk inbox list --attention`,
    );
  }
  if (problems.length > 0) return { name: 'charger inbox', ok: false, detail: problems.join('; ') };
  return { name: 'charger inbox', ok: true, detail: p.parked > 0 ? `${p.parked} record(s) parked, none past the alert age yet` : 'every charger record applied' };
}
