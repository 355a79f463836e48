import type { ParkedRecordView } from '../../sessions';
import { depotClock, type TimeText } from '../depot-time';
import { sessionRef } from '../session-ref';
import { requireOption, UsageError, type Command, type CommandContext } from '../framework';

function recordId(cx: CommandContext): number {
  const raw = cx.positionals[0];
  if (!raw) throw new UsageError('give the charger record id (from `depotdesk inbox list`)', { field: 'RECORD' });
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`the record id must be a whole number ≥ 1, got "${raw}"`, { field: 'RECORD' });
  return Number(raw);
}

function ageHours(now: number, t: number): string {
  return `${((now - t) / 3_600_000).toFixed(1)} h`;
}

function line(r: ParkedRecordView, now: number, iso: TimeText): string {
  return [
    String(r.id).padStart(7),
    r.chargerId.padEnd(12),
    r.kind.padEnd(5),
    `tx ${r.transactionId ?? '-'}`.padEnd(12),
    r.meterWh === null ? ''.padEnd(12) : `${r.meterWh} Wh`.padEnd(12),
    `charger ${iso(r.chargerAt)}`,
    ` parked ${ageHours(now, r.parkedAt)}${r.needsAttention ? ' [needs attention]' : ''}`,
    `  ${r.reason}`,
  ].join(' ');
}

export const inboxCommands: Command[] = [
  {
    name: 'inbox list',
    summary: 'Charger records that could not be applied by themselves (parked), oldest first, with why; --attention for those past the alert age.',
    usage: 'depotdesk inbox list [--charger ID] [--attention] [--limit N] --as NAME [--json]',
    options: { charger: { type: 'string' }, attention: { type: 'boolean' }, limit: { type: 'string' } },
    async run(cx) {
      const limit = cx.args.limit;
      if (limit !== undefined && (typeof limit !== 'string' || !/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 500)) {
        throw new UsageError(`--limit must be a whole number from 1 to 500, got "${String(limit)}"`, { field: '--limit' });
      }
      const page = await cx.call<{ items: ParkedRecordView[]; total: number; needsAttention: number }>('sessions.parkedRecords', {
        chargerId: typeof cx.args.charger === 'string' ? cx.args.charger : undefined,
        needsAttention: cx.args.attention === true ? true : undefined,
        limit: limit === undefined ? 100 : Number(limit),
      });
      const now = Date.now();
      const iso = depotClock(cx).at;
      cx.print(page, () =>
        page.items
          .map((r) => line(r, now, iso))
          .concat(`(${page.items.length} of ${page.total} parked; ${page.needsAttention} need attention)`)
          .join('\n'),
      );
    },
  },
  {
    name: 'inbox attach',
    summary: 'Attach a parked charger record to a session of the same charger (supervisor): a StopTransaction finishes and settles it, MeterValues add readings.',
    usage: 'depotdesk inbox attach RECORD --session CD…|ID --note "why" --as SUPERVISOR [--json]',
    options: { session: { type: 'string' }, note: { type: 'string' } },
    allowPositionals: true,
    async run(cx) {
      const id = recordId(cx);
      const note = requireOption(cx, 'note');
      const session = await sessionRef((m, p) => cx.call(m, p), requireOption(cx, 'session'));
      const r = await cx.call<{ recordId: number; sessionId: string; settled: boolean }>('sessions.attachRecord', { recordId: id, sessionId: session.id, note });
      cx.print(r, `record ${r.recordId} attached to session ${session.number}${r.settled ? '; the session is settled' : ''}`);
    },
  },
  {
    name: 'inbox discard',
    summary: 'Discard a parked charger record with a reason (supervisor); it is kept and marked, never applied.',
    usage: 'depotdesk inbox discard RECORD --reason "why" --as SUPERVISOR [--json]',
    options: { reason: { type: 'string' } },
    allowPositionals: true,
    async run(cx) {
      const id = recordId(cx);
      const r = await cx.call<{ recordId: number }>('sessions.discardRecord', { recordId: id, reason: requireOption(cx, 'reason') });
      cx.print(r, `record ${r.recordId} discarded`);
    },
  },
];
