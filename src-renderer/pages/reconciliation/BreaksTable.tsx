import type { HTMLAttributes } from 'react';
import { Button, Table, Tag, Typography } from 'antd';
import type { TableColumnsType, TablePaginationConfig } from 'antd';
import { useI18n } from '../../i18n';
import { displayFen } from '../../lib/format';
import { BREAK_STATE_COLOR, channelKey, breakStateKey, kindKey, KIND_COLOR, type Break } from './model';

/** Breaks as a table: kind, state, the two sides and their difference, who works it; a row opens the break. */
export function BreaksTable({
  rows,
  onOpen,
  compact,
  loading,
  pagination,
  testId,
}: {
  rows: Break[];
  onOpen(b: Break): void;
  /** The day's own list: no day column. */
  compact?: boolean;
  loading?: boolean;
  pagination?: TablePaginationConfig | false;
  testId: string;
}) {
  const { t } = useI18n();
  const columns: TableColumnsType<Break> = [
    ...(compact ? [] : [{ title: t('recon.col.day'), dataIndex: 'day' as const }]),
    { title: t('recon.col.kind'), render: (_, b) => <Tag color={KIND_COLOR[b.kind]}>{t(kindKey(b.kind))}</Tag> },
    { title: t('recon.col.state'), render: (_, b) => <Tag color={BREAK_STATE_COLOR[b.state]}>{t(breakStateKey(b.state))}</Tag> },
    { title: t('recon.ch.channel'), render: (_, b) => t(channelKey(b.channel)) },
    { title: t('recon.col.order'), render: (_, b) => b.orderNumber ?? b.refundNo ?? '—' },
    { title: t('recon.col.gateway'), align: 'right', render: (_, b) => displayFen(b.gateway.fen) },
    { title: t('recon.col.ours'), align: 'right', render: (_, b) => displayFen(b.ours.fen) },
    {
      title: t('recon.col.diff'),
      align: 'right',
      render: (_, b) => <Typography.Text type={b.diff.fen === 0 ? undefined : 'danger'}>{displayFen(b.diff.fen)}</Typography.Text>,
    },
    { title: t('recon.col.owner'), render: (_, b) => b.owner?.name ?? '—' },
    {
      title: '',
      render: (_, b) => (
        <Button size="small" onClick={() => onOpen(b)} data-testid={`recon-open-${b.id}`}>
          {t('recon.break.open')}
        </Button>
      ),
    },
  ];
  return (
    <Table<Break>
      rowKey="id"
      size="small"
      data-testid={testId}
      loading={loading}
      dataSource={rows}
      columns={columns}
      pagination={pagination ?? false}
      onRow={(b) => ({ 'data-kind': b.kind, 'data-state': b.state }) as HTMLAttributes<HTMLElement>}
      locale={{ emptyText: t('recon.breaks.none') }}
    />
  );
}
