import type { ReactNode } from 'react';
import { Card, Col, Empty, Row, Typography } from 'antd';
import { RightOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { Chart, type ChartClick, type ChartOption } from '../../components/Chart';
import { useI18n, type I18n, type I18nKey } from '../../i18n';
import { navigate } from '../../lib/route';
import { depotDate, depotDayStart } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { amountBarsOption, COLORS, failedStartsOption, hourlyOption, topChargers, utilisationOption } from './chartModel';

const DAY_MS = 86_400_000;
const BREAK_KINDS = ['long', 'short', 'amount_mismatch', 'refund_mismatch', 'duplicate'] as const;

/** Everything the charts show, loaded together; `at` (the summary's time) makes them reload with it. */
function useChartData(businessDate: string, at: number) {
  return useQuery(async () => {
    const today = depotDayStart(businessDate);
    const tomorrow = depotDayStart(depotDate(today, 1));
    const yesterday = depotDayStart(depotDate(today, -1));
    const [hourToday, hourYesterday, usage, failed, breaks, debts] = await Promise.all([
      api.sessions.hourly({ from: today, to: tomorrow }),
      api.sessions.hourly({ from: yesterday, to: today }),
      api.sessions.byCharger({ from: today, to: tomorrow }),
      api.sessions.byCharger({ from: at - DAY_MS, to: at }),
      api.recon.openBreaks({}),
      api.ledger.debtAgeing({}),
    ]);
    return { hourToday, hourYesterday, usage, failed, breaks, debts };
  }, [businessDate, at]);
}

type ChartData = NonNullable<ReturnType<typeof useChartData>['data']>;
interface CardSpec {
  name: string;
  title: I18nKey;
  list: I18nKey;
  onList(): void;
  option?: ChartOption;
  onClick?: (c: ChartClick) => void;
  empty?: I18nKey | null;
}

/** One chart in a card whose title links to the whole list; a click on a figure opens it filtered. */
function ChartCard(props: CardSpec & { loading: boolean }) {
  const { t } = useI18n();
  let body: ReactNode = null;
  if (props.empty) body = <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(props.empty)} style={{ height: 208, margin: '16px 0 0' }} />;
  else if (props.option) body = <Chart option={props.option} onClick={props.onClick} height={240} testId={`chart-${props.name}-canvas`} />;
  return (
    <Card
      size="small"
      title={t(props.title)}
      loading={props.loading && !props.option}
      data-testid={`chart-${props.name}`}
      extra={
        <Typography.Link onClick={props.onList} data-testid={`chart-${props.name}-list`}>
          {t(props.list)} <RightOutlined />
        </Typography.Link>
      }
    >
      {body}
    </Card>
  );
}

const sessionsOf = (params: Record<string, string>) => navigate('sessions', { tab: 'list', ...params });

/** What sessions tell: energy and revenue per hour, utilisation and failed starts per charger. */
function sessionCards(data: ChartData | undefined, businessDate: string, t: I18n['t']): CardSpec[] {
  const yesterday = depotDate(depotDayStart(businessDate), -1);
  const labels = { today: t('dash.chart.today'), yesterday: t('dash.chart.yesterday') };
  const day = (c: ChartClick) => (c.seriesIndex === 0 ? businessDate : yesterday);
  const byDay = (c: ChartClick) => sessionsOf({ from: day(c), to: day(c) });
  const today = () => sessionsOf({ from: businessDate, to: businessDate });
  const busy = data ? topChargers(data.usage.chargers, (c) => c.utilisation) : [];
  const failing = data ? topChargers(data.failed.chargers, (c) => c.failedStarts) : [];
  return [
    {
      name: 'energy',
      title: 'dash.chart.energy',
      list: 'dash.chart.toSessions',
      onList: today,
      option: data && hourlyOption('energy', data.hourToday, data.hourYesterday, labels),
      onClick: byDay,
    },
    {
      name: 'revenue',
      title: 'dash.chart.revenue',
      list: 'dash.chart.toSessions',
      onList: today,
      option: data && hourlyOption('revenue', data.hourToday, data.hourYesterday, labels),
      onClick: byDay,
    },
    {
      name: 'utilisation',
      title: 'dash.chart.utilisation',
      list: 'dash.chart.toChargers',
      onList: () => navigate('chargers'),
      option: data && utilisationOption(busy, t('dash.chart.utilisation')),
      onClick: (c) => sessionsOf({ charger: c.name, from: businessDate, to: businessDate }),
      empty: data && busy.length === 0 ? 'dash.chart.noUsage' : null,
    },
    {
      name: 'failed',
      title: 'dash.chart.failed',
      list: 'dash.chart.toSessions',
      onList: () => sessionsOf({ state: 'FAILED', from: yesterday, to: businessDate }),
      option: data && failedStartsOption(failing, t('dash.chart.failed')),
      onClick: (c) => sessionsOf({ state: 'FAILED', charger: c.name, from: yesterday, to: businessDate }),
      empty: data && failing.length === 0 ? 'dash.chart.noFailed' : null,
    },
  ];
}

/** What money is open: reconciliation breaks by kind, debts by age. */
function moneyCards(data: ChartData | undefined, t: I18n['t']): CardSpec[] {
  const amounts = { count: t('dash.chart.count'), amount: t('dash.chart.amount') };
  const kinds = data ? BREAK_KINDS.map((k) => data.breaks.kinds.find((x) => x.kind === k)!) : [];
  const debts = () => navigate('ledger', { view: 'debts' });
  return [
    {
      name: 'breaks',
      title: 'dash.chart.breaks',
      list: 'dash.chart.toRecon',
      onList: () => navigate('reconciliation', { view: 'breaks' }),
      option:
        data &&
        amountBarsOption(
          kinds.map((k) => t(`dash.break.${k.kind}`)),
          kinds.map((k) => ({ count: k.breaks, fen: k.amountFen })),
          COLORS.breaks,
          amounts,
        ),
      onClick: (c) => navigate('reconciliation', { view: 'breaks', kind: BREAK_KINDS[c.dataIndex] }),
      empty: data && data.breaks.totals.breaks === 0 ? 'dash.chart.noBreaks' : null,
    },
    {
      name: 'debts',
      title: 'dash.chart.debts',
      list: 'dash.chart.toDebts',
      onList: debts,
      option:
        data &&
        amountBarsOption(
          data.debts.buckets.map((b) => t('dash.chart.days', { range: b.bucket })),
          data.debts.buckets.map((b) => ({ count: b.debts, fen: b.owedFen })),
          COLORS.debts,
          amounts,
        ),
      onClick: debts,
      empty: data && data.debts.totals.debts === 0 ? 'dash.chart.noDebts' : null,
    },
  ];
}

/**
 * The dashboard's charts: energy and revenue per hour (today against yesterday), utilisation per
 * charger today, failed starts per charger in the last 24 hours, open reconciliation breaks and
 * open debts. Each figure opens the list behind it, filtered as far as that list allows.
 */
export function DashboardCharts({ businessDate, at }: { businessDate: string; at: number }) {
  const { t } = useI18n();
  const { data, loading } = useChartData(businessDate, at);
  const cards = [...sessionCards(data, businessDate, t), ...moneyCards(data, t)];
  return (
    <Row gutter={[16, 16]} data-testid="dashboard-charts">
      {cards.map((c) => (
        <Col key={c.name} xs={24} lg={12} xxl={8}>
          <ChartCard {...c} loading={loading} />
        </Col>
      ))}
    </Row>
  );
}
