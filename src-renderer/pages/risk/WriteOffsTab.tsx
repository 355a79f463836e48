import { useState } from 'react';
import { App, Alert, Button, Flex, Form, Input, Modal, Select, Space, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api, isApiError } from '../../api';
import { useI18n } from '../../i18n';
import { wordError } from '../../lib/errors';
import { formatTime } from '../../lib/time';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { useQuery } from '../../lib/useQuery';
import { useSession, type Role } from '../../session';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { pageOf } from '../../components/listController';
import { WRITE_OFF_COLOR, WRITE_OFF_STATES, writeOffStateLabel, type Debt, type WriteOff, type WriteOffState } from './model';

/** Who may ask for and decide a write-off (the contract's FINANCE set). */
const FINANCE: readonly Role[] = ['finance', 'supervisor', 'admin'];

type Deciding = { request: WriteOff; action: 'approve' | 'reject' };
type Filters = { state?: WriteOffState };

/**
 * Debt write-offs (坏账核销): finance asks to write off one of the ledger's open debts, with a
 * reason; someone else (finance, a supervisor or an admin) approves, and only then does the ledger
 * write off what is still owed, or rejects it and the debt stays. The one who asked is refused by
 * the core, and the screen shows that refusal.
 */
export default function WriteOffsTab({ version }: { version: number }) {
  const { t } = useI18n();
  const { can } = useSession();
  const [mine, setMine] = useState(0);
  const [requesting, setRequesting] = useState(false);
  const [deciding, setDeciding] = useState<Deciding | null>(null);
  const list = useList<Filters, WriteOff>(
    {
      id: 'risk.writeOffs',
      defaults: {},
      // The core lists up to 1000 requests with their total (no offset): paged here.
      load: async (q) => {
        const r = await api.risk.debtWriteOffs({ state: q.filters.state, limit: 1000 });
        return { rows: pageOf(r.requests, q).rows, total: r.total };
      },
    },
    [version, mine],
  );
  const changed = () => setMine((v) => v + 1);
  const columns = useColumns(setDeciding);
  return (
    <Flex vertical gap="middle" data-testid="risk-writeoffs-tab">
      <Typography.Text type="secondary">{t('risk.wo.hint')}</Typography.Text>
      <DataTable<Filters, WriteOff>
        list={list}
        rowKey="id"
        testId="wo-table"
        columns={columns}
        empty={{ none: t('risk.wo.empty'), filtered: t('list.empty.writeOffs.filtered') }}
        filters={
          <Form.Item name="state">
            <Select<WriteOffState | undefined>
              allowClear
              style={{ width: 160 }}
              placeholder={t('risk.wo.filterState')}
              data-testid="wo-state-filter"
              options={WRITE_OFF_STATES.map((s) => ({ value: s, label: t(writeOffStateLabel(s)) }))}
            />
          </Form.Item>
        }
        toolbar={
          can(FINANCE) && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setRequesting(true)} data-testid="wo-request-open">
              {t('risk.wo.request')}
            </Button>
          )
        }
      />
      <RequestModal open={requesting} version={version + mine} onClose={() => setRequesting(false)} onDone={changed} />
      <DecideModal deciding={deciding} onClose={() => setDeciding(null)} onDone={changed} />
    </Flex>
  );
}

function useColumns(onDecide: (d: Deciding) => void): DataColumn<WriteOff>[] {
  const { t } = useI18n();
  const session = useSession();
  return [
    { key: 'requested', title: t('risk.wo.col.requested'), render: (_, w) => `${w.requestedBy?.name ?? '—'} · ${formatTime(w.requestedAt, 'YYYY-MM-DD HH:mm')}` },
    { key: 'driver', title: t('risk.wo.col.driver'), dataIndex: 'driverName' },
    { key: 'amount', title: t('risk.wo.col.amount'), align: 'right', render: (_, w) => <Typography.Text strong>¥{w.amount.yuan}</Typography.Text> },
    { key: 'reason', title: t('risk.wo.col.reason'), dataIndex: 'reason', ellipsis: true },
    { key: 'state', title: t('risk.wo.col.state'), render: (_, w) => <Tag color={WRITE_OFF_COLOR[w.state]}>{t(writeOffStateLabel(w.state))}</Tag> },
    {
      key: 'decided',
      title: t('risk.wo.col.decided'),
      render: (_, w) =>
        w.decidedBy ? (
          <Typography.Text type="secondary">
            {w.decidedBy.name} · {formatTime(w.decidedAt ?? 0, 'YYYY-MM-DD HH:mm')}
            {w.decisionNote ? ` · ${w.decisionNote}` : ''}
          </Typography.Text>
        ) : null,
    },
    {
      key: 'actions',
      title: t('common.actions'),
      render: (_, w) =>
        w.state === 'pending' && session.can(FINANCE) ? (
          <Space>
            {w.requestedBy?.id === session.operator.id && <Tag>{t('risk.wo.yours')}</Tag>}
            <Button size="small" type="primary" onClick={() => onDecide({ request: w, action: 'approve' })} data-testid={`wo-approve-${w.id}`}>
              {t('risk.wo.approve')}
            </Button>
            <Button size="small" danger onClick={() => onDecide({ request: w, action: 'reject' })} data-testid={`wo-reject-${w.id}`}>
              {t('risk.wo.reject')}
            </Button>
          </Space>
        ) : null,
    },
  ];
}

type RequestValues = { debtId: string; reason: string };

/** Ask to write off one of the ledger's open debts. */
function RequestModal({ open, version, onClose, onDone }: { open: boolean; version: number; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<RequestValues>();
  const debtId = Form.useWatch('debtId', form);
  const debts = useQuery(() => (open ? api.ledger.debts({ status: 'open', limit: 1000 }) : Promise.resolve([] as Debt[])), [open, version]);
  const debt = debts.data?.find((d) => d.debtId === debtId);
  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: RequestValues) => api.risk.requestDebtWriteOff({ debtId: v.debtId, reason: v.reason.trim() }),
    onDone: (w) => {
      void message.success(t('risk.wo.requested', { driver: w.driverName, amount: w.amount.yuan }));
      form.resetFields();
      onClose();
      onDone();
    },
  });
  return (
    <Modal
      open={open}
      title={t('risk.wo.requestTitle')}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={t('risk.wo.requestConfirm')}
      okButtonProps={{ loading: submitting, 'data-testid': 'wo-request-submit' }}
      cancelText={t('common.cancel')}
      width={620}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="debtId" label={t('risk.wo.debt')} rules={[{ required: true, message: t('common.required') }]}>
          <Select
            showSearch
            optionFilterProp="search"
            loading={debts.loading}
            placeholder={t('risk.wo.debtPlaceholder')}
            notFoundContent={t('risk.wo.noDebts')}
            data-testid="wo-debt"
            options={(debts.data ?? []).map((d) => ({
              value: d.debtId,
              search: `${d.driverName} ${d.owed.yuan}`,
              label: t('risk.wo.debtOption', { driver: d.driverName, owed: d.owed.yuan, at: formatTime(d.createdAt, 'YYYY-MM-DD') }),
            }))}
          />
        </Form.Item>
        <Form.Item name="reason" label={t('risk.wo.reason')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input.TextArea rows={2} maxLength={1000} data-testid="wo-reason" />
        </Form.Item>
      </Form>
      <Alert
        type="info"
        showIcon
        data-testid="wo-request-effect"
        message={debt ? t('risk.wo.requestEffect', { driver: debt.driverName, owed: debt.owed.yuan }) : t('risk.wo.requestPick')}
        description={t('risk.wo.requestSecond')}
      />
    </Modal>
  );
}

/** Approve or reject a request; the requester's own decision comes back refused and is shown here. */
function DecideModal({ deciding, onClose, onDone }: { deciding: Deciding | null; onClose(): void; onDone(): void }) {
  const { t, maybe } = useI18n();
  const { message } = App.useApp();
  const session = useSession();
  const [note, setNote] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const close = () => {
    setNote('');
    setRefusal(null);
    onClose();
  };
  const { submitting, submit } = useModalSubmit({
    run: ({ request, action }: Deciding) =>
      action === 'approve'
        ? api.risk.approveDebtWriteOff({ requestId: request.id, note: note.trim() || undefined })
        : api.risk.rejectDebtWriteOff({ requestId: request.id, note: note.trim() }),
    onDone: (w) => {
      void message.success(t(w.state === 'approved' ? 'risk.wo.approved' : 'risk.wo.rejected', { driver: w.driverName, amount: w.amount.yuan }));
      close();
      onDone();
    },
    onError: (e) => {
      if (!isApiError(e) || (e.code !== 'forbidden' && e.code !== 'conflict')) return false;
      const worded = wordError({ t, maybe }, e);
      setRefusal(`${worded.title}: ${worded.detail}`);
      return true;
    },
  });
  if (!deciding) return null;
  const { request: w, action } = deciding;
  const reject = action === 'reject';
  return (
    <Modal
      open
      title={t(reject ? 'risk.wo.rejectTitle' : 'risk.wo.approveTitle', { driver: w.driverName, amount: w.amount.yuan })}
      onCancel={close}
      onOk={() => void submit(deciding)}
      okText={t(reject ? 'risk.wo.rejectConfirm' : 'risk.wo.approveConfirm')}
      okButtonProps={{ danger: reject, loading: submitting, disabled: reject && !note.trim(), 'data-testid': 'wo-decide-submit' }}
      cancelText={t('common.cancel')}
      destroyOnHidden
    >
      <Flex vertical gap="small">
        <Alert
          type={reject ? 'info' : 'warning'}
          showIcon
          message={t(reject ? 'risk.wo.rejectEffect' : 'risk.wo.approveEffect', { driver: w.driverName, amount: w.amount.yuan })}
          description={`${t('risk.wo.reason')}: ${w.reason}`}
        />
        {w.requestedBy?.id === session.operator.id && !refusal && <Alert type="warning" message={t('risk.wo.ownHint')} />}
        {refusal && <Alert type="error" showIcon message={t('risk.wo.refused')} description={refusal} data-testid="wo-refusal" />}
        <Typography.Text>{t(reject ? 'risk.wo.noteRequired' : 'risk.wo.note')}</Typography.Text>
        <Input.TextArea rows={2} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} data-testid="wo-note" />
      </Flex>
    </Modal>
  );
}
