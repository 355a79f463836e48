import { Alert, Button } from 'antd';
import { useI18n } from '../i18n';
import { navigate } from '../lib/route';
import { alertText } from '../lib/alertText';
import type { OpenAlerts } from './AlertDelivery';

/**
 * Open alerts above every page, until each is acknowledged or clears by itself (failing jobs,
 * unsettled sessions piling up, a broker that did not start). Notifications and the tone come on
 * top of it (AlertDelivery.tsx); the banner is what stays.
 */
export function AlertBanner({ open }: { open: OpenAlerts | null }) {
  const { t, maybe } = useI18n();

  if (!open || open.total === 0) return null;
  // The most severe open alert (urgent before a newer warning), newest within its level.
  const shown = open.items[0];
  return (
    <Alert
      banner
      showIcon
      type={shown.level === 'urgent' ? 'error' : shown.level === 'warning' ? 'warning' : 'info'}
      data-testid="alert-banner"
      message={t('alerts.banner', { count: open.total, message: alertText({ maybe }, shown) })}
      action={
        <Button size="small" type="link" onClick={() => navigate('jobs', { tab: 'alerts' })}>
          {t('alerts.banner.open')}
        </Button>
      }
    />
  );
}
