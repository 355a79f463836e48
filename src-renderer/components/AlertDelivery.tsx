import { useCallback, useEffect, useState } from 'react';
import { Button, Tooltip } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../api';
import { alertText } from '../lib/alertText';
import { useI18n } from '../i18n';
import { useSession } from '../session';

/**
 * Alerts that reach an operator who is not looking at the Alerts page (issue 21):
 * - the open alerts, shared by the banner over every page and the badge on the 任务 menu entry;
 * - in browser mode, a system notification for each alert raised while the page is open whose
 *   delivery (decided by the core: Settings → 告警, roles and quiet hours) names the operator's role,
 *   once the operator allowed it (asked once, from the bell in the header: browsers only ask on a
 *   click); the desktop app notifies from its main process instead (src-main/shell/window.ts), so
 *   the window does not notify twice;
 * - a short tone for an alert the core says sounds (urgent ones), for a notified role, in both.
 * Repeats of an open alert are counted on it by the core and announced once, so none of this floods.
 */

export type OpenAlerts = Awaited<ReturnType<typeof api.alerts.list>>;

/** The open alerts (the most severe first, newest within a level, one item) and their count, reloaded when any alert changes. */
export function useOpenAlerts(): OpenAlerts | null {
  const [open, setOpen] = useState<OpenAlerts | null>(null);
  const load = useCallback(() => {
    api.alerts.list({ limit: 1, order: 'severity' }).then(setOpen, () => setOpen(null));
  }, []);
  useEffect(load, [load]);
  useDepotEvents(['alert', 'dashboard.changed'], load);
  return open;
}

const inBrowser = () => typeof window !== 'undefined' && !window.depot && typeof Notification !== 'undefined';

/**
 * Applies the core's delivery decision (alerts/delivery.ts: `notify`, `sound` on each alert event)
 * for the signed-in operator: a notification (browser mode, when allowed) only if their role is in
 * `notify`, the tone only if the alert sounds and their role is notified. Nothing is decided here.
 */
export function useAlertDelivery(): void {
  const { t, maybe } = useI18n();
  const { operator } = useSession();
  useDepotEvents(['alert'], (e) => {
    if (e.type !== 'alert') return;
    const { level, code, notify, sound } = e.payload;
    if (!notify.includes(operator.role)) return;
    if (inBrowser() && Notification.permission === 'granted') {
      // One notification per alert code on screen at a time: a newer one replaces it.
      new Notification(`${t('app.name')} · ${t(`alerts.level.${level}`)}`, { body: alertText({ maybe }, e.payload), tag: code });
    }
    if (sound) urgentTone();
  });
}

/** The header's bell: asks once for permission to notify, in browser mode, until answered. */
export function NotificationPrompt() {
  const { t } = useI18n();
  const [permission, setPermission] = useState(() => (inBrowser() ? Notification.permission : 'unsupported'));
  if (permission !== 'default') return null;
  return (
    <Tooltip title={t('alerts.notify.hint')}>
      <Button icon={<BellOutlined />} data-testid="alerts-notify" onClick={() => void Notification.requestPermission().then(setPermission)}>
        {t('alerts.notify.enable')}
      </Button>
    </Tooltip>
  );
}

let audio: AudioContext | null = null;

/** Two short beeps. A page the operator never clicked may not play sound (browser policy); then it stays silent. */
function urgentTone(): void {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    for (const start of [0, 0.25]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + start);
      osc.stop(ctx.currentTime + start + 0.15);
    }
  } catch {
    // No audio device, or sound not allowed yet: the banner and the notification still tell.
  }
}
