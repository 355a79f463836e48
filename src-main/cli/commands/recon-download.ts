import type { MethodOutput } from '../../contract/types';
import { DepotError, isDepotError } from '../../kernel/errors';
import { optionalOption, UsageError, type Command, type CommandContext } from '../framework';

/**
 * `depotdesk recon download`: what the daily statement download job does (reconciliation/download.ts),
 * now, through the recon.download contract (finance, audited). Exit 0 when every day asked for is
 * in, had no statement, or must wait (gateway offline, bill not made yet: the job asks again);
 * exit 1 when a day failed (a hash mismatch, a refusal, a file the importer refused), named on
 * stderr; exit 2 for a bad option. docs/reconciliation.md "Statements downloaded every day".
 */

type Download = MethodOutput<'recon.download'>;
type DayLine = Download['days'][number];

const CHANNELS = ['wechat', 'alipay'] as const;

function dayOption(cx: CommandContext): string | undefined {
  const v = optionalOption(cx, 'day');
  if (v === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== v) throw new UsageError(`--day must be a date yyyy-MM-dd, got "${v}"`, { field: '--day' });
  return v;
}

function channelOption(cx: CommandContext): (typeof CHANNELS)[number] | undefined {
  const v = optionalOption(cx, 'channel');
  if (v === undefined) return undefined;
  const c = CHANNELS.find((x) => x === v);
  if (!c) throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}, got "${v}"`, { field: '--channel' });
  return c;
}

const OUTCOME_TEXT: Record<DayLine['outcome'], string> = {
  imported: 'imported',
  already_imported: 'downloaded, the same file was already imported',
  present: 'already in',
  no_statement: 'no statement (no trades that day)',
  not_ready: 'not ready yet',
  offline: 'gateway offline',
  failed: 'FAILED',
};

function dayLine(d: DayLine): string {
  const file = d.fileName ? `  ${d.fileName}` : '';
  const statement = d.statementId ? `  statement ${d.statementId}` : '';
  const run = d.daysRun.length > 0 ? `  days run ${d.daysRun.join(', ')}` : '';
  const why = d.message ? `: ${d.message}` : '';
  return `${d.day}  ${d.channel.padEnd(6)}  ${OUTCOME_TEXT[d.outcome]}${why}${file}${statement}${run}`;
}

function describe(r: Download): string {
  const channels = r.channels.map((c) =>
    c.error ? `${c.channel}: cannot be set up: ${c.error.message}` : `${c.channel}: ${c.provider}${c.downloads ? '' : ' (serves no statements)'}`,
  );
  const days = r.days.length > 0 ? r.days.map(dayLine) : ['(no channel serves statements: nothing to download)'];
  return [...channels, ...days].join('\n');
}

const downloadCommand: Command = {
  name: 'recon download',
  summary: "Download the gateways' statements now and import them: the last days not yet in (reconciliation.downloadDays), or one --day.",
  usage: 'depotdesk recon download [--day yyyy-MM-dd] [--channel wechat|alipay] --as FINANCE [--json]',
  options: { day: { type: 'string' }, channel: { type: 'string' } },
  async run(cx) {
    const input = { day: dayOption(cx), channel: channelOption(cx) };
    let r: Download;
    try {
      r = await cx.call<Download>('recon.download', input);
    } catch (e) {
      // The options were checked here: the core's own invalid_input (a day not over) is a refusal, exit 1.
      const schemaIssue = isDepotError(e) && typeof e.details === 'object' && e.details !== null && 'issues' in e.details;
      if (isDepotError(e) && e.code === 'invalid_input' && !schemaIssue) throw new DepotError('refused', e.message, e.details);
      throw e;
    }
    const failures = [...r.channels.filter((c) => c.error), ...r.days.filter((d) => d.outcome === 'failed')];
    for (const d of r.days.filter((x) => x.outcome === 'failed')) process.stderr.write(`depotdesk recon download: ${dayLine(d)}\n`);
    cx.print(r, () => describe(r));
    return failures.length > 0 ? 1 : 0;
  },
};

export const reconDownloadCommands: Command[] = [downloadCommand];
