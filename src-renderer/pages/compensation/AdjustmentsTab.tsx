import { useEffect, useState } from 'react';
import { App as AntApp, Alert, AutoComplete, Button, Card, Flex, Form, Input, Modal, Radio, Select, Space, Tag, Tooltip, Typography } from 'antd';
import type { FormInstance } from 'antd';
import type { MethodOutput } from '../../../src-main/contract/types';
import { api, ApiError, isApiError, useDepotEvents } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { sessionByNumber, useRefNumbers, type RefNumbers } from '../../lib/refNumbers';
import { byNumber, isSessionNumber, numberMatches, typedNumber } from '../../lib/typedNumber';
import { useReportError, wordError } from '../../lib/errors';
import { useQuery } from '../../lib/useQuery';
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
type Candidate = MethodOutput<'sessions.list'>['items'][number];
type Ref = { sessionId: string } | { orderId: string };
/** What the core is told (a session's id; an order's number, which it takes as well) and the number people read. */
type Chosen = { ref: Ref; number: string };

/** Not a session (or order) the depot has: refused in the shape of the core's own refusals, so it is worded and placed the same way. */
const notFound = (typed: string) => new ApiError('not_found', `no session ${typed}`, { field: 'sessionId', reason: 'no_session', ref: typed.trim() });

/**
 * People pick or type a number — a session's CD…, an order's DD… — with spaces and case forgiven
 * (issue 16: forms take business numbers, not internal ids). A session is told to the core by its
 * id: from the list the form offers, else by one lookup of its number.
 */
async function chosenOf(v: { target: Target; ref: string }, sessions: readonly Candidate[]): Promise<Chosen> {
  const number = typedNumber(v.ref);
  if (v.target === 'order') return { ref: { orderId: number }, number };
  const s = byNumber(sessions, v.ref) ?? (await sessionByNumber(v.ref));
  if (!s) throw notFound(v.ref);
  return { ref: { sessionId: s.id }, number: s.number };
}

/**
 * The sessions the form offers, newest first: settled ones money was taken for. 售后退款 is never
 * offered on a session nobody has paid anything towards (an UNPAID one whose debt is still open);
 * one whose debt a top-up has collected since can still be typed, and the limit shows what is left.
 */
function useRefundableSessions() {
  return useQuery(async () => {
    const [paid, unpaid] = await Promise.all([api.sessions.list({ state: 'PAID', limit: 30 }), api.sessions.list({ state: 'UNPAID', limit: 30 })]);
    const tookMoney = unpaid.items.filter((s) => (s.paidHoldFen ?? 0) + (s.paidWalletFen ?? 0) > 0);
    return [...paid.items, ...tookMoney].sort((a, b) => b.createdAt - a.createdAt);
  }, []);
}

/** A refusal about the session or order named (none such, not settled, not paid) goes under its field. */
function useRefError(form: FormInstance<CreateValues>): (e: unknown) => boolean {
  const i18n = useI18n();
  return (e) => {
    const field = isApiError(e) ? (e.details as { field?: unknown } | undefined)?.field : undefined;
    if (field !== 'sessionId' && field !== 'orderId') return false;
    form.setFields([{ name: 'ref', errors: [wordError(i18n, e).detail] }]);
    return true;
  };
}

function CreateForm({ version, onCreated }: { version: number; onCreated: () => void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<CreateValues>();
  const sessions = useRefundableSessions();
  const candidates = sessions.data ?? [];
  const refError = useRefError(form);
  const { limit, setLimit, check } = useRefundLimit(form, version, candidates, refError);
  const { submitting, submit } = useModalSubmit({
    form,
    run: async (v: CreateValues) => {
      const chosen = await chosenOf(v, candidates);
      return { chosen, adjustment: await api.adjustments.create({ ...chosen.ref, amount: v.amount.trim(), reason: v.reason.trim() }) };
    },
    onDone: async ({ chosen, adjustment: a }) => {
      void message.success(t('refunds.adj.created', { number: chosen.number, amount: a.amount.yuan }));
      form.resetFields(['amount', 'reason']);
      setLimit(await api.adjustments.limit(chosen.ref));
      onCreated();
    },
    onError: refError,
    fieldErrors: 'instead',
  });
  const target = Form.useWatch('target', form) ?? 'session';
  // The number field with its 查询可退金额 button: an element, not a component, so AutoComplete can hold its ref.
  const refInput = (placeholder: string) => (
    <Input.Search style={{ width: 380 }} placeholder={placeholder} onSearch={() => void check()} enterButton={t('refunds.adj.check')} data-testid="adj-ref" />
  );
  // Nothing was paid for it: there is nothing to give back, so the form does not offer to.
  const nothingPaid = limit !== null && limit.paid.fen <= 0;

  return (
    <Card size="small" title={t('refunds.adj.new')}>
      <Form form={form} layout="inline" initialValues={{ target: 'session' }} onValuesChange={(changed) => ('ref' in changed || 'target' in changed) && setLimit(null)}>
        <Form.Item name="target" label={t('refunds.adj.target')}>
          <Radio.Group data-testid="adj-target">
            <Radio.Button value="session">{t('refunds.adj.target.session')}</Radio.Button>
            <Radio.Button value="order">{t('refunds.adj.target.order')}</Radio.Button>
          </Radio.Group>
        </Form.Item>
        <Form.Item name="ref" label={t('refunds.adj.targetId')} rules={[{ required: true, whitespace: true, message: t('refunds.adj.refRequired') }]}>
          {target === 'session' ? (
            <AutoComplete
              popupMatchSelectWidth={420}
              filterOption={(input, option) => numberMatches(String(option?.value ?? ''), input)}
              notFoundContent={sessions.loading || candidates.length > 0 ? null : t('refunds.adj.noSessions')}
              onSelect={(number: string) => void check(number)}
              options={candidates.map((s) => ({ value: s.number, label: <SessionOption session={s} /> }))}
            >
              {refInput(t('refunds.adj.sessionPlaceholder'))}
            </AutoComplete>
          ) : (
            refInput(t('refunds.adj.orderPlaceholder'))
          )}
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
        <Button type="primary" loading={submitting} disabled={nothingPaid} onClick={() => void submit()} data-testid="adj-create">
          {t('refunds.adj.create')}
        </Button>
      </Form>
    </Card>
  );
}

function SessionOption({ session: s }: { session: Candidate }) {
  const { t } = useI18n();
  return (
    <Flex gap={6} align="center" data-testid="adj-session-option">
      <Typography.Text code>{s.number}</Typography.Text>
      <Typography.Text type="secondary">
        {t('refunds.adj.sessionOption', { charger: s.chargerId, connector: s.connectorId, amount: s.amount ?? '0.00', time: formatTime(s.settledAt ?? s.createdAt) })}
      </Typography.Text>
      {s.state === 'UNPAID' && <StateTag state="UNPAID">{t('sessions.state.UNPAID')}</StateTag>}
    </Flex>
  );
}

/**
 * What the session or order in the form can still have refunded: fetched on "check" or a pick,
 * when the screen was opened from a session or an order, and again on every refunds.changed. The
 * field then reads the number as the depot writes it.
 */
function useRefundLimit(form: FormInstance<CreateValues>, version: number, sessions: readonly Candidate[], refError: (e: unknown) => boolean) {
  const report = useReportError();
  const [limit, setLimit] = useState<Limit | null>(null);
  const shown: Ref | null = limit ? (limit.target === 'session' ? { sessionId: limit.sessionId! } : { orderId: limit.orderId! }) : null;

  // Someone else's adjustment or approval changes what is refundable: the figure shown follows.
  useEffect(() => {
    if (!shown) return;
    api.adjustments.limit(shown).then(setLimit, () => setLimit(null));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- refetch on a refunds.changed event only
  }, [version]);

  const show = async (ref: Ref) => {
    try {
      const l = await api.adjustments.limit(ref);
      setLimit(l);
      form.setFields([{ name: 'ref', value: l.sessionNumber ?? l.orderNumber ?? '', errors: [] }]);
    } catch (e) {
      setLimit(null);
      if (!refError(e)) report(e);
    }
  };

  const check = async (picked?: string) => {
    const v = form.getFieldsValue();
    const typed = picked ?? v.ref ?? '';
    if (!typed.trim()) return;
    try {
      await show((await chosenOf({ target: v.target, ref: typed }, sessions)).ref);
    } catch (e) {
      setLimit(null);
      if (!refError(e)) report(e);
    }
  };

  // Opened from a session's or an order's own screen (#/compensation?view=adjustments&session=ID):
  // the form starts on that session or order, by its number, with its refundable amount shown.
  const route = useRoute();
  const fromSession = route.params.get('session');
  const fromOrder = route.params.get('order');
  useEffect(() => {
    if (!fromSession && !fromOrder) return;
    form.setFieldsValue({ target: fromSession ? 'session' : 'order', ref: fromSession ?? fromOrder ?? '' });
    if (fromSession && !isSessionNumber(fromSession)) void show({ sessionId: fromSession });
    else void check();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per session or order opened
  }, [fromSession, fromOrder]);

  return { limit, setLimit, check };
}

function LimitAlert({ limit }: { limit: Limit }) {
  const { t } = useI18n();
  const number = limit.sessionNumber ?? limit.orderNumber ?? '';
  if (limit.paid.fen <= 0) return <Alert style={{ margin: '12px 0' }} type="warning" data-testid="adj-limit" message={t('refunds.adj.nothingPaid', { number })} />;
  return (
    <Alert
      style={{ margin: '12px 0' }}
      type={limit.available.fen > 0 ? 'info' : 'warning'}
      data-testid="adj-limit"
      message={t('refunds.adj.limit', {
        number,
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
      <DecideModal deciding={deciding} refs={refs} note={note} onNote={setNote} onClose={() => setDeciding(null)} onDone={onChanged} />
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
  refs,
  note,
  onNote,
  onClose,
  onDone,
}: {
  deciding: Decision | null;
  refs: RefNumbers;
  note: string;
  onNote(note: string): void;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  // What approving moves, how much and for whom, named by the session's or the order's number.
  const approveHint = (a: Adjustment) =>
    t(`refunds.adj.approveHint.${a.target}` as I18nKey, {
      amount: a.amount.yuan,
      driver: a.driverName,
      number: a.target === 'session' ? refs.session(a.sessionId ?? '') : (a.orderNumber ?? ''),
    });
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
      {deciding?.action === 'approve' && <Alert type="info" style={{ marginBottom: 12 }} data-testid="adj-approve-hint" message={approveHint(deciding.adjustment)} />}
      <Typography.Text>{t(deciding?.action === 'reject' ? 'refunds.adj.noteRequired' : 'refunds.adj.note')}</Typography.Text>
      <Input.TextArea rows={2} maxLength={500} value={note} onChange={(e) => onNote(e.target.value)} data-testid="adj-note" />
    </Modal>
  );
}
