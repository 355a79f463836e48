import { lazy, Suspense, useEffect, useRef } from 'react';
import { Button, Card, Descriptions, Flex, Space, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../../api';
import { BrokerBadge } from '../../components/BrokerBadge';
import { useI18n } from '../../i18n';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { FigureGroups } from './FigureGroups';

// The charts bring ECharts (most of this page's code): loaded after the figures, never in their way.
const DashboardCharts = lazy(() => import('./Charts').then((m) => ({ default: m.DashboardCharts })));

const REFRESH_MS = 30_000;
// Every audited command emits audit.appended; a burst of them should cost one reload, not ten.
const EVENT_DEBOUNCE_MS = 400;

export default function DashboardPage() {
  const { t } = useI18n();
  const summary = useQuery(() => api.dashboard.summary({}));
  const about = useQuery(() => api.system.about({}));
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const { reload } = summary;
  useEffect(() => {
    const id = setInterval(() => void reload(), REFRESH_MS);
    return () => {
      clearInterval(id);
      if (timer.current) clearTimeout(timer.current);
    };
  }, [reload]);

  useDepotEvents(['dashboard.changed', 'audit.appended'], () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void reload(), EVENT_DEBOUNCE_MS);
  });

  const data = summary.data;
  const broker = about.data?.broker;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="dashboard">
      <Flex justify="space-between" align="center" wrap gap="small">
        <Typography.Text type="secondary">
          {data
            ? `${t('dashboard.businessDate', { date: data.businessDate })} · ${t('dashboard.updatedAt', { time: formatTime(data.at, 'HH:mm:ss') })}`
            : t('app.loading')}
        </Typography.Text>
        <Button icon={<ReloadOutlined />} onClick={() => void reload()} loading={summary.loading && !!data}>
          {t('common.refresh')}
        </Button>
      </Flex>

      <FigureGroups figures={data?.figures} loading={summary.loading} />

      {data && (
        <Suspense fallback={<Card size="small" loading />}>
          <DashboardCharts businessDate={data.businessDate} at={data.at} />
        </Suspense>
      )}

      <Card title={t('dashboard.broker')} size="small" loading={!broker && about.loading}>
        {broker && (
          <Descriptions size="small" column={{ xs: 1, md: 2 }}>
            <Descriptions.Item label={t('about.broker')}>
              <BrokerBadge state={broker.state} />
            </Descriptions.Item>
            <Descriptions.Item label={t('dashboard.brokerUrl')}>{broker.url ?? t('common.none')}</Descriptions.Item>
          </Descriptions>
        )}
      </Card>
    </Space>
  );
}
