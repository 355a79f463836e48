import { useCallback, useEffect, useState } from 'react';
import { Alert, Button } from 'antd';
import { api, useDepotEvents } from '../api';
import { useI18n } from '../i18n';
import { navigate } from '../lib/route';

type OpenAlerts = Awaited<ReturnType<typeof api.alerts.list>>;

/**
 * Open alerts above every page. Electron also shows a desktop notification when one is raised; a
 * browser tab cannot, so this banner is what tells an operator in browser mode that someone
 * should look (failing jobs, unsettled sessions piling up, a broker that did not start).
 */
export function AlertBanner() {
  const { t } = useI18n();
  const [open, setOpen] = useState<OpenAlerts | null>(null);
  const load = useCallback(() => {
    api.alerts.list({ limit: 1 }).then(setOpen, () => setOpen(null));
  }, []);
  useEffect(load, [load]);
  useDepotEvents(['alert', 'dashboard.changed'], load);

  if (!open || open.total === 0) return null;
  const latest = open.items[0];
  return (
    <Alert
      banner
      showIcon
      type={latest.level === 'urgent' ? 'error' : latest.level === 'warning' ? 'warning' : 'info'}
      data-testid="alert-banner"
      message={t('alerts.banner', { count: open.total, message: latest.message })}
      action={
        <Button size="small" type="link" onClick={() => navigate('jobs', { tab: 'alerts' })}>
          {t('alerts.banner.open')}
        </Button>
      }
    />
  );
}
