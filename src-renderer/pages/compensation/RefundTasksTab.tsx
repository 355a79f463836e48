import { useState } from 'react';
import { App as AntApp, Alert, Button, Collapse, Descriptions, Flex, Form, Input, Modal, Radio, Select, Space, Tag, Typography } from 'antd';
import type { MethodOutput } from '../../../src-main/contract/types';
import { api, useDepotEvents } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatTime } from '../../lib/time';
import { useSession, type Role } from '../../session';
import { ExportButton } from '../../components/ExportButton';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { StateTag } from '../../components/StateTag';
import { refundAttempt, taskStateTag } from './taskState';

/**
 * Refund tasks (退款任务): money going back through WeChat Pay or Alipay. Failed tasks stay here
 * until someone retries or resolves them; a task that needs a check is queried by the next run.
 * Each row opens to its attempts in words; the raw exchange with the gateway is behind 技术详情.
 */

type Task = MethodOutput<'refunds.get'>;
type State = Task['state'];
type Outcome = 'paid_outside' | 'back_to_wallet';

const FINANCE: readonly Role[] = ['finance', 'supervisor', 'admin'];
const STATES = ['pending', 'processing', 'completed', 'failed', 'needs_check', 'cancelled'] as const;

function Json({ text }: { text: string | null }) {
  if (!text) return <Typography.Text type="secondary">—</Typography.Text>;
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Not JSON (a gateway may answer in XML or plain text): shown as received.
  }
  return <pre style={{ margin: 0, maxHeight: 220, overflow: 'auto', fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{shown}</pre>;
}

type Filters = { state?: State };

export default function RefundTasksTab() {
  const { t } = useI18n();
  const report = useReportError();
  const { message } = AntApp.useApp();
  const [version, setVersion] = useState(0);
  const [counts, setCounts] = useState<Record<State, number> | null>(null);
  const [running, setRunning] = useState(false);
  const [resolving, setResolving] = useState<Task | null>(null);
  useDepotEvents(['refunds.changed'], () => setVersion((v) => v + 1));
  const list = useList<Filters, Task>(
    {
      id: 'compensation.refundTasks',
      defaults: {},
      load: async ({ filters, limit, offset }) => {
        const r = await api.refunds.list({ state: filters.state, limit, offset });
        setCounts(r.counts);
        return { rows: r.tasks, total: r.total };
      },
    },
    [version],
  );
  const reload = () => void list.controller.reload();

  const run = async () => {
    setRunning(true);
    try {
      const r = await api.refunds.run({});
      message.info(t('refunds.task.ran', { count: r.processed.length }));
      reload();
    } catch (e) {
      report(e);
    } finally {
      setRunning(false);
    }
  };

  const retry = async (task: Task) => {
    try {
      await api.refunds.retry({ taskId: task.id });
      reload();
    } catch (e) {
      report(e);
    }
  };
  const columns = useTaskColumns({ onRetry: (task) => void retry(task), onResolve: setResolving });

  return (
    <Flex vertical gap="middle" data-testid="comp-refundtasks-tab">
      <DataTable<Filters, Task>
        list={list}
        rowKey="id"
        testId="task-table"
        columns={columns}
        empty={{ none: t('list.empty.refundTasks'), filtered: t('list.empty.refundTasks.filtered') }}
        table={{ expandable: { expandedRowRender: (task) => <TaskExchange task={task} /> } }}
        filters={
          <Form.Item name="state">
            <Select<State | undefined>
              allowClear
              style={{ width: 180 }}
              placeholder={t('refunds.task.col.state')}
              data-testid="task-state-filter"
              options={STATES.map((s) => ({ value: s, label: `${t(`refunds.task.state.${s}` as I18nKey)}${counts ? ` (${counts[s]})` : ''}` }))}
            />
          </Form.Item>
        }
        toolbar={<TaskToolbar counts={counts} running={running} onRun={() => void run()} state={list.state.filters.state} />}
      />
      {resolving && (
        <ResolveModal
          task={resolving}
          onClose={() => setResolving(null)}
          onDone={() => {
            setResolving(null);
            reload();
          }}
        />
      )}
    </Flex>
  );
}

/** The failed and needs-check counts, the "run now" button and the export. */
function TaskToolbar({ counts, running, onRun, state }: { counts: Record<State, number> | null; running: boolean; onRun(): void; state?: State }) {
  const { t } = useI18n();
  return (
    <>
      {counts && (counts.failed > 0 || counts.needs_check > 0) && (
        <Space size={4}>
          {counts.failed > 0 && <StateTag tone="error">{`${t('refunds.task.state.failed')} ${counts.failed}`}</StateTag>}
          {counts.needs_check > 0 && <StateTag tone="warning">{`${t('refunds.task.state.needs_check')} ${counts.needs_check}`}</StateTag>}
        </Space>
      )}
      <Button onClick={onRun} loading={running} data-testid="task-run">
        {t('refunds.task.run')}
      </Button>
      <ExportButton list="refund_tasks" filter={{ state }} />
    </>
  );
}

/**
 * The task's attempts in words, and how it was resolved. The idempotency key, the endpoint and the
 * raw request and response stay for support staff behind 技术详情, closed by default.
 */
export function TaskExchange({ task }: { task: Task }) {
  const i18n = useI18n();
  const { t } = i18n;
  const a = refundAttempt(task, i18n);
  return (
    <Flex vertical gap="small" data-testid="task-attempt">
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={t('refunds.attempt.outcome')} span={2}>
          <Typography.Text strong data-testid="task-attempt-outcome">
            {a.outcome}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('refunds.attempt.attempts')}>{a.attempts}</Descriptions.Item>
        <Descriptions.Item label={t('refunds.attempt.at')}>{a.at ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('refunds.attempt.channel')}>{a.channel}</Descriptions.Item>
        <Descriptions.Item label={t('refunds.attempt.amountLabel')}>{a.amount}</Descriptions.Item>
        <Descriptions.Item label={t('refunds.task.refundNo')} span={2}>
          {a.refundNo ? <Typography.Text copyable>{a.refundNo}</Typography.Text> : '—'}
        </Descriptions.Item>
        {a.error && (
          <Descriptions.Item label={t('refunds.attempt.error')} span={2}>
            <Typography.Text type={task.state === 'failed' ? 'danger' : 'warning'} data-testid="task-attempt-error">
              {a.error}
            </Typography.Text>
          </Descriptions.Item>
        )}
        {task.resolution && (
          <Descriptions.Item label={t('refunds.task.resolution')} span={2}>
            {t(`refunds.task.outcome.${task.resolution}` as I18nKey)} · {task.resolvedBy?.name ?? ''} · {formatTime(task.resolvedAt ?? 0)} · {task.resolutionNote}
          </Descriptions.Item>
        )}
      </Descriptions>
      <Collapse
        size="small"
        data-testid="task-technical"
        items={[
          {
            key: 'technical',
            label: t('refunds.task.technical'),
            children: (
              <Descriptions size="small" column={1} bordered>
                <Descriptions.Item label={t('refunds.task.idempotency')}>{task.id}</Descriptions.Item>
                <Descriptions.Item label={t('refunds.task.endpoint')}>{task.requestEndpoint ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('refunds.task.request')}>
                  <Json text={task.requestBody} />
                </Descriptions.Item>
                <Descriptions.Item label={t('refunds.task.response')}>
                  <Json text={task.responseBody} />
                </Descriptions.Item>
                {task.lastError && <Descriptions.Item label={t('refunds.task.coreError')}>{task.lastError}</Descriptions.Item>}
              </Descriptions>
            ),
          },
        ]}
      />
    </Flex>
  );
}

function useTaskColumns({ onRetry, onResolve }: { onRetry(task: Task): void; onResolve(task: Task): void }): DataColumn<Task>[] {
  const i18n = useI18n();
  const { t } = i18n;
  const session = useSession();
  return [
    { key: 'createdAt', title: t('refunds.task.col.createdAt'), render: (_, x) => formatTime(x.createdAt) },
    {
      key: 'order',
      title: t('refunds.task.col.order'),
      render: (_, x) => (
        <span>
          <Tag>{t(`refunds.task.source.${x.source}` as I18nKey)}</Tag>
          {x.orderNumber}
        </span>
      ),
    },
    { key: 'driver', title: t('refunds.task.col.driver'), render: (_, x) => x.driverName ?? '—' },
    { key: 'amount', title: t('refunds.task.col.amount'), align: 'right', render: (_, x) => `¥${x.amount.yuan}` },
    { key: 'channel', title: t('refunds.task.col.channel'), render: (_, x) => t(`payments.channel.${x.channel}` as I18nKey) },
    {
      key: 'state',
      title: t('refunds.task.col.state'),
      render: (_, x) => {
        const tag = taskStateTag(x, t);
        return (
          <StateTag tone={tag.tone} testId={`task-state-${x.id}`}>
            {tag.text}
          </StateTag>
        );
      },
    },
    { key: 'attempts', title: t('refunds.task.col.attempts'), align: 'right', render: (_, x) => `${x.attempts}/${x.maxAttempts}` },
    {
      key: 'lastError',
      title: t('refunds.task.col.lastError'),
      render: (_, x) => <Typography.Text type={x.state === 'failed' ? 'danger' : 'secondary'}>{refundAttempt(x, i18n).error ?? ''}</Typography.Text>,
    },
    {
      key: 'next',
      title: t('refunds.task.col.next'),
      render: (_, x) => (x.state === 'needs_check' || (x.state === 'pending' && x.attempts === 0) ? formatTime(x.nextAttemptAt) : ''),
    },
    {
      key: 'actions',
      title: '',
      render: (_, x) => (
        <Space>
          {x.state === 'failed' && (
            <Button size="small" onClick={() => onRetry(x)} data-testid={`task-retry-${x.id}`}>
              {t('refunds.task.retry')}
            </Button>
          )}
          {(x.state === 'failed' || x.state === 'needs_check') && session.can(FINANCE) && (
            <Button size="small" onClick={() => onResolve(x)} data-testid={`task-resolve-${x.id}`}>
              {t('refunds.task.resolve')}
            </Button>
          )}
        </Space>
      ),
    },
  ];
}

function ResolveModal({ task, onClose, onDone }: { task: Task; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [outcome, setOutcome] = useState<Outcome>('paid_outside');
  const [via, setVia] = useState<'cash' | Task['channel']>(task.channel);
  const [note, setNote] = useState('');
  const needsCheck = task.state === 'needs_check';
  const { submitting, submit } = useModalSubmit({
    run: () => api.refunds.resolve({ taskId: task.id, outcome, note: note.trim(), via: outcome === 'paid_outside' ? via : undefined }),
    onDone,
  });

  return (
    <Modal
      open
      title={t('refunds.task.resolveTitle', { amount: task.amount.yuan })}
      onOk={() => void submit()}
      okButtonProps={{ loading: submitting, disabled: !note.trim() }}
      onCancel={onClose}
      destroyOnHidden
    >
      <Flex vertical gap="small">
        <Typography.Text>{t('refunds.task.outcome')}</Typography.Text>
        <Radio.Group value={outcome} onChange={(e) => setOutcome(e.target.value as Outcome)} data-testid="task-outcome">
          <Radio value="paid_outside">{t('refunds.task.outcome.paid_outside')}</Radio>
          <Radio value="back_to_wallet" disabled={needsCheck || !task.driverId}>
            {t('refunds.task.outcome.back_to_wallet')}
          </Radio>
        </Radio.Group>
        {needsCheck && <Alert type="warning" message={t('refunds.task.backToWalletNeedsCheck')} />}
        {outcome === 'paid_outside' && task.source === 'adjustment' && (
          <>
            <Typography.Text>{t('refunds.task.via')}</Typography.Text>
            <Radio.Group value={via} onChange={(e) => setVia(e.target.value as typeof via)}>
              <Radio.Button value={task.channel}>{t(`payments.channel.${task.channel}` as I18nKey)}</Radio.Button>
              <Radio.Button value="cash">{t('refunds.task.via.cash')}</Radio.Button>
            </Radio.Group>
          </>
        )}
        <Typography.Text>{t('refunds.task.noteRequired')}</Typography.Text>
        <Input.TextArea rows={2} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} data-testid="task-note" />
      </Flex>
    </Modal>
  );
}
