import { Space, Table, Tag, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { formatTime } from '../../lib/time';
import { STATE_COLOR, campaignStateLabel, formatQuantity, targetLabel, type Campaign } from './campaignModel';

/** Campaigns as rows: name, target, drivers, total, creator, state, created; a click opens one. */
export function CampaignTable({ rows, loading, onOpen, testId }: { rows: Campaign[]; loading: boolean; onOpen: (id: string) => void; testId: string }) {
  const { t } = useI18n();
  return (
    <Table<Campaign>
      rowKey="id"
      size="small"
      data-testid={testId}
      loading={loading}
      dataSource={rows}
      pagination={rows.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
      onRow={(c) => ({ onClick: () => onOpen(c.id), style: { cursor: 'pointer' } })}
      locale={{ emptyText: t('comp.list.empty') }}
      columns={[
        {
          title: t('comp.col.name'),
          render: (_, c) => (
            <Space size={4}>
              <Typography.Link data-testid={`comp-open-${c.id}`}>{c.name}</Typography.Link>
              {c.kind === 'reversal' && <Tag color="magenta">{t('comp.kind.reversal')}</Tag>}
            </Space>
          ),
        },
        { title: t('comp.col.target'), render: (_, c) => t(targetLabel(c.target)) },
        { title: t('comp.col.drivers'), align: 'right', render: (_, c) => (c.summary?.drivers ?? c.dryRun?.drivers ?? '—').toLocaleString() },
        {
          title: t('comp.col.total'),
          align: 'right',
          render: (_, c) => {
            const v = c.summary?.approvedTotal.value ?? c.dryRun?.total.value;
            return v === undefined ? <Typography.Text type="secondary">{t('comp.list.noDryRun')}</Typography.Text> : formatQuantity(c.target, v, t);
          },
        },
        { title: t('comp.col.creator'), render: (_, c) => c.createdBy.name },
        { title: t('comp.col.state'), render: (_, c) => <Tag color={STATE_COLOR[c.state]}>{t(campaignStateLabel(c))}</Tag> },
        { title: t('comp.col.createdAt'), render: (_, c) => formatTime(c.createdAt) },
      ]}
    />
  );
}
