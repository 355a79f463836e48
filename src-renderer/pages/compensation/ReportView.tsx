import { Col, Progress, Row, Statistic, Table, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { maskPhone } from '../../lib/phone';
import { formatQuantity, type Report, type ReportRow, type Target } from './campaignModel';

/**
 * What a dry run (or the wizard's live preview) says: records, distinct drivers and the total,
 * the distribution by failure count, and the drivers with the most failures. The same component
 * serves the wizard and the detail so an approver sees the numbers exactly as the creator did.
 */
export function ReportFigures({ report, target, testId }: { report: Pick<Report, 'records' | 'drivers' | 'total'>; target: Target; testId?: string }) {
  const { t } = useI18n();
  return (
    <Row gutter={16} data-testid={testId}>
      <Col span={7}>
        <Statistic title={t('comp.report.records')} value={report.records} data-testid={testId && `${testId}-records`} />
      </Col>
      <Col span={7}>
        <Statistic title={t('comp.report.drivers')} value={report.drivers} data-testid={testId && `${testId}-drivers`} />
      </Col>
      <Col span={10}>
        <Statistic title={t('comp.report.total')} value={formatQuantity(target, report.total.value, t)} data-testid={testId && `${testId}-total`} />
      </Col>
    </Row>
  );
}

export function Distribution({ report, target }: { report: Report; target: Target }) {
  const { t } = useI18n();
  const max = Math.max(1, ...report.distribution.map((d) => d.drivers));
  return (
    <Table
      size="small"
      rowKey="bucket"
      pagination={false}
      data-testid="comp-distribution"
      dataSource={report.distribution}
      columns={[
        { title: t('comp.report.bucket'), dataIndex: 'bucket', width: 90, render: (b: string) => t('comp.report.bucketTimes', { b }) },
        { title: t('comp.report.drivers'), dataIndex: 'drivers', align: 'right', width: 70 },
        {
          title: '',
          key: 'bar',
          render: (_, d) => <Progress percent={(d.drivers / max) * 100} showInfo={false} size="small" strokeColor="#1677ff" />,
        },
        { title: t('comp.report.records'), dataIndex: 'records', align: 'right', width: 80 },
        { title: t('comp.report.amount'), key: 'amount', align: 'right', width: 120, render: (_, d) => formatQuantity(target, d.amount.value, t) },
      ]}
    />
  );
}

export function DriverTable({
  rows,
  target,
  testId,
  total,
  page,
  onPage,
  loading,
}: {
  rows: ReportRow[];
  target: Target;
  testId: string;
  /** With total and onPage the table pages through the whole report; without, it shows rows as given. */
  total?: number;
  page?: number;
  onPage?: (page: number) => void;
  loading?: boolean;
}) {
  const { t } = useI18n();
  return (
    <Table<ReportRow>
      size="small"
      rowKey="driverId"
      data-testid={testId}
      loading={loading}
      dataSource={rows}
      pagination={onPage ? { current: page, pageSize: 20, total, onChange: onPage, showSizeChanger: false, size: 'small' } : false}
      columns={[
        { title: t('comp.col.driver'), render: (_, r) => r.name },
        { title: t('comp.col.phone'), dataIndex: 'phone', render: (p: string) => maskPhone(p) },
        { title: t('comp.col.failures'), dataIndex: 'failures', align: 'right' },
        { title: t('comp.col.balance'), align: 'right', render: (_, r) => formatQuantity(target, r.balance.value, t) },
        { title: t('comp.col.amount'), align: 'right', render: (_, r) => <Typography.Text strong>{formatQuantity(target, r.amount.value, t)}</Typography.Text> },
      ]}
    />
  );
}
