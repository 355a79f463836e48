import { useEffect, useState } from 'react';
import { App, Alert, Button, Flex, Form, Input, Modal, Space, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import relativeTime from 'dayjs/plugin/relativeTime';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { displayFen, formatWh } from '../../lib/format';
import { navigate } from '../../lib/route';
import { formatTime } from '../../lib/time';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { SUPERVISORS, useSession } from '../../session';
import { DriverSelect } from '../sessions/DriverSelect';
import { SessionDrawer } from '../sessions/SessionDrawer';
import { maskPhone, type ReviewSession } from './model';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { StateTag } from '../../components/StateTag';

dayjs.extend(relativeTime);

type Deciding = { session: ReviewSession; action: 'approve' | 'reject' };

/**
 * The review queue (大额订单审核): sessions held before settlement, oldest first. A supervisor who
 * did not start the session approves it (settled as metered) or rejects the charge: it is settled
 * as metered all the same and a refund adjustment of the contested amount is opened, which another
 * supervisor decides on the Compensation page before any money goes back.
 */
export default function ReviewsTab({ version }: { version: number }) {
  const { t } = useI18n();
  const [openId, setOpenId] = useState<string | null>(null);
  const [deciding, setDeciding] = useState<Deciding | null>(null);
  const [mine, setMine] = useState(0);
  const list = useList<object, ReviewSession>(
    {
      id: 'risk.reviews',
      defaults: {},
      load: ({ limit, offset }) => api.risk.reviews({ limit, offset }).then((r) => ({ rows: r.sessions, total: r.total })),
    },
    [version, mine],
  );
  const columns = useColumns(setDeciding);
  return (
    <Flex vertical gap="middle" data-testid="risk-reviews-tab">
      <Typography.Text type="secondary">{t('risk.rv.hint')}</Typography.Text>
      <DataTable<object, ReviewSession>
        list={list}
        rowKey="id"
        testId="rv-table"
        columns={columns}
        empty={{ none: t('list.empty.reviews'), filtered: t('list.empty.reviews') }}
        table={{ onRow: (s) => ({ onClick: () => setOpenId(s.id), style: { cursor: 'pointer' } }) }}
      />
      <DecideModal deciding={deciding} onClose={() => setDeciding(null)} onDone={() => setMine((v) => v + 1)} />
      <SessionDrawer id={openId} version={version} onClose={() => setOpenId(null)} onChanged={() => undefined} />
    </Flex>
  );
}

// Sessions carry the driver id; each name is fetched once and shared by every row.
const drivers = new Map<string, Promise<{ name: string; phone: string }>>();

/** The driver's name and masked phone (the queue is shown at the counter). */
function DriverLabel({ id }: { id: string }) {
  const [d, setD] = useState<{ name: string; phone: string } | null>(null);
  useEffect(() => {
    let live = true;
    let p = drivers.get(id);
    if (!p) drivers.set(id, (p = api.drivers.get({ driverId: id })));
    p.then(
      (v) => live && setD({ name: v.name, phone: v.phone }),
      () => drivers.delete(id),
    );
    return () => {
      live = false;
    };
  }, [id]);
  if (!d) return <span>…</span>;
  return (
    <span>
      {d.name} <Typography.Text type="secondary">{maskPhone(d.phone)}</Typography.Text>
    </span>
  );
}

const amountText = (s: ReviewSession) => (s.amountFen === null ? '—' : displayFen(s.amountFen));

function useColumns(onDecide: (d: Deciding) => void): DataColumn<ReviewSession>[] {
  const { t, maybe } = useI18n();
  const session = useSession();
  return [
    {
      key: 'session',
      title: t('risk.rv.col.session'),
      render: (_, s) => (
        <Flex vertical>
          <span>
            {s.chargerId} · {t('risk.rv.connector', { n: s.connectorId })}
          </span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {formatTime(s.startedAt ?? s.createdAt, 'YYYY-MM-DD HH:mm')}
            {s.energyWh !== null ? ` · ${formatWh(s.energyWh)}` : ''}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'driver',
      title: t('risk.rv.col.driver'),
      render: (_, s) => (s.driverId ? <DriverLabel id={s.driverId} /> : <Typography.Text type="warning">{t('risk.rv.unknownCard', { tag: s.idTag })}</Typography.Text>),
    },
    { key: 'amount', title: t('risk.rv.col.amount'), align: 'right', render: (_, s) => <Typography.Text strong>{amountText(s)}</Typography.Text> },
    {
      key: 'reason',
      title: t('risk.rv.col.reason'),
      render: (_, s) => <StateTag tone="warning">{s.reviewReason ? (maybe(`sessions.reviewReason.${s.reviewReason}`) ?? s.reviewReason) : '—'}</StateTag>,
    },
    {
      key: 'waiting',
      title: t('risk.rv.col.waiting'),
      render: (_, s) => (
        <Flex vertical>
          <span>{formatTime(s.updatedAt, 'MM-DD HH:mm')}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {dayjs(s.updatedAt).fromNow()}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'actions',
      title: t('common.actions'),
      render: (_, s) => {
        if (!session.can(SUPERVISORS)) return null;
        const own = s.createdBy === session.operator.id;
        const why = own ? t('risk.rv.ownNoDecide') : undefined;
        return (
          <Space onClick={(e) => e.stopPropagation()}>
            {own && <Tag>{t('risk.rv.yours')}</Tag>}
            <Tooltip title={why}>
              <Button size="small" type="primary" disabled={own} onClick={() => onDecide({ session: s, action: 'approve' })} data-testid={`rv-approve-${s.id}`}>
                {t('risk.rv.approve')}
              </Button>
            </Tooltip>
            <Tooltip title={why}>
              <Button size="small" danger disabled={own} onClick={() => onDecide({ session: s, action: 'reject' })} data-testid={`rv-reject-${s.id}`}>
                {t('risk.rv.reject')}
              </Button>
            </Tooltip>
          </Space>
        );
      },
    },
  ];
}

type DecideValues = { driverId?: string; note?: string; contested?: string };

/** Yuan as typed ("12.5", "12.50") to whole fen, without floating point. */
export function yuanToFen(text: string): number {
  const [whole, frac = ''] = text.trim().split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

function DecideModal({ deciding, onClose, onDone }: { deciding: Deciding | null; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<DecideValues>();
  const contested = Form.useWatch('contested', form);
  const s = deciding?.session;
  const reject = deciding?.action === 'reject';
  const { submitting, submit } = useModalSubmit({
    form,
    fieldErrors: 'ignore',
    run: async (v: DecideValues) => {
      if (!deciding) return null;
      const id = deciding.session.id;
      if (deciding.action === 'approve') {
        await api.risk.approveReview({ sessionId: id, driverId: v.driverId, note: v.note?.trim() || undefined });
        return null;
      }
      const r = await api.risk.rejectReview({ sessionId: id, note: (v.note ?? '').trim(), contestedFen: yuanToFen(v.contested ?? '0'), driverId: v.driverId });
      return r.adjustmentId;
    },
    onDone: (adjustmentId) => {
      void message.success(adjustmentId ? t('risk.rv.rejectedWithAdjustment') : t(reject ? 'risk.rv.rejected' : 'risk.rv.approved'));
      onClose();
      onDone();
    },
  });
  if (!s) return null;
  const contestedFen = contested && /^\d+(\.\d{1,2})?$/.test(contested.trim()) ? yuanToFen(contested) : null;
  return (
    <Modal
      open
      title={t(reject ? 'risk.rv.rejectTitle' : 'risk.rv.approveTitle', { charger: s.chargerId, amount: amountText(s) })}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={t(reject ? 'risk.rv.rejectConfirm' : 'risk.rv.approveConfirm')}
      okButtonProps={{ danger: reject, loading: submitting, 'data-testid': 'rv-decide-submit' }}
      cancelText={t('common.cancel')}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" preserve={false} initialValues={{ contested: s.amount ?? '0.00' }}>
        {reject ? (
          <RejectEffect session={s} contestedFen={contestedFen} />
        ) : (
          <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('risk.rv.approveEffect', { amount: amountText(s) })} />
        )}
        {s.driverId === null && (
          <Form.Item name="driverId" label={t('risk.rv.col.driver')} extra={t('sessions.approveDriverHelp')} rules={[{ required: true, message: t('common.required') }]}>
            <DriverSelect />
          </Form.Item>
        )}
        {reject && (
          <Form.Item
            name="contested"
            label={t('risk.rv.contested')}
            extra={t('risk.rv.contestedHelp', { amount: amountText(s) })}
            rules={[{ required: true, pattern: /^\d+(\.\d{1,2})?$/, message: t('risk.rv.contestedBad') }]}
          >
            <Input prefix="¥" style={{ width: 200 }} data-testid="rv-contested" />
          </Form.Item>
        )}
        <Form.Item
          name="note"
          label={t(reject ? 'risk.rv.noteRequired' : 'risk.rv.note')}
          rules={reject ? [{ required: true, whitespace: true, message: t('common.required') }] : []}
        >
          <Input.TextArea rows={2} maxLength={500} data-testid="rv-note" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function RejectEffect({ session: s, contestedFen }: { session: ReviewSession; contestedFen: number | null }) {
  const { t } = useI18n();
  const none = contestedFen === 0;
  return (
    <Alert
      type="warning"
      showIcon
      style={{ marginBottom: 12 }}
      data-testid="rv-reject-effect"
      message={t('risk.rv.rejectEffect', { amount: amountText(s) })}
      description={
        <Flex vertical gap={4}>
          <span>{none ? t('risk.rv.rejectNoAdjustment') : t('risk.rv.rejectAdjustment', { contested: contestedFen === null ? '—' : displayFen(contestedFen) })}</span>
          <Typography.Link onClick={() => navigate('compensation', { view: 'adjustments' })}>{t('risk.rv.whereAdjustments')}</Typography.Link>
        </Flex>
      }
    />
  );
}
