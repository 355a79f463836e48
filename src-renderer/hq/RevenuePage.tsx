import { lazy, Suspense } from 'react';
import { Card, Col, DatePicker, Flex, Row, Spin, Statistic, Table, Typography, type TableColumnsType } from 'antd';
import dayjs from 'dayjs';
import { useI18n } from '../i18n';
import { displayFen } from '../lib/format';
import { useHashParam } from '../lib/route';
import { DEFAULT_ZONE, depotDate } from '../lib/time';
import { useQuery } from '../lib/useQuery';
import type { ChartOption } from '../components/Chart';
import { hqCall, type HqLiabilities, type HqRevenue } from './api';
import { DepotName } from './DepotsPage';

const Chart = lazy(() => import('../components/Chart').then((m) => ({ default: m.Chart })));

type Figures = { electricityFen: number; serviceFen: number; totalFen: number };

function useFigureColumns<T extends Figures>(): TableColumnsType<T> {
  const { t } = useI18n();
  return [
    { title: t('hq.col.electricity'), dataIndex: 'electricityFen', align: 'right', width: 140, render: (f: number) => displayFen(f) },
    { title: t('hq.col.service'), dataIndex: 'serviceFen', align: 'right', width: 140, render: (f: number) => displayFen(f) },
    { title: t('hq.col.total'), dataIndex: 'totalFen', align: 'right', width: 150, render: (f: number) => <Typography.Text strong>{displayFen(f)}</Typography.Text> },
  ];
}

function TotalsRow({ totals, testId }: { totals: Figures; testId: string }) {
  const { t } = useI18n();
  return (
    <Table.Summary.Row data-testid={testId} style={{ background: '#fafafa', fontWeight: 600 }}>
      <Table.Summary.Cell index={0}>{t('hq.total')}</Table.Summary.Cell>
      <Table.Summary.Cell index={1} align="right">
        {displayFen(totals.electricityFen)}
      </Table.Summary.Cell>
      <Table.Summary.Cell index={2} align="right">
        {displayFen(totals.serviceFen)}
      </Table.Summary.Cell>
      <Table.Summary.Cell index={3} align="right">
        {displayFen(totals.totalFen)}
      </Table.Summary.Cell>
    </Table.Summary.Row>
  );
}

/** Stacked bars per day, in fen; every label and tooltip through displayFen. */
export function revenueChartOption(r: HqRevenue, labels: { electricity: string; service: string }): ChartOption {
  return {
    grid: { left: 80, right: 16, top: 32, bottom: 28 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => displayFen(Number(v)) },
    xAxis: { type: 'category', data: r.byDay.map((d) => d.day) },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => displayFen(v) } },
    series: [
      { type: 'bar', stack: 'revenue', name: labels.electricity, data: r.byDay.map((d) => d.electricityFen), itemStyle: { color: '#1677ff' }, barMaxWidth: 36 },
      { type: 'bar', stack: 'revenue', name: labels.service, data: r.byDay.map((d) => d.serviceFen), itemStyle: { color: '#52c41a' }, barMaxWidth: 36 },
    ],
  };
}

/** 跨门店报表: revenue by day and by depot over a date range, then each depot's wallet liabilities. */
export function RevenuePage() {
  const { t } = useI18n();
  const today = depotDate(Date.now());
  const [from, setFrom] = useHashParam('from', depotDate(Date.now(), -29));
  const [to, setTo] = useHashParam('to', today);
  const revenue = useQuery(() => hqCall('hq.revenue', { from, to }), [from, to]);
  const liabilities = useQuery(() => hqCall('hq.liabilities', {}));
  const r = revenue.data;
  const dayColumns = useFigureColumns<HqRevenue['byDay'][number]>();
  const depotColumns = useFigureColumns<HqRevenue['byDepot'][number]>();
  return (
    <Flex vertical gap={16} data-testid="hq-revenue">
      <Flex align="center" gap={12} wrap>
        <Typography.Text>{t('hq.range')}</Typography.Text>
        <DatePicker.RangePicker
          allowClear={false}
          value={[dayjs(from), dayjs(to)]}
          onChange={(v) => {
            if (!v?.[0] || !v[1]) return;
            setFrom(v[0].format('YYYY-MM-DD'));
            setTo(v[1].format('YYYY-MM-DD'));
          }}
          data-testid="hq-revenue-range"
        />
        <Typography.Text type="secondary">{t('hq.revenue.note', { zone: r?.timeZone ?? DEFAULT_ZONE })}</Typography.Text>
      </Flex>
      <RevenueFigures r={r} />
      <Card size="small" title={t('hq.revenue.chart')}>
        {r && r.byDay.length > 0 ? (
          <Suspense fallback={<Spin />}>
            <Chart testId="hq-revenue-chart" height={220} option={revenueChartOption(r, { electricity: t('hq.col.electricity'), service: t('hq.col.service') })} />
          </Suspense>
        ) : (
          <Typography.Text type="secondary">{t('hq.revenue.empty')}</Typography.Text>
        )}
      </Card>
      <Row gutter={16}>
        <Col xs={24} xl={12}>
          <Card size="small" title={t('hq.revenue.byDay')}>
            <Table
              size="small"
              rowKey="day"
              loading={revenue.loading}
              dataSource={r?.byDay ?? []}
              pagination={false}
              locale={{ emptyText: t('hq.revenue.empty') }}
              data-testid="hq-revenue-by-day"
              columns={[{ title: t('hq.col.day'), dataIndex: 'day' }, ...dayColumns]}
              summary={() => (r && r.byDay.length > 0 ? <TotalsRow totals={r.totals} testId="hq-revenue-day-totals" /> : null)}
            />
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" title={t('hq.revenue.byDepot')}>
            <Table
              size="small"
              rowKey="depotId"
              loading={revenue.loading}
              dataSource={r?.byDepot ?? []}
              pagination={false}
              locale={{ emptyText: t('hq.revenue.empty') }}
              data-testid="hq-revenue-by-depot"
              columns={[{ title: t('hq.depot'), key: 'depot', render: (_, d) => <DepotName name={d.name} depotId={d.depotId} /> }, ...depotColumns]}
              summary={() => (r && r.byDepot.length > 0 ? <TotalsRow totals={r.totals} testId="hq-revenue-depot-totals" /> : null)}
            />
          </Card>
        </Col>
      </Row>
      <LiabilitiesCard data={liabilities.data} loading={liabilities.loading} />
    </Flex>
  );
}

function RevenueFigures({ r }: { r: HqRevenue | undefined }) {
  const { t } = useI18n();
  return (
    <Row gutter={16}>
      <Col span={8}>
        <Card size="small">
          <Statistic title={t('hq.revenue.total')} value={r ? displayFen(r.totals.totalFen) : '—'} data-testid="hq-revenue-total" />
        </Card>
      </Col>
      <Col span={8}>
        <Card size="small">
          <Statistic title={t('hq.revenue.electricity')} value={r ? displayFen(r.totals.electricityFen) : '—'} data-testid="hq-revenue-electricity" />
        </Card>
      </Col>
      <Col span={8}>
        <Card size="small">
          <Statistic title={t('hq.revenue.service')} value={r ? displayFen(r.totals.serviceFen) : '—'} data-testid="hq-revenue-service" />
        </Card>
      </Col>
    </Row>
  );
}

function LiabilitiesCard({ data, loading }: { data: HqLiabilities | undefined; loading: boolean }) {
  const { t } = useI18n();
  return (
    <Card size="small" title={t('hq.liabilities.title')}>
      <Table<HqLiabilities['depots'][number]>
        size="small"
        rowKey="depotId"
        loading={loading}
        dataSource={data?.depots ?? []}
        pagination={false}
        data-testid="hq-liabilities"
        columns={[
          { title: t('hq.depot'), key: 'depot', render: (_, d) => <DepotName name={d.name} depotId={d.depotId} /> },
          { title: t('hq.liabilities.wallets'), dataIndex: 'wallets', align: 'right', width: 100 },
          { title: t('hq.col.openingFen'), dataIndex: 'openingFen', align: 'right', width: 150, render: (f: number) => displayFen(f) },
          {
            title: t('hq.col.walletsFen'),
            dataIndex: 'walletsFen',
            align: 'right',
            width: 150,
            render: (f: number) => <Typography.Text strong>{displayFen(f)}</Typography.Text>,
          },
        ]}
        summary={() =>
          data && data.depots.length > 0 ? (
            <Table.Summary.Row style={{ background: '#fafafa', fontWeight: 600 }} data-testid="hq-liabilities-total">
              <Table.Summary.Cell index={0} colSpan={3}>
                {t('hq.total')}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={3} align="right">
                {displayFen(data.totals.walletsFen)}
              </Table.Summary.Cell>
            </Table.Summary.Row>
          ) : null
        }
      />
    </Card>
  );
}
