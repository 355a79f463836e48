import { formatFen } from '../../money';
import type { SessionView } from '../../sessions';
import { depotClock, type TimeText } from '../depot-time';
import { requireOption, UsageError, type Command, type CommandContext } from '../framework';
import { driverNames, sessionRef } from '../session-ref';
import { transferFlow } from '../../../src-renderer/lib/accounts';
import { label } from '../words';

function positional(cx: CommandContext, what: string): string {
  const id = cx.positionals[0] ?? (typeof cx.args.id === 'string' ? cx.args.id : undefined);
  if (!id) throw new UsageError(`give the ${what}`, { field: 'ID' });
  return id;
}

/** The session a command names: its number (CD…) or its id, resolved through `call`. */
const SESSION = 'session number (CD…) or id';

/** Calls made in this process, for commands that read the depot file. */
const local =
  (cx: CommandContext) =>
  <T>(method: string, params?: unknown) =>
    cx.call<T>(method, params);

type DriverName = (id: string | null) => string;

/** Names for the drivers of `sessions`, read only for the human text (--json keeps the ids). */
async function namesFor(cx: CommandContext, sessions: SessionView[]): Promise<DriverName> {
  if (cx.global.json) return (id) => id ?? '';
  return driverNames(
    local(cx),
    sessions.map((s) => s.driverId),
  );
}

/** A session's state in the CLI's words (Failed, Paid), as the Sessions page shows it; --json keeps the code. */
const stateWords = (state: string) => label('sessions.state.', state);

/** One session as people read it: its number first, the driver by name; the internal id last. */
function line(s: SessionView, driver: DriverName): string {
  return [
    s.number.padEnd(10),
    stateWords(s.state).padEnd(9),
    `${s.chargerId}/${s.connectorId}`.padEnd(12),
    driver(s.driverId).padEnd(22),
    s.energyWh === null ? '      -    ' : `${(s.energyWh / 1000).toFixed(3).padStart(8)} kWh`,
    (s.amount === null ? '' : `¥${s.amount}`).padStart(9),
    s.reviewState === 'pending' ? ` [review: ${label('sessions.reviewReason.', s.reviewReason)}]` : '',
    ` id ${s.id}`,
  ].join(' ');
}

/** A ledger account in the CLI's words: the driver's own accounts by what they hold, the depot's as they are. */
const account = (id: string) => /^driver:[^:]+:(\w+)$/.exec(id)?.[1] ?? id;

interface ForceCloseView {
  id: string;
  sessionId: string;
  state: string;
  reason: string;
  meterWh: number;
  readingAt: number;
  requestedBy: { id: string; name: string };
  decidedBy: { id: string; name: string } | null;
  decisionNote: string | null;
}

function forceCloseLine(f: ForceCloseView, number: string, iso: TimeText): string {
  const decided = f.decidedBy ? ` by ${f.decidedBy.name}${f.decisionNote ? ` (${f.decisionNote})` : ''}` : ' — another supervisor must approve or reject it';
  return `force-close of ${number} ${label('sessions.fc.state.', f.state).toLowerCase()}: at ${f.meterWh} Wh (charger time ${iso(f.readingAt)}), requested by ${f.requestedBy.name}: ${f.reason}${decided}`;
}

interface Detail {
  session: SessionView;
  quote: { periods: Record<string, { kwh: string; electricity: string; service: string }>; totals: { yuan: string } } | null;
  timeline: { at: number; chargerAt: number | null; kind: string; detail: string }[];
  transfers: { id: string; debitAccountId: string; creditAccountId: string; amountFen: number; code: string; phase: string }[];
}

export const sessionCommands: Command[] = [
  {
    name: 'session start',
    summary: 'Start a charging session on the running instance: hold the prepay and send RemoteStartTransaction (answers STARTING at once; follow it with session show).',
    usage: 'depotdesk session start --charger ID --connector N --driver ID|PHONE|CARD --prepay 100.00 --as OPERATOR [--json]',
    options: { charger: { type: 'string' }, connector: { type: 'string' }, driver: { type: 'string' }, prepay: { type: 'string' } },
    async run(cx) {
      const connector = requireOption(cx, 'connector');
      if (!/^\d+$/.test(connector) || Number(connector) < 1) throw new UsageError(`--connector must be a whole number ≥ 1, got "${connector}"`, { field: '--connector' });
      // Through the running instance: only it talks to the chargers.
      const s = await (
        await cx.remote()
      ).call<SessionView>('sessions.start', {
        chargerId: requireOption(cx, 'charger'),
        connectorId: Number(connector),
        driver: requireOption(cx, 'driver'),
        prepay: requireOption(cx, 'prepay'),
      });
      cx.print(
        s,
        `session ${s.number} ${stateWords(s.state)} on ${s.chargerId}/${s.connectorId}, ¥${s.prepay} held${s.failureReason ? ` — ${s.failureReason}` : ''}  (id ${s.id})`,
      );
      return s.state === 'FAILED' ? 1 : 0;
    },
  },
  {
    name: 'session stop',
    summary: 'Stop a session on the running instance (RemoteStopTransaction; a start not yet confirmed is cancelled).',
    usage: 'depotdesk session stop CD…|ID --as OPERATOR [--json]',
    allowPositionals: true,
    async run(cx) {
      const remote = await cx.remote();
      const { id } = await sessionRef((method, params) => remote.call(method, params), positional(cx, SESSION));
      const s = await remote.call<SessionView>('sessions.stop', { id });
      cx.print(s, `session ${s.number} ${stateWords(s.state)}`);
    },
  },
  {
    name: 'session show',
    summary: 'One session: state, energy, per-period breakdown, amounts, ledger transfers and timeline.',
    usage: 'depotdesk session show CD…|ID --as OPERATOR [--json]',
    allowPositionals: true,
    async run(cx) {
      const { id } = await sessionRef(local(cx), positional(cx, SESSION));
      const d = await cx.call<Detail>('sessions.get', { id });
      const driver = await namesFor(cx, [d.session]);
      cx.print(d, () => {
        const s = d.session;
        const clock = depotClock(cx);
        const out = [
          line(s, driver),
          `${(
            [
              ['created', s.createdAt],
              ['started', s.startedAt],
              ['stopped', s.stoppedAt],
              ['settled', s.settledAt],
            ] as const
          )
            .filter(([, at]) => at !== null)
            .map(([what, at]) => `${what} ${clock.at(at)}`)
            .join('  ')}  (${clock.zone})`,
          `prepay ¥${s.prepay}  paid from hold ${s.paidHoldFen === null ? '-' : `¥${formatFen(s.paidHoldFen)}`}  wallet ${s.paidWalletFen === null ? '-' : `¥${formatFen(s.paidWalletFen)}`}  debt ${s.debtFen === null ? '-' : `¥${formatFen(s.debtFen)}`}`,
        ];
        if (d.quote) {
          for (const [p, l] of Object.entries(d.quote.periods))
            if (l.kwh !== '0.000000') out.push(`  ${p.padEnd(7)} ${l.kwh} kWh  electricity ${l.electricity}  service ${l.service}`);
          out.push(`  total ¥${d.quote.totals.yuan}`);
        }
        out.push('transfers:');
        for (const t of d.transfers) {
          // The way the money went: a release (void) keeps its hold's debit and credit, so it reads credit → debit.
          const { from, to } = transferFlow(t);
          out.push(
            `  ${label('ledger.code.', t.code).padEnd(18)} ${account(from)} → ${account(to)}  ¥${formatFen(t.amountFen)} (${label('ledger.phase.', t.phase)})  ${t.id}`,
          );
        }
        out.push(`timeline (${clock.zone}):`);
        // The event's kind in words (its title on the Sessions page), then the core's English record of it.
        for (const e of d.timeline)
          out.push(`  ${clock.at(e.at)}${e.chargerAt ? ` (charger ${clock.at(e.chargerAt)})` : ''}  ${label('sessions.event.', e.kind)}  ${e.detail}`.trimEnd());
        return out.join('\n');
      });
    },
  },
  {
    name: 'session list',
    summary: 'Sessions, newest first, by state and creation date (depot dates, inclusive): number, state, charger, driver, energy, amount, then the internal id.',
    usage: 'depotdesk session list [--state S] [--charger ID] [--driver ID] [--from yyyy-MM-dd] [--to yyyy-MM-dd] [--limit N] [--offset N] --as OPERATOR [--json]',
    options: {
      state: { type: 'string' },
      charger: { type: 'string' },
      driver: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
    },
    async run(cx) {
      const num = (name: string) => {
        const v = cx.args[name];
        if (v === undefined) return undefined;
        if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number`, { field: `--${name}` });
        return Number(v);
      };
      const page = await cx.call<{ items: SessionView[]; total: number }>('sessions.list', {
        state: typeof cx.args.state === 'string' ? cx.args.state.toUpperCase() : undefined,
        chargerId: cx.args.charger,
        driverId: cx.args.driver,
        from: cx.args.from,
        to: cx.args.to,
        limit: num('limit'),
        offset: num('offset'),
      });
      const driver = await namesFor(cx, page.items);
      cx.print(page, () => [...page.items.map((s) => line(s, driver)), `(${page.items.length} of ${page.total})`].join('\n'));
    },
  },
  {
    name: 'session stuck',
    summary: 'Stuck sessions: charging or stopping while their charger is offline and silent for sessions.stuckAfterMs (6 h), with any force-close request.',
    usage: 'depotdesk session stuck --as OPERATOR [--json]',
    async run(cx) {
      const items = await cx.call<{ session: SessionView; lastMessageAt: number; silentForMs: number; forceClose: ForceCloseView | null }[]>('sessions.stuck', {});
      const iso = depotClock(cx).at;
      const driver = await namesFor(
        cx,
        items.map((x) => x.session),
      );
      cx.print(items, () =>
        [
          ...items.map(
            (x) =>
              `${line(x.session, driver)}  silent ${(x.silentForMs / 3_600_000).toFixed(1)} h (last heard ${iso(x.lastMessageAt)})` +
              (x.forceClose ? `  [force-close ${label('sessions.fc.state.', x.forceClose.state).toLowerCase()} by ${x.forceClose.requestedBy.name}]` : ''),
          ),
          `(${items.length} stuck)`,
        ].join('\n'),
      );
    },
  },
  {
    name: 'session force-close',
    summary: 'Ask to close a stuck session at its last meter reading; another supervisor approves (force-close-approve) or rejects it.',
    usage: 'depotdesk session force-close CD…|ID --reason TEXT --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { reason: { type: 'string' } },
    async run(cx) {
      const reason = requireOption(cx, 'reason', 'why the session is closed without its charger');
      const { id, number } = await sessionRef(local(cx), positional(cx, SESSION));
      const f = await cx.call<ForceCloseView>('sessions.requestForceClose', { sessionId: id, reason });
      cx.print(f, () => forceCloseLine(f, number, depotClock(cx).at));
    },
  },
  {
    name: 'session force-close-approve',
    summary: "Approve another supervisor's force-close: the session closes at the recorded reading and is settled.",
    usage: 'depotdesk session force-close-approve CD…|ID [--note TEXT] --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const { id } = await sessionRef(local(cx), positional(cx, SESSION));
      const note = typeof cx.args.note === 'string' && cx.args.note.trim() ? cx.args.note.trim() : undefined;
      const s = await cx.call<SessionView>('sessions.approveForceClose', { sessionId: id, note });
      cx.print(
        s,
        `session ${s.number} force-closed: ${stateWords(s.state)}${s.amount === null ? '' : ` ¥${s.amount}`}${s.reviewState === 'pending' ? ` (held for review: ${label('sessions.reviewReason.', s.reviewReason)})` : ''}`,
      );
    },
  },
  {
    name: 'session force-close-reject',
    summary: "Reject another supervisor's force-close, saying why; the session is left as it is.",
    usage: 'depotdesk session force-close-reject CD…|ID --note TEXT --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const note = requireOption(cx, 'note', 'why the force-close is rejected');
      const { id, number } = await sessionRef(local(cx), positional(cx, SESSION));
      const f = await cx.call<ForceCloseView>('sessions.rejectForceClose', { sessionId: id, note });
      cx.print(f, () => forceCloseLine(f, number, depotClock(cx).at));
    },
  },
];
