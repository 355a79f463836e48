import type { MethodOutput } from '../../contract/types';
import { parsePositiveYuan } from '../../money';
import { depotClock, type TimeText } from '../depot-time';
import { optionalOption, requireId, requireOption, UsageError, type Command, type CommandContext } from '../framework';
import { sessionNumbers, sessionRef } from '../session-ref';

/**
 * Manual adjustments and refund tasks. Every command goes through cx.call, so the --as operator's
 * role is checked, the core refuses a creator approving their own adjustment, and each command is
 * in the audit log as it is from the Compensation page. Options are checked here first: a bad
 * value is a usage error (exit 2) naming the option; a refusal is exit 1.
 */

type Adjustment = MethodOutput<'adjustments.get'>;
type Task = MethodOutput<'refunds.get'>;

const ADJUSTMENT_STATES = ['pending', 'approved', 'rejected'];
const TASK_STATES = ['pending', 'processing', 'completed', 'failed', 'needs_check', 'cancelled'];

function stateOption(cx: CommandContext, allowed: string[]): string | undefined {
  const state = optionalOption(cx, 'state');
  if (state !== undefined && !allowed.includes(state)) throw new UsageError(`--state must be one of ${allowed.join(', ')}, got "${state}"`, { field: '--state' });
  return state;
}

/** Calls made in this process, for the session numbers (CD…) the text shows and an option may give. */
const local =
  (cx: CommandContext) =>
  <T>(method: string, params?: unknown) =>
    cx.call<T>(method, params);

/** The session numbers of these adjustments, read only for the human text (--json keeps the ids). */
async function numbersFor(cx: CommandContext, list: Adjustment[]): Promise<(id: string) => string> {
  if (cx.global.json) return (id) => id;
  return sessionNumbers(
    local(cx),
    list.map((a) => a.sessionId),
  );
}

function describeAdjustment(a: Adjustment, iso: TimeText, number: (id: string) => string): string {
  const on = a.target === 'session' && a.sessionId ? `session ${number(a.sessionId)}` : `order ${a.orderNumber ?? a.orderId}`;
  return [
    `adjustment ${a.id}  ${a.state}`,
    `for      ${on}, driver ${a.driverName}`,
    `amount   ${a.amount.yuan}${a.electricity && a.service ? ` (electricity ${a.electricity.yuan}, service ${a.service.yuan})` : ''}`,
    `reason   ${a.reason}`,
    `created  by ${a.createdBy?.name ?? '?'} at ${iso(a.createdAt)}`,
    ...(a.resolvedBy ? [`${a.state.padEnd(8)} by ${a.resolvedBy.name} at ${iso(a.resolvedAt)}${a.resolutionNote ? `: ${a.resolutionNote}` : ''}`] : []),
    ...(a.refundTaskId ? [`task     ${a.refundTaskId}`] : []),
  ].join('\n');
}

function taskLine(t: Task): string {
  return `${t.id}  ${t.state.padEnd(11)} ${t.amount.yuan.padStart(9)}  ${t.channel.padEnd(6)} ${t.orderNumber}  attempts ${t.attempts}/${t.maxAttempts}${t.lastError ? `  ${t.lastError}` : ''}`;
}

export const refundCommands: Command[] = [
  {
    name: 'adjustment create',
    summary: 'Open a manual adjustment (售后退款) on a settled session or a paid order; another supervisor approves it.',
    usage: 'depotdesk adjustment create --session CD…|ID | --order ID --amount 12.50 --reason "…" --as OPERATOR [--json]',
    options: { session: { type: 'string' }, order: { type: 'string' }, amount: { type: 'string' }, reason: { type: 'string' } },
    async run(cx) {
      const sessionId = optionalOption(cx, 'session');
      const orderId = optionalOption(cx, 'order');
      if (!sessionId === !orderId) throw new UsageError('give exactly one of --session ID or --order ID', { field: sessionId ? '--order' : '--session' });
      const amount = requireOption(cx, 'amount', 'yuan, like 12.50');
      parsePositiveYuan(amount, '--amount');
      const reason = requireOption(cx, 'reason', 'why the money goes back; the driver sees it on the statement');
      const session = sessionId === undefined ? undefined : (await sessionRef(local(cx), sessionId)).id;
      const a = await cx.call<Adjustment>('adjustments.create', { sessionId: session, orderId, amount, reason });
      const number = await numbersFor(cx, [a]);
      cx.print(a, () => describeAdjustment(a, depotClock(cx).at, number));
    },
  },
  {
    name: 'adjustment approve',
    summary: 'Approve an adjustment (not your own): a session refund credits the wallet, an order refund becomes a refund task.',
    usage: 'depotdesk adjustment approve ID --as SUPERVISOR [--note "…"] [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const adjustmentId = requireId(cx, 'adjustment approve');
      const r = await cx.call<MethodOutput<'adjustments.approve'>>('adjustments.approve', { adjustmentId, note: optionalOption(cx, 'note') });
      const number = await numbersFor(cx, [r.adjustment]);
      cx.print(r, () => [describeAdjustment(r.adjustment, depotClock(cx).at, number), ...(r.task ? [`refund task: ${taskLine(r.task)}`] : [])].join('\n'));
    },
  },
  {
    name: 'adjustment reject',
    summary: 'Reject an adjustment (not your own) with a note; nothing moves.',
    usage: 'depotdesk adjustment reject ID --as SUPERVISOR --note "…" [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const adjustmentId = requireId(cx, 'adjustment reject');
      const note = requireOption(cx, 'note', 'why it is rejected');
      const a = await cx.call<Adjustment>('adjustments.reject', { adjustmentId, note });
      const number = await numbersFor(cx, [a]);
      cx.print(a, () => describeAdjustment(a, depotClock(cx).at, number));
    },
  },
  {
    name: 'adjustment list',
    summary: 'List manual adjustments, newest first.',
    usage: 'depotdesk adjustment list [--state pending|approved|rejected] --as OPERATOR [--json]',
    options: { state: { type: 'string' } },
    async run(cx) {
      const state = stateOption(cx, ADJUSTMENT_STATES);
      const r = await cx.call<{ total: number; adjustments: Adjustment[] }>('adjustments.list', { state });
      const list = r.adjustments;
      const number = await numbersFor(cx, list);
      cx.print(r, () =>
        [
          list.length < r.total ? `${list.length} of ${r.total} adjustment(s)` : `${list.length} adjustment(s)`,
          ...list.map(
            (a) =>
              `${a.id}  ${a.state.padEnd(8)} ${a.amount.yuan.padStart(9)}  ${a.target === 'session' && a.sessionId ? `session ${number(a.sessionId)}` : `order ${a.orderNumber}`}  ${a.driverName}  ${a.reason}`,
          ),
        ].join('\n'),
      );
    },
  },
  {
    name: 'refund-task list',
    summary: 'List refund tasks (退款任务), newest first, with the count per state.',
    usage: 'depotdesk refund-task list [--state pending|processing|completed|failed|needs_check|cancelled] --as OPERATOR [--json]',
    options: { state: { type: 'string' } },
    async run(cx) {
      const state = stateOption(cx, TASK_STATES);
      const r = await cx.call<MethodOutput<'refunds.list'>>('refunds.list', { state });
      cx.print(r, () =>
        [
          Object.entries(r.counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
          ...r.tasks.map(taskLine),
        ].join('\n'),
      );
    },
  },
  {
    name: 'refund-task retry',
    summary: 'Send a failed refund task again with a fresh attempt budget (the job runs it at once in the app; `refund-task run` here).',
    usage: 'depotdesk refund-task retry ID --as OPERATOR [--json]',
    allowPositionals: true,
    async run(cx) {
      const taskId = requireId(cx, 'refund-task retry');
      const t = await cx.call<Task>('refunds.retry', { taskId });
      cx.print(t, () => taskLine(t));
    },
  },
  {
    name: 'refund-task resolve',
    summary: 'Resolve a failed refund task by hand: paid_outside (completed) or back_to_wallet (cancelled, the money back in the wallet).',
    usage: 'depotdesk refund-task resolve ID --outcome paid_outside|back_to_wallet --note "…" [--via cash|wechat|alipay] --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { outcome: { type: 'string' }, note: { type: 'string' }, via: { type: 'string' } },
    async run(cx) {
      const taskId = requireId(cx, 'refund-task resolve');
      const outcome = requireOption(cx, 'outcome', 'paid_outside or back_to_wallet');
      if (outcome !== 'paid_outside' && outcome !== 'back_to_wallet')
        throw new UsageError(`--outcome must be paid_outside or back_to_wallet, got "${outcome}"`, { field: '--outcome' });
      const note = requireOption(cx, 'note', 'how it was settled');
      const via = optionalOption(cx, 'via');
      if (via !== undefined && !['cash', 'wechat', 'alipay'].includes(via))
        throw new UsageError(`--via must be cash, wechat or alipay, got "${via}"`, { field: '--via' });
      if (via !== undefined && outcome !== 'paid_outside') throw new UsageError('--via only goes with --outcome paid_outside', { field: '--via' });
      const t = await cx.call<Task>('refunds.resolve', { taskId, outcome, note, via });
      cx.print(t, () => `${taskLine(t)}\nresolved ${t.resolution} by ${t.resolvedBy?.name ?? '?'}: ${t.resolutionNote ?? ''}`);
    },
  },
  {
    name: 'refund-task run',
    summary: 'Process due refund tasks now, as the 5-minute job does (长款 requests picked up, due tasks sent or queried).',
    usage: 'depotdesk refund-task run --as OPERATOR [--json]',
    async run(cx) {
      const r = await cx.call<MethodOutput<'refunds.run'>>('refunds.run', {});
      cx.print(r, () =>
        [
          `picked up ${r.pickedUp.length} 长款 request(s), ${r.rescued.length} stale task(s) to needs_check, processed ${r.processed.length}`,
          ...r.processed.map((p) => `${p.id}  → ${p.state}`),
        ].join('\n'),
      );
      return r.processed.some((p) => p.state === 'failed') ? 1 : 0;
    },
  },
];
