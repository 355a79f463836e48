import { z } from 'zod';
import { defineCron, defineWorker } from '../jobs';
import { expireDueHolds } from './ops/holds';

/** Holds past their expiry are expired: the held money goes back to the wallet. */
export const ledgerExpireHoldsWorker = defineWorker({
  kind: 'ledger.expireHolds',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  perform(app) {
    const result = expireDueHolds(app);
    if (result.skipped.length > 0) app.log.warn({ skipped: result.skipped }, 'some due holds could not be expired');
  },
});

export const ledgerExpireHoldsCron = defineCron({ name: 'ledger.expireHolds', expression: '* * * * *', kind: ledgerExpireHoldsWorker.kind });
