import { z } from 'zod';
import { defineCron, defineWorker } from '../jobs';
import { evaluate } from './evaluate';

export const RISK_JOB_KIND = 'risk.evaluate';

/** Every 5 minutes: listings expire, enabled rules list drivers and put chargers in maintenance, old reviews alert. */
export const riskEvaluateWorker = defineWorker({
  kind: RISK_JOB_KIND,
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  timeoutMs: 5 * 60_000,
  async perform(app) {
    const r = await evaluate(app);
    if (r.expired + r.listed.length + r.maintenance.length > 0) {
      app.log.info({ expired: r.expired, listed: r.listed, maintenance: r.maintenance }, 'risk control: decisions made');
    }
  },
});

export const riskEvaluateCron = defineCron({ name: 'risk.evaluate', expression: '*/5 * * * *', kind: RISK_JOB_KIND });
