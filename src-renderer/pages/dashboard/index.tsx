import { useEffect, useRef } from 'react';
import { Badge, Button, Card, Col, Descriptions, Empty, Flex, Row, Space, Statistic, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { api, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { formatFigure } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import { BrokerBadge } from '../../components/BrokerBadge';

const REFRESH_MS = 30_000;
// Every audited command emits audit.appended; a burst of them should cost one reload, not ten.
const EVENT_DEBOUNCE_MS = 400;

export default function DashboardPage() {
  const { t, maybe } = useI18n();
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
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="dashboard">
      <Flex justify="space-between" align="center" wrap gap="small">
        <Typography.Text type="secondary">
          {data ? `${t('dashboard.businessDate', { date: data.businessDate })} · ${t('dashboard.updatedAt', { time: dayjs(data.at).format('HH:mm:ss') })}` : t('app.loading')}
        </Typography.Text>
        <Button icon={<ReloadOutlined />} onClick={() => void reload()} loading={summary.loading && !!data}>
          {t('common.refresh')}
        </Button>
      </Flex>

      <Card title={t('dashboard.figures')} size="small" loading={!data && summary.loading}>
        {data && data.figures.length === 0 ? (
          <Empty description={t('dashboard.noFigures')} />
        ) : (
          <Row gutter={[16, 16]}>
            {data?.figures.map((f) => (
              <Col key={f.key} xs={12} md={8} xl={6} xxl={4}>
                <Statistic
                  data-testid={`figure-${f.key}`}
                  title={maybe(`figure.${f.key}`) ?? f.key}
                  value={formatFigure(f.value, f.unit)}
                />
              </Col>
            ))}
          </Row>
        )}
      </Card>

      <Card title={t('dashboard.broker')} size="small" loading={!about.data && about.loading}>
        {about.data && (
          <Descriptions size="small" column={{ xs: 1, md: 2 }}>
            <Descriptions.Item label={t('about.broker')}>
              <BrokerBadge state={about.data.broker.state} />
            </Descriptions.Item>
            <Descriptions.Item label={t('dashboard.brokerUrl')}>
              {about.data.broker.url ?? <Badge status="default" text={t('common.none')} />}
            </Descriptions.Item>
          </Descriptions>
        )}
      </Card>
    </Space>
  );
}
