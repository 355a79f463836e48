import { z } from 'zod';
import { DepotError } from '../kernel/errors';
import { defineCron, defineWorker } from '../jobs';
import { downloadFailures, downloadStatements, type DayDownload } from './download';
import { runDueInSlices } from './match';

export const RECON_JOB_KIND = 'recon.daily';

/**
 * The daily reconciliation at 01:00 in the depot's zone (a durable cron): every day since the last
 * one reconciled up to yesterday, and the days still inside the window again. A missed night (the
 * PC was off) is caught up by the next run, however many days it spans.
 */
export const reconDailyWorker = defineWorker({
  kind: RECON_JOB_KIND,
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  timeoutMs: 30 * 60_000,
  async perform(app) {
    const r = await runDueInSlices(app);
    const breaks = r.days.reduce((s, d) => s + d.breaksOpened, 0);
    const anomalies = r.days.reduce((s, d) => s + d.energy.newAnomalies, 0);
    app.log.info({ from: r.from, to: r.to, days: r.days.length, breaksOpened: breaks, newAnomalies: anomalies }, `reconciliation: ${r.from}…${r.to}`);
  },
});

export const reconDailyCron = defineCron({ name: 'recon.daily', expression: '0 1 * * *', kind: RECON_JOB_KIND });

export const RECON_DOWNLOAD_JOB_KIND = 'recon.download';

/** A bill not made yet is asked for again this often (WeChat Pay: "间隔半小时再重试")… */
const NOT_READY_SNOOZE_MS = 30 * 60_000;
/** …for this long after the run was enqueued; then the next daily run asks again. */
const NOT_READY_GIVE_UP_MS = 12 * 3_600_000;

/**
 * The daily statement download at 10:30 in the depot's zone (WeChat Pay makes yesterday's bill
 * after about 10:00 China time): download.ts has what it guarantees. An offline gateway completes
 * the job (the day is asked for at the next run); a bill not made yet snoozes it; a failure (hash
 * mismatch, refusal, a file the importer refuses) fails it after every other day was handled.
 */
export const reconDownloadWorker = defineWorker({
  kind: RECON_DOWNLOAD_JOB_KIND,
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  timeoutMs: 10 * 60_000,
  async perform(app, job) {
    const r = await downloadStatements(app);
    const count = (o: DayDownload['outcome']) => r.days.filter((d) => d.outcome === o).length;
    const summary = { imported: count('imported'), noStatement: count('no_statement'), notReady: count('not_ready'), offline: count('offline'), failed: count('failed') };
    app.log.info(summary, `statement download: ${summary.imported} imported, ${summary.notReady} not ready, ${summary.offline} offline, ${summary.failed} failed`);
    const failures = downloadFailures(r);
    if (failures.length > 0) {
      // The first failure's own code (integrity_failed for a hash mismatch, refused, config_invalid …) names the kind of trouble.
      const code = r.days.find((d) => d.outcome === 'failed')?.code ?? r.channels.find((c) => c.error)?.error?.code ?? 'refused';
      throw new DepotError(code, `statement download: ${failures.join('; ')}`, { failures });
    }
    if (summary.notReady > 0 && app.clock.now() - job.insertedAt < NOT_READY_GIVE_UP_MS) return { snooze: NOT_READY_SNOOZE_MS };
    return undefined;
  },
});

export const reconDownloadCron = defineCron({ name: 'recon.download', expression: '30 10 * * *', kind: RECON_DOWNLOAD_JOB_KIND });
