import type { HTMLAttributes } from 'react';
import { Button, Table, Tag, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { displayFen } from '../../lib/format';
import type { DataColumn } from '../../components/DataTable';
import { StateTag } from '../../components/StateTag';
import { BREAK_STATE_TONE, channelKey, breakStateKey, kindKey, KIND_COLOR, type Break } from './model';

/** Each row says what it is, for the e2e specs and for styling: its kind and state. */
export const breakRow = (b: Break) => ({ 'data-kind': b.kind, 'data-state': b.state }) as HTMLAttributes<HTMLElement>;

/** A break's columns: day, kind, state, the two sides and their difference, who works it, open. */
export function useBreakColumns(onOpen: (b: Break) => void, compact = false): DataColumn<Break>[] {
  const { t } = useI18n();
  return [
    ...(compact ? [] : [{ key: 'day', title: t('recon.col.day'), dataIndex: 'day' as const }]),
    { key: 'kind', title: t('recon.col.kind'), render: (_, b) => <Tag color={KIND_COLOR[b.kind]}>{t(kindKey(b.kind))}</Tag> },
    { key: 'state', title: t('recon.col.state'), render: (_, b) => <StateTag tone={BREAK_STATE_TONE[b.state]}>{t(breakStateKey(b.state))}</StateTag> },
    { key: 'channel', title: t('recon.ch.channel'), render: (_, b) => t(channelKey(b.channel)) },
    { key: 'order', title: t('recon.col.order'), render: (_, b) => b.orderNumber ?? b.refundNo ?? '—' },
    { key: 'gateway', title: t('recon.col.gateway'), align: 'right', render: (_, b) => displayFen(b.gateway.fen) },
    { key: 'ours', title: t('recon.col.ours'), align: 'right', render: (_, b) => displayFen(b.ours.fen) },
    {
      key: 'diff',
      title: t('recon.col.diff'),
      align: 'right',
      render: (_, b) => <Typography.Text type={b.diff.fen === 0 ? undefined : 'danger'}>{displayFen(b.diff.fen)}</Typography.Text>,
    },
    { key: 'owner', title: t('recon.col.owner'), render: (_, b) => b.owner?.name ?? '—' },
    {
      key: 'actions',
      title: '',
      render: (_, b) => (
        <Button size="small" onClick={() => onOpen(b)} data-testid={`recon-open-${b.id}`}>
          {t('recon.break.open')}
        </Button>
      ),
    },
  ];
}

/**
 * One day's breaks inside the day's card (the day's detail brings them all): the queue's columns
 * without the day, no pages.
 */
export function BreaksTable({ rows, onOpen, testId }: { rows: Break[]; onOpen(b: Break): void; testId: string }) {
  const { t } = useI18n();
  return (
    <Table<Break>
      rowKey="id"
      size="small"
      data-testid={testId}
      dataSource={rows}
      columns={useBreakColumns(onOpen, true)}
      pagination={false}
      onRow={breakRow}
      locale={{ emptyText: t('recon.breaks.none') }}
    />
  );
}
