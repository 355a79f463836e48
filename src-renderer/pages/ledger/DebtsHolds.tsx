import { useState } from 'react';
import { App, Button, Flex, Form, Input, Modal, Table, Tag, Typography } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useRefNumbers } from '../../lib/refNumbers';
import { useReportError } from '../../lib/errors';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatFen } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { newKey, type DebtRow, type HoldRow } from './model';
import { TONE_COLOR } from '../../components/StateTag';

/** Open debts (欠费), oldest first: the order a top-up collects them in. */
export function DebtsTable({ version, onOpen }: { version: number; onOpen(driverId: string): void }) {
  const { t } = useI18n();
  const debts = useQuery(() => api.ledger.debts({ status: 'open' }), [version]);
  const refs = useRefNumbers(debts.data ?? []);
  return (
    <Table<DebtRow>
      rowKey="debtId"
      size="small"
      loading={debts.loading}
      dataSource={debts.data ?? []}
      data-testid="ledger-debts"
      locale={{ emptyText: t('ledger.noDebts') }}
      onRow={(d) => ({ onClick: () => onOpen(d.driverId), style: { cursor: 'pointer' } })}
      columns={[
        { title: t('ledger.col.createdAt'), dataIndex: 'createdAt', width: 170, render: (at: number) => formatTime(at) },
        { title: t('ledger.col.driver'), dataIndex: 'driverName' },
        {
          title: t('ledger.col.session'),
          key: 'ref',
          render: (_, d) => <Typography.Text code>{d.sessionId ? refs.session(d.sessionId) : d.orderId ? refs.order(d.orderId) : ''}</Typography.Text>,
        },
        { title: t('ledger.col.amount'), key: 'amount', align: 'right', render: (_, d) => formatFen(d.amount.fen) },
        { title: t('ledger.col.collected'), key: 'collected', align: 'right', render: (_, d) => formatFen(d.collected.fen) },
        {
          title: t('ledger.col.owed'),
          key: 'owed',
          align: 'right',
          render: (_, d) => <Typography.Text type="danger">{formatFen(d.owed.fen)}</Typography.Text>,
        },
        { title: t('ledger.col.status'), dataIndex: 'status', width: 90, render: () => <Tag color={TONE_COLOR.error}>{t('ledger.debtStatus.open')}</Tag> },
      ]}
    />
  );
}

/** Open holds (money frozen for sessions), soonest expiry first. */
export function HoldsTable({ version, onOpen, onChanged }: { version: number; onOpen(driverId: string): void; onChanged(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const session = useSession();
  const holds = useQuery(() => api.ledger.holds({}), [version]);
  const overdue = (holds.data ?? []).filter((h) => h.overdue).length;

  async function expireNow() {
    try {
      const r = await api.ledger.expireHolds({});
      message.success(t('ledger.holds.expired', { count: r.expired.length }));
      onChanged();
    } catch (e) {
      report(e);
    }
  }

  return (
    <Flex vertical gap="small">
      {overdue > 0 && session.can(SUPERVISORS) && (
        <Flex>
          <Button onClick={() => void expireNow()} data-testid="ledger-expire-holds">
            {t('ledger.holds.expireNow')}
          </Button>
        </Flex>
      )}
      <HoldsList holds={holds.data ?? []} loading={holds.loading} onChanged={onChanged} onOpen={onOpen} showDriver />
    </Flex>
  );
}

export function HoldsList({
  holds,
  loading,
  onChanged,
  onOpen,
  showDriver,
}: {
  holds: HoldRow[];
  loading?: boolean;
  onChanged(): void;
  onOpen?(driverId: string): void;
  showDriver: boolean;
}) {
  const { t } = useI18n();
  const session = useSession();
  const [releasing, setReleasing] = useState<HoldRow | null>(null);
  const refs = useRefNumbers(holds);
  return (
    <>
      <Table<HoldRow>
        rowKey="holdId"
        size="small"
        loading={loading}
        dataSource={holds}
        pagination={false}
        data-testid="ledger-holds"
        locale={{ emptyText: t('ledger.noHolds') }}
        onRow={(h) => (onOpen && h.driverId ? { onClick: () => onOpen(h.driverId!), style: { cursor: 'pointer' } } : {})}
        columns={[
          { title: t('ledger.col.createdAt'), dataIndex: 'createdAt', width: 170, render: (at: number) => formatTime(at) },
          ...(showDriver ? [{ title: t('ledger.col.driver'), dataIndex: 'driverName', render: (n: string | null) => n ?? '' }] : []),
          { title: t('ledger.col.session'), dataIndex: 'sessionId', render: (s: string | null) => <Typography.Text code>{s ? refs.session(s) : ''}</Typography.Text> },
          { title: t('ledger.col.amount'), key: 'amount', align: 'right' as const, render: (_: unknown, h: HoldRow) => formatFen(h.amount.fen) },
          {
            title: t('ledger.col.expiresAt'),
            key: 'expires',
            width: 230,
            render: (_: unknown, h: HoldRow) => (
              <>
                {formatTime(h.expiresAt)} {h.overdue && <Tag color={TONE_COLOR.warning}>{t('ledger.holds.overdue')}</Tag>}
              </>
            ),
          },
          ...(session.can(SUPERVISORS)
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  width: 90,
                  render: (_: unknown, h: HoldRow) =>
                    h.overdue ? null : (
                      <Button
                        size="small"
                        onClick={(e) => {
                          e.stopPropagation();
                          setReleasing(h);
                        }}
                      >
                        {t('ledger.holds.release')}
                      </Button>
                    ),
                },
              ]
            : []),
        ]}
      />
      <ReleaseModal hold={releasing} onClose={() => setReleasing(null)} onDone={onChanged} />
    </>
  );
}

function ReleaseModal({ hold, onClose, onDone }: { hold: HoldRow | null; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ memo: string }>();
  const [key] = useState(() => newKey('release'));
  const { submitting, submit } = useModalSubmit({
    form,
    run: ({ holdId, memo }: { holdId: string; memo: string }) => api.ledger.releaseHold({ holdId, key: `${key}-${holdId}`.replace(/[#\s]/g, '_'), memo }),
    onDone: (r) => {
      message.success(t('ledger.holds.released', { amount: formatFen(r.released.fen) }));
      form.resetFields();
      onClose();
      onDone();
    },
    fieldErrors: 'ignore',
  });

  return (
    <Modal
      open={hold !== null}
      title={hold ? t('ledger.holds.releaseTitle', { amount: formatFen(hold.amount.fen) }) : ''}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={submitting}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={({ memo }: { memo: string }) => {
          if (hold) void submit({ holdId: hold.holdId, memo });
        }}
      >
        <Form.Item name="memo" label={t('ledger.holds.releaseReason')} rules={[{ required: true, message: t('common.required') }]}>
          <Input maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
