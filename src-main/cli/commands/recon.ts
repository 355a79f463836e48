import fs from 'node:fs';
import path from 'node:path';
import type { MethodOutput } from '../../contract/types';
import { DepotError, isDepotError, type ErrorShape } from '../../kernel/errors';
import { operatorIdByName } from '../../operators';
import { BREAK_KINDS, BREAK_STATES, STATEMENT_CHANNELS } from '../../reconciliation';
import { isoInZone } from '../../tariffs';
import { optionalOption, requireId, requireOption, UsageError, type Command, type CommandContext } from '../framework';
import { cliWords, label } from '../words';

/**
 * Reconciliation (对账) from the command line: import statements, run days, work the breaks, sign
 * days off. Every command goes through the recon.* contract (cx.call), so the --as operator's role
 * is checked, a write-off is approved by someone other than who asked, and each command is in the
 * audit log as it is from the 对账 page. Options are checked here first: a bad value is a usage
 * error (exit 2) naming the option; a refusal by the core is exit 1. docs/reconciliation.md
 * explains the day's work.
 */

type Statement = MethodOutput<'recon.statement'>;
type Imported = MethodOutput<'recon.import'>;
type Day = MethodOutput<'recon.days'>[number];
type Run = MethodOutput<'recon.run'>[number];
type Break = MethodOutput<'recon.break'>['break'];
type BreakEvent = MethodOutput<'recon.break'>['history'][number];
type Energy = MethodOutput<'recon.day'>['energy'][number];

const FORMATS = ['wechat', 'alipay', 'generic'];
const BREAK_FILTER_STATES: string[] = [...BREAK_STATES, 'unresolved'];
const ACTIONS = ['credit', 'refund', 'explain', 'write-off'];
const MAX_NOTE = 1000;

// ── options ──────────────────────────────────────────────────────────────────────────────────────

/** A yyyy-MM-dd option that is a real calendar date. */
function dateOption(cx: CommandContext, name: string, required: boolean): string | undefined {
  const v = required ? requireOption(cx, name, 'a date, yyyy-MM-dd') : optionalOption(cx, name);
  if (v === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== v) {
    throw new UsageError(`--${name} must be a date yyyy-MM-dd, got "${v}"`, { field: `--${name}` });
  }
  return v;
}

/** --date D [--to D]: --to is not before --date. */
function rangeOptions(cx: CommandContext): { date: string; to?: string } {
  const date = dateOption(cx, 'date', true)!;
  const to = dateOption(cx, 'to', false);
  if (to !== undefined && to < date) throw new UsageError(`--to ${to} is before --date ${date}`, { field: '--to' });
  return { date, to };
}

function oneOf(cx: CommandContext, name: string, allowed: readonly string[]): string | undefined {
  const v = optionalOption(cx, name);
  if (v !== undefined && !allowed.includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`, { field: `--${name}` });
  return v;
}

function noteOption(cx: CommandContext, required: boolean, what: string): string | undefined {
  const note = required ? requireOption(cx, 'note', what) : optionalOption(cx, 'note');
  if (note !== undefined && note.length > MAX_NOTE) throw new UsageError(`--note is ${note.length} characters; at most ${MAX_NOTE}`, { field: '--note' });
  return note;
}

function wholeNumber(cx: CommandContext, name: string, max: number): number | undefined {
  const raw = optionalOption(cx, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${raw}"`, { field: `--${name}` });
  return Number(raw);
}

/**
 * A recon.* call. The options were checked here, so an `invalid_input` the core raises from its own
 * rules (a 短款 cannot be credited, a day not over yet) is a refusal (exit 1), not a usage error;
 * only the dispatcher's schema check (details.issues) stays a usage error.
 */
async function recon<T>(cx: CommandContext, method: string, input: unknown): Promise<T> {
  try {
    return await cx.call<T>(method, input);
  } catch (e) {
    const schemaIssue = isDepotError(e) && typeof e.details === 'object' && e.details !== null && 'issues' in e.details;
    if (isDepotError(e) && e.code === 'invalid_input' && !schemaIssue) throw new DepotError('refused', e.message, e.details);
    throw e;
  }
}

// ── text ─────────────────────────────────────────────────────────────────────────────────────────

const money = (a: { fen: number }) => `${a.fen < 0 ? '-' : ''}¥${(Math.abs(a.fen) / 100).toFixed(2)}`;
const tally = (t: { count: number; amount: { fen: number } }) => `${t.count} ${money(t.amount)}`;

/** Times on the depot's clock, as the page shows them. */
function timeFn(cx: CommandContext): (ms: number | null) => string {
  const zone = cx.openApp().config.timeZone;
  return (ms) => (ms === null ? '-' : isoInZone(ms, zone).slice(0, 19).replace('T', ' '));
}

function statementLines(s: Statement): string[] {
  return [
    `  statement ${s.id}  ${s.channel} (${s.layout}${s.source && s.source !== s.channel ? `, ${s.source}` : ''})  merchant ${s.merchantId || '-'}  bill dates ${s.billDates.join(', ') || '-'}`,
    `  rows ${s.rowCount} (repeated ${s.repeatedRows})  payments ${s.paymentCount} ${money(s.paymentTotal)}  refunds ${s.refundCount} ${money(s.refundTotal)}  fees ${money(s.fees)}  net of refunds ${money(s.net)}`,
    ...s.notes.map((n) => `  note: ${n}`),
  ];
}

// Kinds, states and channels in the CLI's words (the 对账 page's dictionaries); --json keeps the codes.
const breakKind = (kind: string) => label('recon.kind.', kind);
const breakState = (state: string) => label('recon.breakState.', state);
const dayState = (state: string) => label('recon.dayState.', state);
/** A gateway's channel (WeChat Pay, Alipay) or an aggregator's statement, as the page names it. */
const channelName = (channel: string) => cliWords.maybe(`recon.channel.${channel}`) ?? label('payments.channel.', channel);

function runLine(d: Run | Day): string {
  const opened = 'breaksOpened' in d ? `opened ${d.breaksOpened}, ` : '';
  const late = 'matchedLate' in d && d.matchedLate > 0 ? `, matched late ${d.matchedLate}` : '';
  return `${d.day}  ${dayState(d.state).padEnd(11)} matched ${d.matchedPayments + d.matchedRefunds}  pending ${d.pendingCount}  breaks ${opened}open ${d.breaksOpen} of ${d.breaksTotal}${late}  energy anomalies ${d.energyAnomalies}`;
}

/** What the break is about: its order (DD…), else its refund or the gateway's trade number. */
function breakRef(b: Break): string {
  const order = b.orderNumber ? `order ${b.orderNumber}` : `trade ${b.tradeNo ?? '-'}`;
  return b.refundNo ? `refund ${b.refundNo}${b.orderNumber ? ` (order ${b.orderNumber})` : ''}` : order;
}

/** One break as the operator works it: day, order and amount first, in words; its id last (recon resolve takes it). */
function breakLine(b: Break): string {
  return [
    b.day,
    breakRef(b),
    `diff ${money(b.diff)}`,
    breakKind(b.kind),
    channelName(b.channel),
    breakState(b.state),
    `gateway ${money(b.gateway)}  ours ${money(b.ours)}`,
    ...(b.owner ? [`owner ${b.owner.name}`] : []),
    `id ${b.id}`,
  ].join('  ');
}

function describeBreak(b: Break, when: (ms: number | null) => string): string {
  const resolution = b.resolution && b.resolution !== b.state ? ` (${label('recon.resolution.', b.resolution)})` : '';
  return [
    `break    ${b.day}  ${breakRef(b)}  diff ${money(b.diff)}  ${breakState(b.state)}${resolution}`,
    `kind     ${breakKind(b.kind)}, ${channelName(b.channel)}`,
    `refs     order ${b.orderNumber ?? '-'}  trade ${b.tradeNo ?? '-'}  refund ${b.refundNo ?? '-'}`,
    `amounts  gateway ${money(b.gateway)}  ours ${money(b.ours)}  diff ${money(b.diff)}${b.loss.fen > 0 ? `  loss if written off ${money(b.loss)}` : ''}`,
    `owner    ${b.owner?.name ?? '-'}`,
    ...(b.requestedBy ? [`write-off asked by ${b.requestedBy.name} at ${when(b.requestedAt)}`] : []),
    ...(b.resolvedBy || b.resolvedAt ? [`closed   by ${b.resolvedBy?.name ?? 'the run'} at ${when(b.resolvedAt)}${b.reference ? `  ref ${b.reference}` : ''}`] : []),
    ...(b.note ? [`note     ${b.note}`] : []),
    `id       ${b.id}`,
  ].join('\n');
}

/**
 * Notes the core writes itself for the log (half 长款, half English) rather than a person's words:
 * the facts are on the lines above, so the history shows the event's words alone, as the 对账
 * page's history does (BreakDrawer.tsx). Anything a person typed is shown as typed.
 */
const MACHINE_NOTES = new Set(['opened', 'assigned', 'matched_late']);

function eventLine(e: BreakEvent, when: (ms: number | null) => string): string {
  const note = e.note && !MACHINE_NOTES.has(e.action) ? `  ${e.note}` : '';
  return `  ${when(e.at)}  ${label('recon.event.', e.action).padEnd(19)}  ${e.by?.name ?? cliWords.t('recon.event.system')}${note}`;
}

function channelLines(d: Day): string[] {
  const rows = d.channels.map(
    (c) =>
      `  ${channelName(c.channel).padEnd(10)} gateway payments ${tally(c.gatewayPayments)}, refunds ${tally(c.gatewayRefunds)}, fees ${money(c.fees)}, net ${money(c.netSettlement)}` +
      ` | ours payments ${tally(c.ourPayments)}, refunds ${tally(c.ourRefunds)}`,
  );
  return rows.length > 0 ? rows : ['  (no payments or refunds on either side)'];
}

function energyLine(e: Energy): string {
  const pct = (e.diffBp / 100).toFixed(2);
  return `  ${e.chargerId}  sessions ${e.sessions}  billed ${e.billedWh} Wh  meters ${e.registerWh} Wh (gap ${e.gapWh} Wh)  diff ${pct} %${e.anomaly ? '  ANOMALY' : ''}`;
}

function describeDay(r: MethodOutput<'recon.day'>, when: (ms: number | null) => string): string {
  const d = r.day;
  return [
    `${d.day}  ${dayState(d.state)}  (window ${d.windowDays} days, last run ${when(d.lastRunAt)})`,
    ...channelLines(d),
    `matched ${d.matchedPayments} payment(s), ${d.matchedRefunds} refund(s); refunds still processing at the gateway ${d.processingRefunds}`,
    `pending ${d.pendingCount}`,
    ...d.pending.map(
      (p) =>
        `  ${breakKind(p.kind).padEnd(15)} ${channelName(p.channel).padEnd(10)} ${p.orderNumber ? `order ${p.orderNumber}` : `refund ${p.refundNo ?? '-'}`}  gateway ${money(p.gateway)}  ours ${money(p.ours)}  age ${p.ageDays} day(s)`,
    ),
    `breaks ${r.breaks.length} (open ${d.breaksOpen})`,
    ...r.breaks.map((b) => `  ${breakLine(b)}`),
    `energy ${r.energy.length} charger(s), ${d.energyAnomalies} anomal${d.energyAnomalies === 1 ? 'y' : 'ies'}`,
    ...r.energy.map(energyLine),
    ...(d.signedOffAt ? [`signed off by ${d.signedOffBy?.name ?? '?'} at ${when(d.signedOffAt)}${d.signOffNote ? `: ${d.signOffNote}` : ''}`] : []),
  ].join('\n');
}

// ── import ───────────────────────────────────────────────────────────────────────────────────────

type FileOutcome = { file: string; ok: true; result: Imported } | { file: string; ok: false; error: ErrorShape };

/** Every file is there and readable before any is imported: a typo is a usage error naming it. */
function checkFiles(files: string[]): void {
  if (files.length === 0) throw new UsageError('recon import needs at least one statement FILE', { field: 'FILE' });
  for (const f of files) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(f);
      fs.accessSync(f, fs.constants.R_OK);
    } catch (e) {
      throw new UsageError(`FILE ${f}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { field: 'FILE', file: f });
    }
    if (!stat.isFile()) throw new UsageError(`FILE ${f}: not a file`, { field: 'FILE', file: f });
  }
}

function importOptions(cx: CommandContext) {
  const mapping = optionalOption(cx, 'mapping');
  const format = oneOf(cx, 'format', FORMATS);
  if (mapping !== undefined && format !== undefined && format !== 'generic') {
    throw new UsageError(`--mapping is for an aggregator's CSV (--format generic), not --format ${format}`, { field: '--mapping' });
  }
  return { mapping, format, expectMerchantId: optionalOption(cx, 'merchant'), run: !cx.args['no-run'] };
}

function outcomeText(o: FileOutcome): string {
  if (!o.ok) {
    const reason = (o.error.details as { reason?: string } | undefined)?.reason;
    return `${o.file}: REFUSED${reason ? ` (${reason})` : ''}: ${o.error.message}`;
  }
  const r = o.result;
  return [
    `${o.file}: ${r.imported ? 'imported' : 'already imported (same file), nothing new'}`,
    ...statementLines(r.statement),
    ...(r.runs.length > 0 ? ['  days run:', ...r.runs.map((d) => `    ${runLine(d)}`)] : [`  days: ${r.days.join(', ') || '-'} (not run)`]),
  ].join('\n');
}

/** One file after another; a refused file is named and the others still go in. */
async function importFiles(cx: CommandContext, files: string[], opts: ReturnType<typeof importOptions>): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const file of files) {
    const base64 = fs.readFileSync(file).toString('base64');
    let outcome: FileOutcome;
    try {
      outcome = { file, ok: true, result: await recon<Imported>(cx, 'recon.import', { fileName: path.basename(file), base64, ...opts }) };
    } catch (e) {
      // Who may import, or how the command was typed, is the same for every file: stop at once.
      if (!isDepotError(e) || ['usage', 'unauthenticated', 'forbidden', 'internal'].includes(e.code)) throw e;
      outcome = { file, ok: false, error: e.toShape() };
      process.stderr.write(`depotdesk recon import: ${outcomeText(outcome)}\n`);
    }
    outcomes.push(outcome);
    if (!cx.global.json && outcome.ok) cx.progress(outcomeText(outcome));
  }
  return outcomes;
}

const importCommand: Command = {
  name: 'recon import',
  summary: 'Import gateway statements (WeChat Pay bill, Alipay 业务明细 ZIP, aggregator CSV); each file once; runs the finished days they cover.',
  usage: 'depotdesk recon import FILE… [--mapping NAME] [--format wechat|alipay|generic] [--merchant ID] [--no-run] --as FINANCE [--json]',
  allowPositionals: true,
  options: { mapping: { type: 'string' }, format: { type: 'string' }, merchant: { type: 'string' }, 'no-run': { type: 'boolean' } },
  async run(cx) {
    const opts = importOptions(cx);
    checkFiles(cx.positionals);
    const outcomes = await importFiles(cx, cx.positionals, opts);
    const count = (f: (o: FileOutcome) => boolean) => outcomes.filter(f).length;
    const summary = {
      imported: count((o) => o.ok && o.result.imported),
      alreadyImported: count((o) => o.ok && !o.result.imported),
      refused: count((o) => !o.ok),
    };
    const files = outcomes.map((o) => (o.ok ? { file: o.file, ok: true, ...o.result } : { file: o.file, ok: false, error: o.error }));
    cx.print({ ...summary, files }, `${summary.imported} imported, ${summary.alreadyImported} already imported, ${summary.refused} refused`);
    return summary.refused > 0 ? 1 : 0;
  },
};

// ── days ─────────────────────────────────────────────────────────────────────────────────────────

const dayCommands: Command[] = [
  {
    name: 'recon run',
    summary: 'Reconcile a finished day, or each day of a range: gateway ↔ orders ↔ meters (signed-off days are left as they are).',
    usage: 'depotdesk recon run --date yyyy-MM-dd [--to yyyy-MM-dd] --as FINANCE [--json]',
    options: { date: { type: 'string' }, to: { type: 'string' } },
    async run(cx) {
      const runs = await recon<Run[]>(cx, 'recon.run', rangeOptions(cx));
      cx.print(runs, () => runs.map(runLine).join('\n'));
    },
  },
  {
    name: 'recon days',
    summary: 'Reconciled days, newest first (default: the last 35 days): state, matched, pending, breaks, sign-off.',
    usage: 'depotdesk recon days [--from yyyy-MM-dd] [--to yyyy-MM-dd] --as OPERATOR [--json]',
    options: { from: { type: 'string' }, to: { type: 'string' } },
    async run(cx) {
      const from = dateOption(cx, 'from', false);
      const to = dateOption(cx, 'to', false);
      if (from !== undefined && to !== undefined && to < from) throw new UsageError(`--to ${to} is before --from ${from}`, { field: '--to' });
      const days = await recon<Day[]>(cx, 'recon.days', { from, to });
      const when = timeFn(cx);
      cx.print(days, () =>
        [`${days.length} day(s)`, ...days.map((d) => `${runLine(d)}${d.signedOffAt ? `  signed off by ${d.signedOffBy?.name ?? '?'} ${when(d.signedOffAt)}` : ''}`)].join(
          '\n',
        ),
      );
    },
  },
  {
    name: 'recon day',
    summary: "One day: figures per channel (gateway and ours), pending items, breaks and each charger's energy check.",
    usage: 'depotdesk recon day --date yyyy-MM-dd --as OPERATOR [--json]',
    options: { date: { type: 'string' } },
    async run(cx) {
      const date = dateOption(cx, 'date', true)!;
      const r = await recon<MethodOutput<'recon.day'>>(cx, 'recon.day', { date });
      const when = timeFn(cx);
      cx.print(r, () => describeDay(r, when));
    },
  },
  {
    name: 'recon signoff',
    summary: 'Sign a day off (日结签字): its window has passed and every break is resolved; once.',
    usage: 'depotdesk recon signoff --date yyyy-MM-dd [--note "…"] --as FINANCE [--json]',
    options: { date: { type: 'string' }, note: { type: 'string' } },
    async run(cx) {
      const date = dateOption(cx, 'date', true)!;
      const d = await recon<Day>(cx, 'recon.signOff', { date, note: noteOption(cx, false, '') });
      const when = timeFn(cx);
      cx.print(d, () => `${runLine(d)}\nsigned off by ${d.signedOffBy?.name ?? '?'} at ${when(d.signedOffAt)}${d.signOffNote ? `: ${d.signOffNote}` : ''}`);
    },
  },
];

// ── breaks ───────────────────────────────────────────────────────────────────────────────────────

/** Prints a break the way every break command answers. */
function printBreak(cx: CommandContext, b: Break): void {
  const when = timeFn(cx);
  cx.print(b, () => describeBreak(b, when));
}

async function resolveRun(cx: CommandContext): Promise<void> {
  const breakId = requireId(cx, 'recon resolve', 'break id');
  const action = requireOption(cx, 'action', ACTIONS.join(', '));
  if (!ACTIONS.includes(action)) throw new UsageError(`--action must be one of ${ACTIONS.join(', ')}, got "${action}"`, { field: '--action' });
  const note = noteOption(cx, true, 'what was found and decided')!;
  const driverId = optionalOption(cx, 'driver');
  if (driverId !== undefined && action !== 'credit') throw new UsageError('--driver only goes with --action credit (whose wallet to credit)', { field: '--driver' });
  const b =
    action === 'write-off'
      ? await recon<Break>(cx, 'recon.requestWriteOff', { breakId, note })
      : await recon<Break>(cx, 'recon.resolve', { breakId, action, note, driverId });
  printBreak(cx, b);
}

const breakCommands: Command[] = [
  {
    name: 'recon breaks',
    summary: 'Breaks (差错), by state (unresolved = open or awaiting write-off approval), kind, channel and day.',
    usage: `depotdesk recon breaks [--state ${BREAK_FILTER_STATES.join('|')}] [--kind ${BREAK_KINDS.join('|')}] [--channel ${STATEMENT_CHANNELS.join('|')}] [--date D | --from D --to D] [--limit N] --as OPERATOR [--json]`,
    options: {
      state: { type: 'string' },
      kind: { type: 'string' },
      channel: { type: 'string' },
      date: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
    },
    async run(cx) {
      const input = {
        state: oneOf(cx, 'state', BREAK_FILTER_STATES),
        kind: oneOf(cx, 'kind', BREAK_KINDS),
        // A break is on a gateway's channel or an aggregator's statement (generic): nothing else can match.
        channel: oneOf(cx, 'channel', STATEMENT_CHANNELS),
        date: dateOption(cx, 'date', false),
        from: dateOption(cx, 'from', false),
        to: dateOption(cx, 'to', false),
        limit: wholeNumber(cx, 'limit', 1000),
      };
      const r = await recon<MethodOutput<'recon.breaks'>>(cx, 'recon.breaks', input);
      cx.print(r, () => [`${r.total} break(s)${r.total > r.breaks.length ? `, the first ${r.breaks.length} shown` : ''}`, ...r.breaks.map(breakLine)].join('\n'));
    },
  },
  {
    name: 'recon break',
    summary: 'One break with its history: who did what, when.',
    usage: 'depotdesk recon break ID --as OPERATOR [--json]',
    allowPositionals: true,
    async run(cx) {
      const breakId = requireId(cx, 'recon break', 'break id');
      const r = await recon<MethodOutput<'recon.break'>>(cx, 'recon.break', { breakId });
      const when = timeFn(cx);
      cx.print(r, () => [describeBreak(r.break, when), 'history:', ...r.history.map((e) => eventLine(e, when))].join('\n'));
    },
  },
  {
    name: 'recon resolve',
    summary: 'Resolve an open break: credit (补单), refund (the payer), explain (a note, no money) or write-off (asks; another finance user approves).',
    usage: 'depotdesk recon resolve BREAK --action credit|refund|explain|write-off --note "…" [--driver ID] --as FINANCE [--json]',
    allowPositionals: true,
    options: { action: { type: 'string' }, note: { type: 'string' }, driver: { type: 'string' } },
    run: resolveRun,
  },
  {
    name: 'recon approve',
    summary: 'Approve a write-off someone else asked for: the ledger books the loss.',
    usage: 'depotdesk recon approve BREAK [--note "…"] --as FINANCE [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const breakId = requireId(cx, 'recon approve', 'break id');
      printBreak(cx, await recon<Break>(cx, 'recon.approveWriteOff', { breakId, note: noteOption(cx, false, '') }));
    },
  },
  {
    name: 'recon reject',
    summary: 'Refuse a write-off with a note; the break is open again.',
    usage: 'depotdesk recon reject BREAK --note "…" --as FINANCE [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const breakId = requireId(cx, 'recon reject', 'break id');
      printBreak(cx, await recon<Break>(cx, 'recon.rejectWriteOff', { breakId, note: noteOption(cx, true, 'why the write-off is refused') }));
    },
  },
  {
    name: 'recon assign',
    summary: 'Take a break (认领), or hand it to another operator with --owner.',
    usage: 'depotdesk recon assign BREAK [--owner OPERATOR] --as FINANCE [--json]',
    allowPositionals: true,
    options: { owner: { type: 'string' } },
    async run(cx) {
      const breakId = requireId(cx, 'recon assign', 'break id');
      const name = optionalOption(cx, 'owner');
      // --owner by login name (or an operator id); the core names one that does not exist.
      const owner = name === undefined ? undefined : (operatorIdByName(cx.openApp(), name) ?? name);
      printBreak(cx, await recon<Break>(cx, 'recon.assign', { breakId, owner }));
    },
  },
];

// ── statements and mappings ──────────────────────────────────────────────────────────────────────

function readMapping(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { field: '--file' });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UsageError(`--file: ${file} is not JSON: ${(e as Error).message}`, { field: '--file' });
  }
}

type Mapping = Record<string, unknown> & { name?: string; columns?: Record<string, string> };
const mappingLine = (m: Mapping) =>
  `${String(m.name)}  ${Object.entries(m.columns ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;

const statementCommands: Command[] = [
  {
    name: 'recon statements',
    summary: 'Imported statements, newest first: file, channel, merchant, dates, counts and totals.',
    usage: 'depotdesk recon statements [--limit N] --as OPERATOR [--json]',
    options: { limit: { type: 'string' } },
    async run(cx) {
      const list = await recon<Statement[]>(cx, 'recon.statements', { limit: wholeNumber(cx, 'limit', 1000) });
      const when = timeFn(cx);
      cx.print(list, () =>
        [
          `${list.length} statement(s)`,
          ...list.flatMap((s) => [`${s.fileName}  imported ${when(s.importedAt)} by ${s.importedBy?.name ?? '?'}`, ...statementLines(s)]),
        ].join('\n'),
      );
    },
  },
  {
    name: 'recon mapping save',
    summary: "Save (or replace) an aggregator's column mapping from a JSON file (docs/reconciliation.md).",
    usage: 'depotdesk recon mapping save --file mapping.json --as FINANCE [--json]',
    options: { file: { type: 'string' } },
    async run(cx) {
      const mapping = readMapping(requireOption(cx, 'file', 'the mapping, a JSON file'));
      const saved = await recon<Mapping>(cx, 'recon.saveMapping', { mapping });
      cx.print(saved, () => `saved ${mappingLine(saved)}`);
    },
  },
  {
    name: 'recon mapping list',
    summary: "Saved column mappings for aggregators' CSV statements.",
    usage: 'depotdesk recon mapping list --as OPERATOR [--json]',
    async run(cx) {
      const list = await recon<Mapping[]>(cx, 'recon.mappings', {});
      cx.print(list, () => [`${list.length} mapping(s)`, ...list.map(mappingLine)].join('\n'));
    },
  },
];

// ── the finance report ───────────────────────────────────────────────────────────────────────────

const LOCALES = ['zh-CN', 'en-US'];

/** --file as given, or the report's own name inside it when it names a folder; the folder must exist. */
function reportTarget(file: string): { target: string; isFolder: boolean } {
  const target = path.resolve(file);
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) return { target, isFolder: true };
  if (!fs.existsSync(path.dirname(target))) throw new UsageError(`--file: folder ${path.dirname(target)} does not exist`, { field: '--file' });
  return { target, isFolder: false };
}

/** Writes the workbook next to its place, then renames it in: never a half-written file. */
function writeReport(target: string, base64: string): void {
  const tmp = `${target}.${process.pid}.partial`;
  try {
    fs.writeFileSync(tmp, Buffer.from(base64, 'base64'));
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new DepotError('unavailable', `could not write ${target}: ${(e as Error).message}`, { field: '--file' });
  }
}

const reportCommand: Command = {
  name: 'recon report',
  summary: 'The finance report (对账报表) of a day or a range as an Excel workbook: summary per day and channel, breaks, energy, statements.',
  usage: 'depotdesk recon report --date yyyy-MM-dd [--to yyyy-MM-dd] --file X.xlsx|FOLDER [--locale zh-CN|en-US] --as OPERATOR [--json]',
  options: { date: { type: 'string' }, to: { type: 'string' }, file: { type: 'string' }, locale: { type: 'string' } },
  async run(cx) {
    const range = rangeOptions(cx);
    const where = reportTarget(requireOption(cx, 'file', 'where to write the .xlsx, or a folder'));
    const locale = oneOf(cx, 'locale', LOCALES);
    const r = await recon<MethodOutput<'recon.reportFile'>>(cx, 'recon.reportFile', { ...range, locale });
    const file = where.isFolder ? path.join(where.target, r.fileName) : where.target;
    writeReport(file, r.base64);
    const out = { file, fileName: r.fileName, rows: r.rows, bytes: fs.statSync(file).size };
    cx.print(out, `wrote ${file} (${r.rows} rows, ${out.bytes} bytes)`);
  },
};

export const reconCommands: Command[] = [importCommand, ...dayCommands, ...breakCommands, ...statementCommands, reportCommand];
