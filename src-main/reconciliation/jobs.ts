import { z } from 'zod';
import { defineCron, defineWorker } from '../jobs';
import { runDue } from './match';

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
  perform(app) {
    const r = runDue(app);
    const breaks = r.days.reduce((s, d) => s + d.breaksOpened, 0);
    const anomalies = r.days.reduce((s, d) => s + d.energy.newAnomalies, 0);
    app.log.info({ from: r.from, to: r.to, days: r.days.length, breaksOpened: breaks, newAnomalies: anomalies }, `reconciliation: ${r.from}…${r.to}`);
  },
});

export const reconDailyCron = defineCron({ name: 'recon.daily', expression: '0 1 * * *', kind: RECON_JOB_KIND });
