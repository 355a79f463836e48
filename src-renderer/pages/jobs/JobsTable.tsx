import { Button, Checkbox, Flex, Select, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { KindLabel, kindName, QueueLabel, queueName } from './names';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { ExportButton } from '../../components/ExportButton';
import { JobActions } from './JobActions';
import { STATES, STATE_COLOR, stateLabel, stateTime, type JobState, type JobStats, type JobSummary } from './model';

export interface JobFilter {
  state?: JobState;
  queue?: string;
  kind?: string;
  /** 'fold' (the page's default): the crons' routine runs are counted, not listed one per minute. */
  routine: 'show' | 'fold';
  page: number;
  pageSize: number;
}

/** The filterable, paginated job list; a row opens the detail drawer. */
export function JobsTable({
  filter,
  onFilter,
  stats,
  version,
  onOpen,
  onChanged,
}: {
  filter: JobFilter;
  onFilter(next: JobFilter): void;
  stats: JobStats | undefined;
  version: number;
  onOpen(id: string): void;
  onChanged(): void;
}) {
  const { t } = useI18n();
  const narrow = { state: filter.state, queue: filter.queue, kind: filter.kind, routine: filter.routine };
  const list = useQuery(
    () => api.jobs.list({ ...narrow, limit: filter.pageSize, offset: (filter.page - 1) * filter.pageSize }),
    [filter.state, filter.queue, filter.kind, filter.routine, filter.page, filter.pageSize, version],
  );
  const folded = list.data?.routineFolded ?? 0;
  const columns = useJobColumns(onChanged);
  const set = (patch: Partial<JobFilter>) => onFilter({ ...filter, page: 1, ...patch });

  return (
    <Flex vertical gap="small">
      <JobsFilterBar filter={filter} set={set} stats={stats} folded={folded} onReload={() => void list.reload()} />
      <Table<JobSummary>
        rowKey="id"
        size="small"
        data-testid="jobs-table"
        loading={list.loading && !list.data}
        dataSource={list.data?.items ?? []}
        onRow={(row) => ({ onClick: () => onOpen(row.id), style: { cursor: 'pointer' } })}
        pagination={{
          current: filter.page,
          pageSize: filter.pageSize,
          total: list.data?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions: [20, 50, 100, 200],
          showTotal: (total) => t('jobs.total', { total }),
          onChange: (page, pageSize) => onFilter({ ...filter, page: pageSize === filter.pageSize ? page : 1, pageSize }),
        }}
        locale={{ emptyText: t('jobs.empty') }}
        columns={columns}
      />
    </Flex>
  );
}

/** The list's filters, its export and the routine-runs switch. */
function JobsFilterBar({
  filter,
  set,
  stats,
  folded,
  onReload,
}: {
  filter: JobFilter;
  set(patch: Partial<JobFilter>): void;
  stats: JobStats | undefined;
  folded: number;
  onReload(): void;
}) {
  const { t, maybe } = useI18n();
  const narrow = { state: filter.state, queue: filter.queue, kind: filter.kind, routine: filter.routine };
  return (
    <Flex gap="small" wrap align="center">
      <Select<JobState | ''>
        style={{ width: 150 }}
        value={filter.state ?? ''}
        onChange={(v) => set({ state: v || undefined })}
        data-testid="jobs-filter-state"
        options={[{ value: '', label: t('jobs.filter.allStates') }, ...STATES.map((s) => ({ value: s, label: t(stateLabel(s)) }))]}
      />
      <Select<string>
        style={{ width: 150 }}
        value={filter.queue ?? ''}
        onChange={(v) => set({ queue: v || undefined })}
        data-testid="jobs-filter-queue"
        options={[{ value: '', label: t('jobs.filter.allQueues') }, ...(stats?.queues ?? []).map((q) => ({ value: q.queue, label: queueName(maybe, q.queue) }))]}
      />
      <Select<string>
        style={{ width: 240 }}
        showSearch
        value={filter.kind ?? ''}
        onChange={(v) => set({ kind: v || undefined })}
        data-testid="jobs-filter-kind"
        options={[{ value: '', label: t('jobs.filter.allKinds') }, ...(stats?.kinds ?? []).map((k) => ({ value: k.kind, label: kindName(maybe, k.kind) }))]}
      />
      <Button icon={<ReloadOutlined />} onClick={onReload}>
        {t('common.refresh')}
      </Button>
      <ExportButton list="jobs" filter={narrow} />
      <Checkbox checked={filter.routine === 'show'} onChange={(e) => set({ routine: e.target.checked ? 'show' : 'fold' })} data-testid="jobs-show-routine">
        {t('jobs.routine.show')}
      </Checkbox>
      {filter.routine === 'fold' && folded > 0 && (
        <Typography.Text type="secondary" data-testid="jobs-routine-folded">
          {t('jobs.routine.folded', { n: folded })}
        </Typography.Text>
      )}
    </Flex>
  );
}

function useJobColumns(onChanged: () => void): TableColumnsType<JobSummary> {
  const { t, maybe } = useI18n();
  return [
    {
      title: t('jobs.col.state'),
      dataIndex: 'state',
      width: 110,
      render: (s: JobState) => <Tag color={STATE_COLOR[s]}>{t(stateLabel(s))}</Tag>,
    },
    { title: t('jobs.col.kind'), dataIndex: 'kind', width: 220, render: (k: string) => <KindLabel maybe={maybe} kind={k} /> },
    { title: t('jobs.col.queue'), dataIndex: 'queue', width: 110, render: (q: string) => <QueueLabel maybe={maybe} queue={q} /> },
    {
      title: t('jobs.col.attempt'),
      key: 'attempt',
      width: 90,
      render: (_: unknown, j) => `${j.attempt}/${j.maxAttempts}`,
    },
    {
      title: t('jobs.col.when'),
      key: 'when',
      width: 170,
      render: (_: unknown, j) => {
        const at = stateTime(j);
        return at === null ? '—' : formatTime(at);
      },
    },
    {
      title: t('jobs.col.lastError'),
      dataIndex: 'lastError',
      ellipsis: true,
      // The handler's own error, as it was recorded: a technical record, shown as such.
      render: (e: string | null) =>
        e ? (
          <Typography.Text type="danger" code>
            {e}
          </Typography.Text>
        ) : null,
    },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 190,
      render: (_: unknown, j) => <JobActions job={j} onDone={onChanged} />,
    },
  ];
}
