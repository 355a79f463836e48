import { useRef, useState } from 'react';
import { Alert, Badge, Card, Col, Flex, Row, Statistic, Table, Tabs, Typography } from 'antd';
import { api, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { CommandText } from '../../components/CommandText';
import { CronLabel, CronWhen, JobError, kindName, QueueLabel } from './names';
import { useHashParam } from '../../lib/route';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { AlertsPanel } from './AlertsPanel';
import { JobDrawer } from './JobDrawer';
import { JobsTable, useJobsList } from './JobsTable';
import { STATES, STATE_TONE, stateLabel, type JobStats, type JobState } from './model';
import { StateTag } from '../../components/StateTag';
import { useCrumb } from '../../components/Breadcrumbs';

// A busy queue changes state many times a second; one reload per burst is plenty.
const EVENT_DEBOUNCE_MS = 500;

/**
 * The Jobs page: how much work waits, runs and failed, per state and queue; the job list with
 * filters and a detail drawer (error history, retry/cancel); alerts; the cron schedules.
 */
export default function JobsPage() {
  const { t, maybe } = useI18n();
  const [tab, setTab] = useHashParam('tab', 'jobs');
  useCrumb(maybe(`jobs.tab.${tab}`) ?? null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const jobs = useJobsList(version);
  const stats = useQuery(() => api.jobs.stats({}), [version]);
  const alertsOpen = useQuery(() => api.alerts.list({ limit: 1 }), [version]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const bump = () => setVersion((v) => v + 1);
  useDepotEvents(['job.changed', 'alert', 'dashboard.changed'], () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(bump, EVENT_DEBOUNCE_MS);
  });

  const showState = (state: JobState) => {
    void jobs.controller.search({ state });
    setTab('jobs');
  };
  const failing = (stats.data?.kinds ?? []).filter((k) => k.failureStreak > 0);

  return (
    <Flex vertical gap="middle" data-testid="jobs-page">
      <StateCards stats={stats.data} loading={stats.loading && !stats.data} onPick={showState} />
      {failing.map((k) => (
        <Alert
          key={k.kind}
          type={k.failureStreak >= (stats.data?.failingAlertStreak ?? Number.POSITIVE_INFINITY) ? 'error' : 'warning'}
          showIcon
          data-testid={`jobs-failing-${k.kind}`}
          message={
            maybe(`jobs.kind.${k.kind}`) ? (
              t('jobs.failingKind', { kind: kindName(maybe, k.kind), count: k.failureStreak })
            ) : (
              <CommandText text={t('jobs.failingKind', { kind: '{command}', count: k.failureStreak })} command={k.kind} />
            )
          }
          description={k.lastError ? <JobError maybe={maybe} error={k.lastError} /> : undefined}
        />
      ))}
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          {
            key: 'jobs',
            label: t('jobs.tab.jobs'),
            children: <JobsTable list={jobs} stats={stats.data} onOpen={setOpenId} onChanged={bump} />,
          },
          {
            key: 'queues',
            label: t('jobs.tab.queues'),
            children: <QueuesTable stats={stats.data} loading={stats.loading && !stats.data} />,
          },
          {
            key: 'alerts',
            label: (
              <Badge count={alertsOpen.data?.total ?? 0} size="small" offset={[8, 0]}>
                {t('jobs.tab.alerts')}
              </Badge>
            ),
            children: <AlertsPanel version={version} onChanged={bump} />,
          },
          {
            key: 'schedules',
            label: t('jobs.tab.schedules'),
            children: <CronTable stats={stats.data} loading={stats.loading && !stats.data} />,
          },
        ]}
      />
      <JobDrawer id={openId} version={version} onClose={() => setOpenId(null)} onChanged={bump} />
    </Flex>
  );
}

function StateCards({ stats, loading, onPick }: { stats: JobStats | undefined; loading: boolean; onPick(s: JobState): void }) {
  const { t } = useI18n();
  return (
    <Row gutter={[12, 12]}>
      {STATES.map((s) => (
        <Col key={s} xs={12} sm={8} md={6} lg={3}>
          <Card size="small" hoverable loading={loading} onClick={() => onPick(s)} data-testid={`jobs-count-${s}`}>
            <Statistic
              title={<StateTag tone={STATE_TONE[s]}>{t(stateLabel(s))}</StateTag>}
              value={stats?.states[s] ?? 0}
              valueStyle={s === 'discarded' && (stats?.states[s] ?? 0) > 0 ? { color: '#cf1322' } : undefined}
            />
          </Card>
        </Col>
      ))}
    </Row>
  );
}

function QueuesTable({ stats, loading }: { stats: JobStats | undefined; loading: boolean }) {
  const { t, maybe } = useI18n();
  return (
    <Table
      rowKey="queue"
      size="small"
      loading={loading}
      pagination={false}
      data-testid="jobs-queues"
      dataSource={stats?.queues ?? []}
      columns={[
        { title: t('jobs.col.queue'), dataIndex: 'queue', render: (q: string) => <QueueLabel maybe={maybe} queue={q} /> },
        { title: t('jobs.queue.concurrency'), dataIndex: 'concurrency', width: 110 },
        ...STATES.map((s) => ({
          title: t(stateLabel(s)),
          key: s,
          width: 90,
          render: (_: unknown, q: JobStats['queues'][number]) => q.counts[s] || <Typography.Text type="secondary">0</Typography.Text>,
        })),
      ]}
    />
  );
}

function CronTable({ stats, loading }: { stats: JobStats | undefined; loading: boolean }) {
  const { t, maybe } = useI18n();
  return (
    <Table
      rowKey="name"
      size="small"
      loading={loading}
      pagination={false}
      data-testid="jobs-crons"
      locale={{ emptyText: t('jobs.cron.none') }}
      dataSource={stats?.crons ?? []}
      columns={[
        // The schedule is named after the kind it enqueues: one column in words, the names in its tooltip.
        { title: t('jobs.cron.name'), dataIndex: 'name', render: (_: string, c: JobStats['crons'][number]) => <CronLabel maybe={maybe} cron={c} /> },
        // When it runs in words (每天 01:00), the expression in its tooltip.
        {
          title: t('jobs.cron.expression'),
          dataIndex: 'expression',
          width: 170,
          render: (_: string, c: JobStats['crons'][number]) => <CronWhen maybe={maybe} cron={c} />,
        },
        { title: t('jobs.cron.last'), dataIndex: 'lastSlotAt', width: 170, render: (at: number) => formatTime(at) },
        { title: t('jobs.cron.next'), dataIndex: 'nextSlotAt', width: 170, render: (at: number) => formatTime(at) },
        { title: t('jobs.cron.runs24h'), dataIndex: 'runs24h', width: 130, align: 'right' as const },
      ]}
    />
  );
}
