import { useEffect, useRef, useState } from 'react';
import { App, Badge, Button, Popconfirm, Tabs } from 'antd';
import { PlayCircleOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { useHashParam } from '../../lib/route';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import BlacklistTab from './BlacklistTab';
import HealthTab from './HealthTab';
import ReviewsTab from './ReviewsTab';
import RulesTab from './RulesTab';
import WriteOffsTab from './WriteOffsTab';
import { useCrumb } from '../../components/Breadcrumbs';

const EVENT_DEBOUNCE_MS = 300;

/**
 * The Risk page (风控): the blacklist and "why was this driver refused?", charger health and the
 * chargers the rules put in maintenance, the review queue, debt write-offs decided by a second
 * person, and the rules themselves with their versions. Every change is a risk.* command; the
 * core holds who may do what, the screen offers the actions to those roles and says what each does.
 */
export default function RiskPage() {
  const { t, maybe } = useI18n();
  const [tab, setTab] = useHashParam('view', 'blacklist');
  useCrumb(maybe(`risk.tab.${tab}`) ?? null);
  const version = useRiskVersion();
  // The tab's badge: how many wait (the tab pages the queue itself).
  const reviews = useQuery(() => api.risk.reviews({ limit: 1 }), [version]);
  return (
    <div data-testid="risk-page">
      <Tabs
        activeKey={tab}
        onChange={setTab}
        tabBarExtraContent={<EvaluateButton />}
        items={[
          { key: 'blacklist', label: t('risk.tab.blacklist'), children: <BlacklistTab version={version} /> },
          { key: 'health', label: t('risk.tab.health'), children: <HealthTab version={version} /> },
          {
            key: 'reviews',
            label: (
              <Badge count={reviews.data?.total ?? 0} size="small" offset={[8, 0]}>
                {t('risk.tab.reviews')}
              </Badge>
            ),
            children: <ReviewsTab version={version} />,
          },
          { key: 'writeoffs', label: t('risk.tab.writeoffs'), children: <WriteOffsTab version={version} /> },
          { key: 'rules', label: t('risk.tab.rules'), children: <RulesTab version={version} /> },
        ]}
      />
    </div>
  );
}

/**
 * A number that grows whenever something the page shows may have changed: any risk.* command
 * (by anyone, through the audit log's event), a rule's alert (the 5-minute evaluation), a charger's
 * answer recorded after a decision, a session or the ledger moving. Bursts are folded into one reload.
 */
function useRiskVersion(): number {
  const [version, setVersion] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useDepotEvents(['audit.appended', 'alert', 'session.updated', 'ledger.changed', 'refunds.changed', 'risk.changed'], (e) => {
    if (e.type === 'audit.appended' && !e.payload.method.startsWith('risk.')) return;
    if (e.type === 'alert' && !e.payload.code.startsWith('risk.')) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setVersion((v) => v + 1), EVENT_DEBOUNCE_MS);
  });
  return version;
}

/** Runs the rules now (they also run every 5 minutes) and says what they decided. */
function EvaluateButton() {
  const { t } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const report = useReportError();
  const [running, setRunning] = useState(false);
  if (!can(SUPERVISORS)) return null;
  const run = async () => {
    setRunning(true);
    try {
      const r = await api.risk.evaluate({});
      void message.success(t('risk.evaluated', { listed: r.listed, maintenance: r.maintenance, expired: r.expired, aging: r.agingReviews }));
    } catch (e) {
      report(e);
    } finally {
      setRunning(false);
    }
  };
  return (
    <Popconfirm
      title={t('risk.evaluateTitle')}
      description={t('risk.evaluateHint')}
      okText={t('risk.evaluate')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'risk-evaluate-confirm' }}
      onConfirm={() => void run()}
    >
      <Button icon={<PlayCircleOutlined />} loading={running} data-testid="risk-evaluate">
        {t('risk.evaluate')}
      </Button>
    </Popconfirm>
  );
}
