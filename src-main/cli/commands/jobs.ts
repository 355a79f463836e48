import { JOB_STATES, type JobState, type JobStats, type JobSummary } from '../../jobs';
import type { Alert } from '../../alerts';
import { operatorIdByName, operatorNames } from '../../operators';
import { depotClock, type TimeText } from '../depot-time';
import { UsageError, type Command, type CommandContext } from '../framework';
import { alertResolutionWords, alertWords, jobErrorText, label } from '../words';

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

const jobState = (state: string) => label('jobs.state.', state);
const jobKind = (kind: string) => label('jobs.kind.', kind);

/**
 * One job as the Jobs page words it: its time, state and kind in words, attempts, the last error by
 * its code's words; the id last (jobs show/retry/cancel take it). --json keeps the codes.
 */
function jobLine(j: JobSummary, iso: TimeText): string {
  const when = j.state === 'completed' ? j.completedAt : j.state === 'discarded' ? j.discardedAt : j.state === 'cancelled' ? j.cancelledAt : j.scheduledAt;
  return [
    iso(when),
    jobState(j.state).padEnd(18),
    jobKind(j.kind).padEnd(30),
    `attempt ${j.attempt}/${j.maxAttempts}`,
    ...(j.lastError ? [jobErrorText(j.lastError)] : []),
    `id ${j.id}`,
  ].join('  ');
}

/** Operators by their display names: alerts record who acknowledged by login. */
function personByLogin(cx: CommandContext): (login: string) => string {
  const app = cx.openApp();
  return (login) => {
    const id = operatorIdByName(app, login);
    return (id && operatorNames(app, [id]).get(id)) ?? login;
  };
}

/** One alert as the alerts list words it: level, time, sentence, who handled it; its id last (alerts ack takes it). */
function alertLine(a: Alert, iso: TimeText, person: (login: string) => string): string {
  const handled = [
    ...(a.acknowledgedBy ? [`[acknowledged by ${person(a.acknowledgedBy)}]`] : []),
    // 'system' is the depot itself: its condition cleared.
    ...(a.resolvedBy ? [`[resolved${a.resolvedBy === 'system' ? '' : ` by ${person(a.resolvedBy)}`}: ${alertResolutionWords(a)}]`] : []),
  ];
  return [label('alerts.level.', a.level).padEnd(7), iso(a.lastRaisedAt), `${a.count > 1 ? `(×${a.count}) ` : ''}${alertWords(a)}`, ...handled, `id ${a.id}`].join('  ');
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
          ...job.errors.map((e) => `  attempt ${e.attempt} at ${iso(e.at)}: ${jobErrorText(e.error)}`),
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
      cx.print(
        job,
        `job "${jobKind(job.kind)}" is ${jobState(job.state).toLowerCase()} again; attempt ${job.attempt + 1} of ${job.maxAttempts} comes next  (id ${job.id})`,
      );
    },
  },
  {
    name: 'jobs cancel',
    summary: 'Cancel a job that has not finished (supervisor or admin).',
    usage: 'depotdesk jobs cancel ID --as NAME [--json]',
    allowPositionals: true,
    async run(cx) {
      const job = await cx.call<JobSummary>('jobs.cancel', { id: oneId(cx, 'jobs cancel') });
      cx.print(job, `job "${jobKind(job.kind)}" cancelled  (id ${job.id})`);
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
          JOB_STATES.map((s) => `${jobState(s)} ${stats.states[s]}`).join(', '),
          ...stats.queues.map(
            (q) =>
              `queue ${q.queue} (concurrency ${q.concurrency}): ${
                JOB_STATES.filter((s) => q.counts[s] > 0)
                  .map((s) => `${jobState(s)} ${q.counts[s]}`)
                  .join(', ') || 'empty'
              }`,
          ),
          ...stats.kinds
            .filter((k) => k.failureStreak > 0)
            .map((k) => `FAILING ${jobKind(k.kind)}: ${k.failureStreak} in a row, last: ${k.lastError ? jobErrorText(k.lastError) : ''}`),
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
      cx.print(page, () => {
        if (page.items.length === 0) return 'no open alerts';
        const clock = depotClock(cx);
        const person = personByLogin(cx);
        return [...page.items.map((a) => alertLine(a, clock.at, person)), `${page.items.length} of ${page.total} alert(s), times in ${clock.zone}`].join('\n');
      });
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
      cx.print(alert, `alert acknowledged: ${alertWords(alert)}  (id ${alert.id})`);
    },
  },
];
