import { JOB_STATES, type JobState, type JobStats, type JobSummary } from '../../jobs';
import type { Alert } from '../../alerts';
import { depotClock, type TimeText } from '../depot-time';
import { UsageError, type Command, type CommandContext } from '../framework';

function oneId(cx: CommandContext, command: string): string {
  const [id, ...extra] = cx.positionals;
  if (!id || extra.length > 0) throw new UsageError(`${command} takes exactly one job id`, { field: 'ID' });
  return id;
}

function wholeNumber(value: unknown, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(`${flag} must be a whole number ≥ ${min}, got "${String(value)}"`, { field: flag });
  }
  return Number(value);
}

function jobLine(j: JobSummary, iso: TimeText): string {
  const when = j.state === 'completed' ? j.completedAt : j.state === 'discarded' ? j.discardedAt : j.state === 'cancelled' ? j.cancelledAt : j.scheduledAt;
  return [j.id, j.state.padEnd(10), `${j.attempt}/${j.maxAttempts}`.padEnd(6), j.queue.padEnd(12), j.kind.padEnd(28), iso(when), j.lastError ?? ''].join('  ').trimEnd();
}

export const jobCommands: Command[] = [
  {
    name: 'jobs list',
    summary: 'List jobs, newest first (as an operator).',
    usage: `depotdesk jobs list [--state ${JOB_STATES.join('|')}] [--queue Q] [--kind K] [--limit N] [--offset N] --as NAME [--json]`,
    options: { state: { type: 'string' }, queue: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
    async run(cx) {
      const state = cx.args.state as string | undefined;
      if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) {
        throw new UsageError(`--state must be one of ${JOB_STATES.join(', ')}, got "${state}"`, { field: '--state' });
      }
      const page = await cx.call<{ total: number; items: JobSummary[] }>('jobs.list', {
        state: state as JobState | undefined,
        queue: cx.args.queue,
        kind: cx.args.kind,
        limit: wholeNumber(cx.args.limit, '--limit', 50),
        offset: wholeNumber(cx.args.offset, '--offset', 0, 0),
      });
      cx.print(page, () => {
        if (page.items.length === 0) return 'no jobs match';
        const clock = depotClock(cx);
        return [...page.items.map((j) => jobLine(j, clock.at)), `${page.items.length} of ${page.total} job(s), times in ${clock.zone}`].join('\n');
      });
    },
  },
  {
    name: 'jobs show',
    summary: 'One job with its arguments and error history.',
    usage: 'depotdesk jobs show ID --as NAME [--json]',
    allowPositionals: true,
    async run(cx) {
      const job = await cx.call<JobSummary & { args: unknown; errors: { attempt: number; at: number; error: string }[] }>('jobs.get', {
        id: oneId(cx, 'jobs show'),
      });
      const iso = depotClock(cx).at;
      cx.print(job, () =>
        [
          jobLine({ ...job, lastError: null, errorCount: job.errors.length }, iso),
          `args: ${JSON.stringify(job.args)}`,
          ...job.errors.map((e) => `  attempt ${e.attempt} at ${iso(e.at)}: ${e.error}`),
        ].join('\n'),
      );
    },
  },
  {
    name: 'jobs retry',
    summary: 'Run a discarded, cancelled, retryable or scheduled job again now (supervisor or admin).',
    usage: 'depotdesk jobs retry ID --as NAME [--json]',
    allowPositionals: true,
    async run(cx) {
      const job = await cx.call<JobSummary>('jobs.retry', { id: oneId(cx, 'jobs retry') });
      cx.print(job, `job ${job.id} (${job.kind}) is ${job.state} again; attempt ${job.attempt + 1} of ${job.maxAttempts} comes next`);
    },
  },
  {
    name: 'jobs cancel',
    summary: 'Cancel a job that has not finished (supervisor or admin).',
    usage: 'depotdesk jobs cancel ID --as NAME [--json]',
    allowPositionals: true,
    async run(cx) {
      const job = await cx.call<JobSummary>('jobs.cancel', { id: oneId(cx, 'jobs cancel') });
      cx.print(job, `job ${job.id} (${job.kind}) cancelled`);
    },
  },
  {
    name: 'jobs stats',
    summary: 'Job counts by state and queue, failing kinds and cron schedules.',
    usage: 'depotdesk jobs stats --as NAME [--json]',
    async run(cx) {
      const stats = await cx.call<JobStats & { crons: { name: string; expression: string; nextSlotAt: number }[] }>('jobs.stats');
      const iso = depotClock(cx).at;
      cx.print(stats, () =>
        [
          JOB_STATES.map((s) => `${s} ${stats.states[s]}`).join(', '),
          ...stats.queues.map(
            (q) =>
              `queue ${q.queue} (concurrency ${q.concurrency}): ${
                JOB_STATES.filter((s) => q.counts[s] > 0)
                  .map((s) => `${s} ${q.counts[s]}`)
                  .join(', ') || 'empty'
              }`,
          ),
          ...stats.kinds.filter((k) => k.failureStreak > 0).map((k) => `FAILING ${k.kind}: ${k.failureStreak} in a row, last: ${k.lastError ?? ''}`),
          ...stats.crons.map((c) => `cron ${c.name} "${c.expression}" next ${iso(c.nextSlotAt)}`),
        ].join('\n'),
      );
    },
  },
  {
    name: 'alerts list',
    summary: 'Open alerts, newest first (--all includes acknowledged and resolved ones).',
    usage: 'depotdesk alerts list [--all] [--limit N] --as NAME [--json]',
    options: { all: { type: 'boolean' }, limit: { type: 'string' } },
    async run(cx) {
      const page = await cx.call<{ total: number; items: Alert[] }>('alerts.list', {
        all: Boolean(cx.args.all),
        limit: wholeNumber(cx.args.limit, '--limit', 100),
      });
      const iso = depotClock(cx).at;
      cx.print(page, () =>
        page.items.length === 0
          ? 'no open alerts'
          : page.items
              .map(
                (a) =>
                  `${a.id}  ${a.level.padEnd(7)}  ${iso(a.lastRaisedAt)}  ${a.count > 1 ? `(×${a.count}) ` : ''}${a.message}${a.acknowledgedBy ? `  [acknowledged by ${a.acknowledgedBy}]` : ''}${a.resolvedBy ? `  [resolved by ${a.resolvedBy}: ${a.resolution ?? ''}]` : ''}`,
              )
              .join('\n'),
      );
    },
  },
  {
    name: 'alerts ack',
    summary: 'Acknowledge an open alert (supervisor or admin).',
    usage: 'depotdesk alerts ack ID --as NAME [--json]',
    allowPositionals: true,
    async run(cx) {
      const [id, ...extra] = cx.positionals;
      if (!id || extra.length > 0) throw new UsageError('alerts ack takes exactly one alert id', { field: 'ID' });
      const alert = await cx.call<Alert>('alerts.acknowledge', { id });
      cx.print(alert, `alert ${alert.id} acknowledged`);
    },
  },
];
