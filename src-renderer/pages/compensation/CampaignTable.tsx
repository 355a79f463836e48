import type { ReactNode } from 'react';
import { Space, Tag, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { formatTime } from '../../lib/time';
import { DataTable, type DataColumn, type ListHandle } from '../../components/DataTable';
import { StateTag } from '../../components/StateTag';
import { STATE_TONE, campaignStateLabel, formatQuantity, targetLabel, type Campaign } from './campaignModel';

/**
 * Campaigns as rows in the shared list frame: name, target, drivers, total, creator, state,
 * created; a click opens one. The list (its filters, pages and loader) is the caller's: the
 * campaigns list pages on the server, the approvals inbox pages the drafts it already has.
 */
export function CampaignTable<F extends object>({
  list,
  onOpen,
  testId,
  empty,
  filters,
  toolbar,
}: {
  list: ListHandle<F, Campaign>;
  onOpen: (id: string) => void;
  testId: string;
  empty: { none: string; filtered: string };
  filters?: ReactNode;
  toolbar?: ReactNode;
}) {
  const columns = useCampaignColumns();
  return (
    <DataTable<F, Campaign>
      list={list}
      rowKey="id"
      testId={testId}
      columns={columns}
      empty={empty}
      filters={filters}
      toolbar={toolbar}
      table={{ onRow: (c) => ({ onClick: () => onOpen(c.id), style: { cursor: 'pointer' } }) }}
    />
  );
}

function useCampaignColumns(): DataColumn<Campaign>[] {
  const { t } = useI18n();
  return [
    {
      key: 'name',
      title: t('comp.col.name'),
      render: (_, c) => (
        <Space size={4}>
          <Typography.Link data-testid={`comp-open-${c.id}`}>{c.name}</Typography.Link>
          {c.kind === 'reversal' && <Tag color="magenta">{t('comp.kind.reversal')}</Tag>}
        </Space>
      ),
    },
    { key: 'target', title: t('comp.col.target'), render: (_, c) => t(targetLabel(c.target)) },
    { key: 'drivers', title: t('comp.col.drivers'), align: 'right', render: (_, c) => (c.summary?.drivers ?? c.dryRun?.drivers ?? '—').toLocaleString() },
    {
      key: 'total',
      title: t('comp.col.total'),
      align: 'right',
      render: (_, c) => {
        const v = c.summary?.approvedTotal.value ?? c.dryRun?.total.value;
        return v === undefined ? <Typography.Text type="secondary">{t('comp.list.noDryRun')}</Typography.Text> : formatQuantity(c.target, v, t);
      },
    },
    { key: 'creator', title: t('comp.col.creator'), render: (_, c) => c.createdBy.name },
    {
      key: 'state',
      title: t('comp.col.state'),
      render: (_, c) => <StateTag tone={STATE_TONE[c.state]}>{t(campaignStateLabel(c))}</StateTag>,
    },
    { key: 'createdAt', title: t('comp.col.createdAt'), render: (_, c) => formatTime(c.createdAt) },
  ];
}
