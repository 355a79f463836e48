import { Card, Col, Row, Statistic, Table, Typography, type TableColumnsType } from 'antd';
import { useI18n } from '../../i18n';
import { displayFen, formatWh } from '../../lib/format';
import { TOU_PERIODS, touLabel, type Revenue, type RevenueLine } from './model';

type Figures = Pick<RevenueLine, 'sessions' | 'energyWh' | 'electricityFen' | 'serviceFen' | 'totalFen'>;

/** The money and energy columns every revenue table shares, right-aligned. */
function useFigureColumns<T extends Figures>(): TableColumnsType<T> {
  const { t } = useI18n();
  return [
    { title: t('reports.col.sessions'), dataIndex: 'sessions', align: 'right', width: 90 },
    { title: t('reports.col.energy'), dataIndex: 'energyWh', align: 'right', width: 130, render: (wh: number) => formatWh(wh) },
    { title: t('reports.col.electricity'), dataIndex: 'electricityFen', align: 'right', width: 130, render: (f: number) => displayFen(f) },
    { title: t('reports.col.service'), dataIndex: 'serviceFen', align: 'right', width: 130, render: (f: number) => displayFen(f) },
    {
      title: t('reports.col.total'),
      dataIndex: 'totalFen',
      align: 'right',
      width: 140,
      render: (f: number) => <Typography.Text strong>{displayFen(f)}</Typography.Text>,
    },
  ];
}

/** A totals row under a table: the label in the first `span` columns, then the figures. */
function TotalsRow({ span, totals, testId }: { span: number; totals: Figures; testId: string }) {
  const { t } = useI18n();
  return (
    <Table.Summary.Row data-testid={testId} style={{ background: '#fafafa', fontWeight: 600 }}>
      <Table.Summary.Cell index={0} colSpan={span}>
        {t('reports.total')}
      </Table.Summary.Cell>
      <Table.Summary.Cell index={span} align="right">
        {totals.sessions}
      </Table.Summary.Cell>
      <Table.Summary.Cell index={span + 1} align="right">
        {formatWh(totals.energyWh)}
      </Table.Summary.Cell>
      <Table.Summary.Cell index={span + 2} align="right">
        {displayFen(totals.electricityFen)}
      </Table.Summary.Cell>
      <Table.Summary.Cell index={span + 3} align="right">
        {displayFen(totals.serviceFen)}
      </Table.Summary.Cell>
      <Table.Summary.Cell index={span + 4} align="right">
        {displayFen(totals.totalFen)}
      </Table.Summary.Cell>
    </Table.Summary.Row>
  );
}

/**
 * 营收: the headline figures, then 尖峰平谷 (each session's charge split over the periods in whole
 * fen), then station × charger × period. A session spread over several periods counts once in the
 * totals and once in each period it touched, so the session column of the parts can exceed the total.
 */
export function RevenueView({ report }: { report: Revenue }) {
  const { t } = useI18n();
  const figures = useFigureColumns<Figures & { period: string }>();
  const lineFigures = useFigureColumns<RevenueLine>();
  const periods = TOU_PERIODS.map((p) => ({ period: p, ...report.byPeriod[p] })).filter((p) => p.period !== 'unallocated' || p.sessions > 0);
  const { totals } = report;
  return (
    <div data-testid="report-revenue">
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col xs={12} md={6}>
          <Statistic title={t('reports.revenue.total')} value={displayFen(totals.totalFen)} data-testid="revenue-total" />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('reports.revenue.energy')} value={formatWh(totals.energyWh)} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('reports.revenue.sessions')} value={totals.sessions} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic
            title={t('reports.revenue.unpaid')}
            value={totals.unpaidSessions}
            data-testid="revenue-unpaid"
            valueStyle={totals.unpaidSessions > 0 ? { color: '#cf1322' } : undefined}
          />
        </Col>
      </Row>
      <Card size="small" title={t('reports.revenue.byPeriod')} style={{ marginBottom: 16 }}>
        <Table
          size="small"
          rowKey="period"
          pagination={false}
          data-testid="revenue-by-period"
          dataSource={periods}
          columns={[{ title: t('reports.col.tou'), dataIndex: 'period', render: (p: string) => t(touLabel(p)) }, ...figures]}
          summary={() => <TotalsRow span={1} totals={totals} testId="revenue-period-totals" />}
        />
      </Card>
      <Card size="small" title={t('reports.revenue.lines')}>
        <Table<RevenueLine>
          size="small"
          rowKey={(l) => `${l.stationId ?? ''}|${l.chargerId}|${l.period}`}
          pagination={report.lines.length > 50 ? { pageSize: 50, size: 'small', showSizeChanger: false } : false}
          data-testid="revenue-lines"
          dataSource={report.lines}
          locale={{ emptyText: t('reports.empty') }}
          columns={[
            { title: t('reports.col.station'), dataIndex: 'stationName', ellipsis: true },
            { title: t('reports.col.charger'), dataIndex: 'chargerId', ellipsis: true },
            { title: t('reports.col.tou'), dataIndex: 'period', width: 90, render: (p: string) => t(touLabel(p)) },
            ...lineFigures,
          ]}
          summary={() => (report.lines.length > 0 ? <TotalsRow span={3} totals={totals} testId="revenue-totals" /> : null)}
        />
      </Card>
    </div>
  );
}
