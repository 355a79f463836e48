import { Alert, Button, Card, Col, Flex, Row, Statistic, Table, Tag, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { useI18n, type I18n } from '../i18n';
import { formatTime } from '../lib/time';
import { useQuery } from '../lib/useQuery';
import { hqCall, type HqDepots } from './api';

type DepotLine = HqDepots['depots'][number];

/** "3 min ago", from milliseconds; null is never. */
export function agoText(ms: number | null, t: I18n['t']): string {
  if (ms === null) return t('hq.depots.never');
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return t('hq.depots.ago.s', { n: s });
  if (s < 7_200) return t('hq.depots.ago.min', { n: Math.round(s / 60) });
  if (s < 172_800) return t('hq.depots.ago.h', { n: Math.round(s / 3_600) });
  return t('hq.depots.ago.d', { n: Math.round(s / 86_400) });
}

export function DepotName({ name, depotId }: { name: string | null; depotId: string }) {
  const { t } = useI18n();
  return (
    <span title={depotId}>
      {name ?? t('hq.depot.unnamed')} <Typography.Text type="secondary">{depotId.slice(0, 8)}</Typography.Text>
    </span>
  );
}

/** 门店: each depot's journal at HQ — records received and behind, how current HQ is, the last batch, any refused record. */
export function DepotsPage() {
  const { t } = useI18n();
  const { data, loading, reload } = useQuery(() => hqCall('hq.depots', {}));
  const totals = data?.totals;
  return (
    <Flex vertical gap={16} data-testid="hq-depots">
      <Row gutter={16}>
        {(
          [
            ['hq.depots.count', totals?.depots, 'hq-depots-count'],
            ['hq.depots.rows', totals?.rows, 'hq-depots-rows'],
            ['hq.depots.lagRows', totals?.lagRows, 'hq-depots-lag'],
            ['hq.depots.refusing', totals?.refusing, 'hq-depots-refusing'],
            ['hq.depots.alerts', totals?.alerts, 'hq-depots-alerts'],
          ] as const
        ).map(([label, value, testId]) => (
          <Col key={label} flex="1">
            <Card size="small">
              <Statistic title={t(label)} value={value ?? '—'} data-testid={testId} />
            </Card>
          </Col>
        ))}
      </Row>
      <Card
        size="small"
        extra={
          <Button icon={<ReloadOutlined />} onClick={() => void reload()}>
            {t('hq.refresh')}
          </Button>
        }
      >
        <Table<DepotLine>
          size="small"
          rowKey="depotId"
          loading={loading}
          dataSource={data?.depots ?? []}
          pagination={(data?.depots.length ?? 0) > 50 ? { pageSize: 50, showSizeChanger: false } : false}
          locale={{ emptyText: t('hq.depots.empty') }}
          data-testid="hq-depots-table"
          expandable={{
            rowExpandable: (d) => d.refused !== null,
            expandedRowRender: (d) =>
              d.refused ? (
                <Alert type="error" showIcon message={t('hq.depots.refused', { seq: d.refused.seq, words: d.refused.words })} description={d.refused.detail} />
              ) : null,
          }}
          columns={[
            { title: t('hq.depot'), key: 'depot', render: (_, d) => <DepotName name={d.name} depotId={d.depotId} /> },
            { title: t('hq.depots.col.rows'), dataIndex: 'ackedSeq', align: 'right', render: (n: number) => n.toLocaleString('en-US') },
            {
              title: t('hq.depots.col.lagRows'),
              dataIndex: 'lagRows',
              align: 'right',
              render: (n: number) => <Typography.Text type={n > 0 ? 'warning' : undefined}>{n.toLocaleString('en-US')}</Typography.Text>,
            },
            { title: t('hq.depots.col.lagTime'), dataIndex: 'lastAt', render: (at: number | null) => (at === null ? '—' : formatTime(at, 'YYYY-MM-DD HH:mm')) },
            { title: t('hq.depots.col.lastBatch'), dataIndex: 'msSinceLastBatch', render: (ms: number | null) => agoText(ms, t) },
            {
              title: t('hq.depots.col.state'),
              key: 'state',
              render: (_, d) =>
                d.refused ? (
                  <Tag color="error" data-testid="hq-depot-refused">
                    {t('hq.depots.refused', { seq: d.refused.seq, words: d.refused.words })}
                  </Tag>
                ) : d.lagRows > 0 ? (
                  <Tag color="warning">{t('hq.depots.behind')}</Tag>
                ) : (
                  <Tag color="success">{t('hq.depots.upToDate')}</Tag>
                ),
            },
          ]}
        />
      </Card>
    </Flex>
  );
}
