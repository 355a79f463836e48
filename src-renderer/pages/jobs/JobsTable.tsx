import { useRef, useState } from 'react';
import { Checkbox, Form, Select, Typography } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { JobError, KindLabel, kindName, QueueLabel, queueName } from './names';
import { formatTime } from '../../lib/time';
import { DataTable, useList, type DataColumn, type ListHandle } from '../../components/DataTable';
import { ExportButton } from '../../components/ExportButton';
import { StateTag } from '../../components/StateTag';
import { JobActions } from './JobActions';
import { STATES, STATE_TONE, stateLabel, stateTime, type JobState, type JobStats, type JobSummary } from './model';

export interface JobFilter {
  state?: JobState;
  queue?: string;
  kind?: string;
  /** 'fold' (the page's default): the crons' routine runs are counted, not listed one per minute. */
  routine: 'show' | 'fold';
}

export type JobsList = ListHandle<JobFilter, JobSummary> & { folded: number };

/** The filters as jobs.list and the jobs export take them. */
const narrowOf = (f: JobFilter) => ({ state: f.state, queue: f.queue, kind: f.kind, routine: f.routine });

/**
 * The job list's state, held by the page: the state cards above the tabs narrow it too. Each page
 * comes with the number of routine runs the fold left out; the latest request's number is shown.
 */
export function useJobsList(version: number): JobsList {
  const [folded, setFolded] = useState(0);
  const asked = useRef(0);
  const list = useList<JobFilter, JobSummary>(
    {
      id: 'jobs.list',
      defaults: { routine: 'fold' },
      load: async ({ filters, limit, offset }) => {
        const mine = ++asked.current;
        const r = await api.jobs.list({ ...narrowOf(filters), limit, offset });
        if (mine === asked.current) setFolded(r.routineFolded);
        return { rows: r.items, total: r.total };
      },
    },
    [version],
  );
  return { ...list, folded };
}

/** The filterable, paginated job list; a row opens the detail drawer. */
export function JobsTable({ list, stats, onOpen, onChanged }: { list: JobsList; stats: JobStats | undefined; onOpen(id: string): void; onChanged(): void }) {
  const { t, maybe } = useI18n();
  const { filters } = list.state;
  return (
    <DataTable<JobFilter, JobSummary>
      list={list}
      rowKey="id"
      testId="jobs-table"
      columns={useJobColumns(onChanged)}
      totalText={(total) => t('jobs.total', { total })}
      empty={{ none: t('list.empty.jobs'), filtered: t('list.empty.jobs.filtered') }}
      table={{ onRow: (row) => ({ onClick: () => onOpen(row.id), style: { cursor: 'pointer' } }) }}
      filters={
        <>
          <Form.Item name="state">
            <Select<JobState>
              allowClear
              style={{ width: 150 }}
              placeholder={t('jobs.filter.allStates')}
              data-testid="jobs-filter-state"
              options={STATES.map((s) => ({ value: s, label: t(stateLabel(s)) }))}
            />
          </Form.Item>
          <Form.Item name="queue">
            <Select<string>
              allowClear
              style={{ width: 150 }}
              placeholder={t('jobs.filter.allQueues')}
              data-testid="jobs-filter-queue"
              options={(stats?.queues ?? []).map((q) => ({ value: q.queue, label: queueName(maybe, q.queue) }))}
            />
          </Form.Item>
          <Form.Item name="kind">
            <Select<string>
              allowClear
              showSearch
              optionFilterProp="label"
              style={{ width: 240 }}
              placeholder={t('jobs.filter.allKinds')}
              data-testid="jobs-filter-kind"
              options={(stats?.kinds ?? []).map((k) => ({ value: k.kind, label: kindName(maybe, k.kind) }))}
            />
          </Form.Item>
          <Form.Item
            name="routine"
            valuePropName="checked"
            getValueProps={(v: JobFilter['routine']) => ({ checked: v === 'show' })}
            normalize={(checked: boolean) => (checked ? 'show' : 'fold')}
          >
            <Checkbox data-testid="jobs-show-routine">{t('jobs.routine.show')}</Checkbox>
          </Form.Item>
        </>
      }
      toolbar={
        <>
          <ExportButton list="jobs" filter={narrowOf(filters)} />
          {filters.routine === 'fold' && list.folded > 0 && (
            <Typography.Text type="secondary" data-testid="jobs-routine-folded">
              {t('jobs.routine.folded', { n: list.folded })}
            </Typography.Text>
          )}
        </>
      }
    />
  );
}

function useJobColumns(onChanged: () => void): DataColumn<JobSummary>[] {
  const { t, maybe } = useI18n();
  return [
    {
      key: 'state',
      title: t('jobs.col.state'),
      dataIndex: 'state',
      width: 110,
      render: (s: JobState) => <StateTag tone={STATE_TONE[s]}>{t(stateLabel(s))}</StateTag>,
    },
    { key: 'kind', title: t('jobs.col.kind'), dataIndex: 'kind', width: 220, render: (k: string) => <KindLabel maybe={maybe} kind={k} /> },
    { key: 'queue', title: t('jobs.col.queue'), dataIndex: 'queue', width: 110, render: (q: string) => <QueueLabel maybe={maybe} queue={q} /> },
    { key: 'attempt', title: t('jobs.col.attempt'), width: 90, render: (_: unknown, j) => `${j.attempt}/${j.maxAttempts}` },
    {
      key: 'when',
      title: t('jobs.col.when'),
      width: 170,
      render: (_: unknown, j) => {
        const at = stateTime(j);
        return at === null ? '—' : formatTime(at);
      },
    },
    {
      key: 'lastError',
      title: t('jobs.col.lastError'),
      dataIndex: 'lastError',
      ellipsis: true,
      // In words where the core gave the error a code; the handler's record in the tooltip.
      render: (e: string | null, j) => (e ? <JobError maybe={maybe} error={e} testId={`job-error-${j.id}`} /> : null),
    },
    { key: 'actions', title: t('common.actions'), width: 190, render: (_: unknown, j) => <JobActions job={j} onDone={onChanged} /> },
  ];
}
