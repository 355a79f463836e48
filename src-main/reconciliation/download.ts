import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { cachedStatement } from '../kernel/db/statements';
import { DepotError, isDepotError } from '../kernel/errors';
import { FINANCE, method } from '../kernel/method';
import { PAYMENT_CHANNELS, providerFor, type PaymentChannel, type PaymentProvider } from '../payments';
import type { By } from '../ledger';
import { findDay } from './days';
import { importStatement } from './import';
import { addDays, runRangeInSlices, today } from './match';

/**
 * The daily statement download: each channel whose gateway serves statements (a provider with
 * downloadStatement: WeChat Pay's trade bill, Alipay's bill) hands each finished depot day's file
 * to the importer, so that nobody downloads files by hand. docs/reconciliation.md "Statements
 * downloaded every day".
 *
 * Guarantees (test/reconciliation/download.test.ts):
 * - A day is downloaded until its statement is in: the job looks at the last
 *   reconciliation.downloadDays finished days (default 3) and asks only for those with no statement
 *   of that channel yet (recon_statements, whoever imported it). A second run downloads nothing more.
 * - What comes down goes through importStatement: checked whole, all or nothing, once by content,
 *   for the merchant the provider names; the finished days it covers are reconciled again at once.
 * - A gateway that cannot be reached, or whose bill is not made yet (code `unavailable`), changes
 *   nothing and fails nothing: the day is asked for again at the next run (a bill not ready
 *   snoozes the job for 30 minutes, as WeChat Pay advises, for up to 12 hours).
 * - Anything else (a download whose hash does not match what the gateway signed, a refused call, a
 *   file the importer refuses) imports nothing for that day and is named in the result; the job
 *   handles every other day and channel first, then fails so the jobs page shows it and it retries.
 * - No day is asked for before it is over: a bill exists only for a finished day.
 */

export type DownloadOutcome = 'imported' | 'already_imported' | 'present' | 'no_statement' | 'not_ready' | 'offline' | 'failed';

export interface DayDownload {
  channel: PaymentChannel;
  day: string;
  outcome: DownloadOutcome;
  /** The statement that holds the day: imported now, the same file kept before, or already there. */
  statementId: string | null;
  fileName: string | null;
  /** not_ready, offline, failed: the error's code and message. */
  code: string | null;
  message: string | null;
  /** Finished days the file covers, reconciled again after the import. */
  daysRun: string[];
}

export interface ChannelDownload {
  channel: PaymentChannel;
  /** The provider's name, or null when it could not be set up (then `error` says why). */
  provider: string | null;
  /** Whether the provider serves statements (the simulated one does not). */
  downloads: boolean;
  error: { code: string; message: string } | null;
}

export interface DownloadResult {
  channels: ChannelDownload[];
  days: DayDownload[];
}

export interface DownloadOptions {
  /** One finished day (yyyy-MM-dd), asked for even if a statement of it is already in. */
  day?: string;
  channel?: PaymentChannel;
}

type StatementSource = PaymentProvider & Required<Pick<PaymentProvider, 'downloadStatement'>>;

/** A statement of the channel that covers the day, however it came in (downloaded or imported by hand). */
export function statementOfDay(app: Pick<AppContext, 'sqlite'>, channel: PaymentChannel, day: string): { id: string; fileName: string } | undefined {
  return cachedStatement<{ id: string; fileName: string }>(
    app.sqlite,
    `SELECT s.id, s.file_name AS fileName FROM recon_statements s, json_each(s.bill_dates) d
      WHERE s.channel = ? AND d.value = ? ORDER BY s.imported_at LIMIT 1`,
  ).get(channel, day);
}

function checkDay(app: AppContext, day: string): void {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day)
    throw new DepotError('invalid_input', `day: ${day} is not a date yyyy-MM-dd`, { field: 'day' });
  const now = today(app);
  if (day >= now)
    throw new DepotError('invalid_input', `day: ${day} is not over yet (today is ${now}); a gateway has a statement only for a finished day`, { field: 'day' });
}

/** The providers to ask, with what each can do; a provider that cannot be set up is named, not thrown. */
function channelsToAsk(app: AppContext, only: PaymentChannel | undefined): { info: ChannelDownload; source: StatementSource | null }[] {
  return PAYMENT_CHANNELS.filter((c) => only === undefined || c === only).map((channel) => {
    try {
      const p = providerFor(app, channel);
      const source = typeof p.downloadStatement === 'function' ? (p as StatementSource) : null;
      return { info: { channel, provider: p.name, downloads: source !== null, error: null }, source };
    } catch (e) {
      const error = isDepotError(e) ? { code: String(e.code), message: e.message } : { code: 'internal', message: (e as Error).message };
      return { info: { channel, provider: null, downloads: false, error }, source: null };
    }
  });
}

function dayDownload(channel: PaymentChannel, day: string, outcome: DownloadOutcome, more: Partial<DayDownload> = {}): DayDownload {
  return { channel, day, outcome, statementId: null, fileName: null, code: null, message: null, daysRun: [], ...more };
}

/** An error's place in the three outcomes: try again later (unavailable), or a failure to show. */
function failed(channel: PaymentChannel, day: string, e: unknown): DayDownload {
  if (!isDepotError(e)) return dayDownload(channel, day, 'failed', { code: 'internal', message: e instanceof Error ? e.message : String(e) });
  const outcome = (e.details as { outcome?: unknown } | undefined)?.outcome;
  if (e.code === 'unavailable') return dayDownload(channel, day, outcome === 'not_ready' ? 'not_ready' : 'offline', { code: e.code, message: e.message });
  return dayDownload(channel, day, 'failed', { code: String(e.code), message: e.message });
}

/** One channel's day: download, import (all or nothing), reconcile the finished days it covers. */
async function downloadDay(app: AppContext, channel: PaymentChannel, source: StatementSource, day: string, by: By): Promise<DayDownload> {
  try {
    const file = await source.downloadStatement(day);
    if (!file) return dayDownload(channel, day, 'no_statement');
    // The provider may name the merchant its statements are for (WeChat: 商户号): the importer refuses another's.
    const merchant = (file as { merchantId?: unknown }).merchantId;
    const expectMerchantId = typeof merchant === 'string' && merchant !== '' ? merchant : undefined;
    const r = await importStatement(app, file.bytes, file.fileName, { format: channel, expectMerchantId }, by);
    const now = today(app);
    const runnable = r.days.filter((d) => d < now && findDay(app, d)?.state !== 'signed_off');
    for (const d of runnable) await runRangeInSlices(app, d);
    return dayDownload(channel, day, r.imported ? 'imported' : 'already_imported', { statementId: r.statement.id, fileName: r.statement.fileName, daysRun: runnable });
  } catch (e) {
    return failed(channel, day, e);
  }
}

/**
 * Downloads and imports what is missing: every channel that serves statements, each of the last
 * reconciliation.downloadDays finished days without a statement of that channel (or the one `day`
 * asked for). Never throws for a day: each day's outcome is in the result.
 */
export async function downloadStatements(app: AppContext, opts: DownloadOptions = {}, by: By = {}): Promise<DownloadResult> {
  if (opts.day !== undefined) checkDay(app, opts.day);
  const channels = channelsToAsk(app, opts.channel);
  const asked = opts.channel === undefined ? undefined : channels[0];
  if (asked && asked.info.error === null && !asked.source) {
    throw new DepotError(
      'invalid_input',
      `channel: the ${asked.info.channel} provider (${asked.info.provider}) does not serve statements; configure the real gateway first`,
      {
        field: 'channel',
      },
    );
  }
  const back = app.config.reconciliation.downloadDays;
  const candidates = opts.day !== undefined ? [opts.day] : Array.from({ length: back }, (_, i) => addDays(today(app), i - back));
  const days: DayDownload[] = [];
  for (const { info, source } of channels) {
    if (!source) continue;
    for (const day of candidates) {
      const present = opts.day === undefined ? statementOfDay(app, info.channel, day) : undefined;
      days.push(
        present
          ? dayDownload(info.channel, day, 'present', { statementId: present.id, fileName: present.fileName })
          : await downloadDay(app, info.channel, source, day, by),
      );
    }
  }
  return { channels: channels.map((c) => c.info), days };
}

/** The failures a run should be failed for: a channel that could not be set up, a day that failed. */
export function downloadFailures(r: DownloadResult): string[] {
  return [
    ...r.channels.filter((c) => c.error).map((c) => `${c.channel}: ${c.error!.message}`),
    ...r.days.filter((d) => d.outcome === 'failed').map((d) => `${d.channel} ${d.day}: ${d.message}`),
  ];
}

// ── the contract: recon.download ─────────────────────────────────────────────────────────────────

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is yyyy-MM-dd');

export const reconDownloadMethods = {
  'recon.download': method({
    summary:
      "Download the gateways' statements now and import them: the last reconciliation.downloadDays finished days not yet in, or one --day (asked for again even if it is in).",
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ day: date.optional(), channel: z.enum(PAYMENT_CHANNELS).optional() }),
    output: z.object({
      channels: z.array(
        z.object({
          channel: z.enum(PAYMENT_CHANNELS),
          provider: z.string().nullable(),
          downloads: z.boolean(),
          error: z.object({ code: z.string(), message: z.string() }).nullable(),
        }),
      ),
      days: z.array(
        z.object({
          channel: z.enum(PAYMENT_CHANNELS),
          day: z.string(),
          outcome: z.enum(['imported', 'already_imported', 'present', 'no_statement', 'not_ready', 'offline', 'failed']),
          statementId: z.string().nullable(),
          fileName: z.string().nullable(),
          code: z.string().nullable(),
          message: z.string().nullable(),
          daysRun: z.array(z.string()),
        }),
      ),
    }),
    handler: (ctx, input) => downloadStatements(ctx.app, input, { operatorId: ctx.caller.operator!.id }),
  }),
};
