import type { AppContext } from '../kernel/context';
import { openAlertCount } from '../alerts';
import { countRows } from '../kernel/db/rows';

/** Dashboard figures: jobs waiting to retry after a failure, jobs given up on, open alerts. */
export function jobFigures(app: AppContext): { key: string; value: number; unit: 'count' }[] {
  const count = (state: string) => countRows(app.sqlite.prepare('SELECT count(*) AS n FROM jobs WHERE state = ?'), state);
  return [
    { key: 'jobs.failing', value: count('retryable'), unit: 'count' },
    { key: 'jobs.discarded', value: count('discarded'), unit: 'count' },
    { key: 'alerts.open', value: openAlertCount(app), unit: 'count' },
  ];
}
