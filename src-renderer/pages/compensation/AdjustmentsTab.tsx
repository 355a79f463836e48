import { useEffect, useState } from 'react';
import { App as AntApp, Alert, Button, Card, Flex, Form, Input, Modal, Radio, Select, Space, Tag, Tooltip, Typography } from 'antd';
import type { FormInstance } from 'antd';
import type { MethodOutput } from '../../../src-main/contract/types';
import { api, useDepotEvents } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { useRefNumbers, type RefNumbers } from '../../lib/refNumbers';
import { useReportError } from '../../lib/errors';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatTime } from '../../lib/time';
import { useRoute } from '../../lib/route';
import { ExportButton } from '../../components/ExportButton';
import { DataTable, useList, type DataColumn, type ListHandle } from '../../components/DataTable';
import { StateTag, type Tone } from '../../components/StateTag';
import { SUPERVISORS, useSession } from '../../session';

/**
 * Manual adjustments (人工调账 / 售后退款): an operator opens one on a settled session or a paid
 * order, within what is still refundable; a supervisor who did not create it approves or rejects
 * it with a note. The core enforces both rules; the screen only explains them.
 */

type Adjustment = MethodOutput<'adjustments.get'>;
type Limit = MethodOutput<'adjustments.limit'>;
type State = Adjustment['state'];
type Target = Adjustment['target'];

const STATE_TONE: Record<State, Tone> = { pending: 'warning', approved: 'success', rejected: 'default' };

type Filters = { state?: State };

export default function AdjustmentsTab() {
  const [version, setVersion] = useState(0);
  useDepotEvents(['refunds.changed'], () => setVersion((v) => v + 1));
  const list = useList<Filters, Adjustment>(
    {
      id: 'compensation.adjustments',
      defaults: { state: 'pending' },
      load: ({ filters, limit, offset }) => api.adjustments.list({ state: filters.state, limit, offset }).then((r) => ({ rows: r.adjustments, total: r.total })),
    },
    [version],
  );
  return (
    <Flex vertical gap="middle" data-testid="comp-adjustments-tab">
      <CreateForm version={version} onCreated={() => setVersion((v) => v + 1)} />
      <AdjustmentsTable list={list} onChanged={() => void list.controller.reload()} />
    </Flex>
  );
}

type CreateValues = { target: Target; ref: string; amount: string; reason: string };
type Decision = { adjustment: Adjustment; action: 'approve' | 'reject' };

const refOf = (v: { target: Target; ref: string }) => (v.target === 'session' ? { sessionId: v.ref.trim() } : { orderId: v.ref.trim() });

function CreateForm({ version, onCreated }: { version: number; onCreated: () => void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<CreateValues>();
  const { limit, setLimit, check } = useRefundLimit(form, version);
  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: CreateValues) => api.adjustments.create({ ...refOf(v), amount: v.amount.trim(), reason: v.reason.trim() }),
    onDone: async (_, v) => {
      message.success(t('refunds.adj.created'));
      form.resetFields(['amount', 'reason']);
      setLimit(await api.adjustments.limit(refOf(v)));
      onCreated();
    },
    fieldErrors: 'ignore',
  });

  return (
    <Card size="small" title={t('refunds.adj.new')}>
      <Form form={form} layout="inline" initialValues={{ target: 'session' }} onValuesChange={(changed) => ('ref' in changed || 'target' in changed) && setLimit(null)}>
        <Form.Item name="target" label={t('refunds.adj.target')}>
          <Radio.Group data-testid="adj-target">
            <Radio.Button value="session">{t('refunds.adj.target.session')}</Radio.Button>
            <Radio.Button value="order">{t('refunds.adj.target.order')}</Radio.Button>
          </Radio.Group>
        </Form.Item>
        <Form.Item name="ref" label={t('refunds.adj.targetId')} rules={[{ required: true, message: t('refunds.adj.targetId') }]}>
          <Input.Search style={{ width: 300 }} onSearch={() => void check()} enterButton={t('refunds.adj.check')} data-testid="adj-ref" />
        </Form.Item>
      </Form>
      {limit && <LimitAlert limit={limit} />}
      <Form form={form} layout="vertical" style={{ maxWidth: 520, marginTop: 12 }}>
        <Form.Item name="amount" label={t('refunds.adj.amount')} rules={[{ required: true, pattern: /^\d+(\.\d{1,2})?$/, message: t('refunds.adj.amount') }]}>
          <Input prefix="¥" placeholder="12.50" data-testid="adj-amount" />
        </Form.Item>
        <Form.Item name="reason" label={t('refunds.adj.reason')} rules={[{ required: true, whitespace: true, message: t('refunds.adj.reasonRequired') }]}>
          <Input.TextArea rows={2} maxLength={200} data-testid="adj-reason" />
        </Form.Item>
        <Button type="primary" loading={submitting} onClick={() => void submit()} data-testid="adj-create">
          {t('refunds.adj.create')}
        </Button>
      </Form>
    </Card>
  );
}

/**
 * What the session or order typed in the form can still have refunded: fetched on "check", when
 * the screen was opened from a session or an order, and again on every refunds.changed.
 */
function useRefundLimit(form: FormInstance<CreateValues>, version: number) {
  const report = useReportError();
  const [limit, setLimit] = useState<Limit | null>(null);
  const shownRef = limit ? (limit.sessionId ?? limit.orderId) : null;

  // Someone else's adjustment or approval changes what is refundable: the figure shown follows.
  useEffect(() => {
    if (!shownRef) return;
    const ref = limit?.target === 'session' ? { sessionId: shownRef } : { orderId: shownRef };
    api.adjustments.limit(ref).then(setLimit, () => setLimit(null));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- refetch on a refunds.changed event only
  }, [version]);

  const check = async () => {
    const v = form.getFieldsValue();
    if (!v.ref?.trim()) return;
    try {
      setLimit(await api.adjustments.limit(refOf(v)));
    } catch (e) {
      setLimit(null);
      report(e);
    }
  };

  // Opened from a session's or an order's own screen (#/compensation?view=adjustments&session=ID):
  // the form starts on that session or order with its refundable amount shown.
  const route = useRoute();
  const fromSession = route.params.get('session');
  const fromOrder = route.params.get('order');
  useEffect(() => {
    const ref = fromSession ?? fromOrder;
    if (!ref) return;
    form.setFieldsValue({ target: fromSession ? 'session' : 'order', ref });
    void check();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per session or order opened
  }, [fromSession, fromOrder]);

  return { limit, setLimit, check };
}

function LimitAlert({ limit }: { limit: Limit }) {
  const { t } = useI18n();
  return (
    <Alert
      style={{ margin: '12px 0' }}
      type={limit.available.fen > 0 ? 'info' : 'warning'}
      data-testid="adj-limit"
      message={t('refunds.adj.limit', {
        driver: limit.driverName,
        paid: limit.paid.yuan,
        refunded: limit.refunded.yuan,
        claimed: limit.claimed.yuan,
        available: limit.available.yuan,
      })}
    />
  );
}

function AdjustmentsTable({ list, onChanged }: { list: ListHandle<Filters, Adjustment>; onChanged: () => void }) {
  const { t } = useI18n();
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const [note, setNote] = useState('');
  const refs = useRefNumbers(list.state.rows);
  const columns = useAdjustmentColumns(refs, (d) => (setNote(''), setDeciding(d)));
  return (
    <>
      <DataTable<Filters, Adjustment>
        list={list}
        rowKey="id"
        testId="adj-table"
        columns={columns}
        empty={{ none: t('list.empty.adjustments'), filtered: t('list.empty.adjustments.filtered') }}
        filters={
          <Form.Item name="state">
            <Select<State | undefined>
              allowClear
              style={{ width: 160 }}
              placeholder={t('refunds.adj.filterState')}
              data-testid="adj-state-filter"
              options={(['pending', 'approved', 'rejected'] as const).map((s) => ({ value: s, label: t(`refunds.adj.state.${s}` as I18nKey) }))}
            />
          </Form.Item>
        }
        toolbar={<ExportButton list="adjustments" filter={{ state: list.state.filters.state }} />}
      />
      <DecideModal deciding={deciding} note={note} onNote={setNote} onClose={() => setDeciding(null)} onDone={onChanged} />
    </>
  );
}

function useAdjustmentColumns(refs: RefNumbers, onDecide: (d: Decision) => void): DataColumn<Adjustment>[] {
  const { t } = useI18n();
  const session = useSession();
  const supervisor = session.can(SUPERVISORS);
  return [
    { key: 'createdAt', title: t('refunds.adj.col.createdAt'), render: (_, a) => formatTime(a.createdAt) },
    {
      key: 'target',
      title: t('refunds.adj.col.target'),
      render: (_, a) => (
        <span>
          <Tag>{t(`refunds.adj.target.${a.target}` as I18nKey)}</Tag>
          {a.target === 'session' ? a.sessionId && refs.session(a.sessionId) : a.orderNumber}
        </span>
      ),
    },
    { key: 'driver', title: t('refunds.adj.col.driver'), dataIndex: 'driverName' },
    {
      key: 'amount',
      title: t('refunds.adj.col.amount'),
      align: 'right',
      render: (_, a) => (
        <Tooltip title={a.electricity && a.service ? t('refunds.adj.split', { electricity: a.electricity.yuan, service: a.service.yuan }) : undefined}>
          ¥{a.amount.yuan}
        </Tooltip>
      ),
    },
    { key: 'reason', title: t('refunds.adj.col.reason'), dataIndex: 'reason' },
    { key: 'state', title: t('refunds.adj.col.state'), render: (_, a) => <StateTag tone={STATE_TONE[a.state]}>{t(`refunds.adj.state.${a.state}` as I18nKey)}</StateTag> },
    { key: 'createdBy', title: t('refunds.adj.col.createdBy'), render: (_, a) => a.createdBy?.name ?? '' },
    {
      key: 'resolved',
      title: t('refunds.adj.col.resolved'),
      render: (_, a) =>
        a.resolvedBy ? (
          <Typography.Text type="secondary">
            {a.resolvedBy.name} · {formatTime(a.resolvedAt ?? 0)}
            {a.resolutionNote ? ` · ${a.resolutionNote}` : ''}
          </Typography.Text>
        ) : null,
    },
    {
      key: 'actions',
      title: '',
      render: (_, a) =>
        a.state === 'pending' && supervisor ? <DecisionButtons adjustment={a} own={a.createdBy?.id === session.operator.id} onDecide={onDecide} /> : null,
    },
  ];
}

/** A supervisor's approve and reject; the creator of an adjustment sees why they cannot decide it. */
function DecisionButtons({ adjustment: a, own, onDecide }: { adjustment: Adjustment; own: boolean; onDecide: (d: Decision) => void }) {
  const { t } = useI18n();
  return (
    <Space>
      <Tooltip title={own ? t('refunds.adj.ownNoApprove') : undefined}>
        <Button size="small" type="primary" disabled={own} onClick={() => onDecide({ adjustment: a, action: 'approve' })} data-testid={`adj-approve-${a.id}`}>
          {t('refunds.adj.approve')}
        </Button>
      </Tooltip>
      <Tooltip title={own ? t('refunds.adj.ownNoApprove') : undefined}>
        <Button size="small" danger disabled={own} onClick={() => onDecide({ adjustment: a, action: 'reject' })} data-testid={`adj-reject-${a.id}`}>
          {t('refunds.adj.reject')}
        </Button>
      </Tooltip>
    </Space>
  );
}

function DecideModal({
  deciding,
  note,
  onNote,
  onClose,
  onDone,
}: {
  deciding: Decision | null;
  note: string;
  onNote(note: string): void;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const { submitting, submit } = useModalSubmit({
    run: async ({ adjustment, action }: Decision) => {
      if (action === 'approve') await api.adjustments.approve({ adjustmentId: adjustment.id, note: note.trim() || undefined });
      else await api.adjustments.reject({ adjustmentId: adjustment.id, note: note.trim() });
    },
    onDone: () => {
      onClose();
      onDone();
    },
  });
  return (
    <Modal
      open={deciding !== null}
      title={deciding ? t(deciding.action === 'approve' ? 'refunds.adj.approveTitle' : 'refunds.adj.rejectTitle', { amount: deciding.adjustment.amount.yuan }) : ''}
      onOk={() => {
        if (deciding) void submit(deciding);
      }}
      okButtonProps={{ loading: submitting, disabled: deciding?.action === 'reject' && !note.trim(), danger: deciding?.action === 'reject' }}
      onCancel={onClose}
      destroyOnHidden
    >
      {deciding?.action === 'approve' && (
        <Alert type="info" style={{ marginBottom: 12 }} message={t(`refunds.adj.approveHint.${deciding.adjustment.target}` as I18nKey)} />
      )}
      <Typography.Text>{t(deciding?.action === 'reject' ? 'refunds.adj.noteRequired' : 'refunds.adj.note')}</Typography.Text>
      <Input.TextArea rows={2} maxLength={500} value={note} onChange={(e) => onNote(e.target.value)} data-testid="adj-note" />
    </Modal>
  );
}
