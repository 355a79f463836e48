import { useMemo, useRef, useState } from 'react';
import { App as AntApp, Button, Card, DatePicker, Descriptions, Flex, Form, Input, InputNumber, Modal, Popconfirm, Radio, Select, Space, Tabs, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import type { MethodOutput } from '../../../src-main/contract/types';
import { api, useDepotEvents } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { navigate, useHashParam } from '../../lib/route';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { useSession, type Role } from '../../session';
import { ExportButton } from '../../components/ExportButton';
import { OrderDrawer, StateTag } from './OrderDrawer';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { pageOf } from '../../components/listController';
import { StateTag as ToneTag, type Tone } from '../../components/StateTag';
import { ParkedNotice } from './StuckPanel';
import { maskPhone } from '../../lib/phone';

/**
 * Payment orders (支付订单): the counter that sells top-ups and packages with a QR code, the
 * orders with their state, and unmatched payments (长款) for finance to resolve. Shown in the
 * Ledger area; when the ledger's own page arrives it can host this as one of its tabs.
 */

type Order = MethodOutput<'payments.getOrder'>;
type Unmatched = MethodOutput<'payments.unmatched'>[number];
type Channel = 'wechat' | 'alipay';

const FINANCE: readonly Role[] = ['finance', 'supervisor', 'admin'];

function newKey(): string {
  return `counter-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export default function PaymentsPage() {
  const { t } = useI18n();
  const [tab, setTab] = useHashParam('tab', 'counter');
  const [version, setVersion] = useState(0);
  useDepotEvents(['payments.changed'], () => setVersion((v) => v + 1));
  return (
    <Tabs
      data-testid="payments-page"
      activeKey={tab}
      onChange={setTab}
      items={[
        { key: 'counter', label: t('payments.tab.counter'), children: <Counter version={version} /> },
        { key: 'orders', label: t('payments.tab.orders'), children: <Orders version={version} /> },
        { key: 'unmatched', label: t('payments.tab.unmatched'), children: <UnmatchedList version={version} /> },
      ]}
    />
  );
}

interface CounterForm {
  driverId?: string;
  packageId?: string;
  amount: string;
  channel: Channel;
  couponId?: string;
  points: number | null;
}

/**
 * The counter: a driver, a package or a plain amount, a coupon and points, a channel; the order
 * gets its idempotency key when the form is filled, so a second press books it once.
 */
function Counter({ version }: { version: number }) {
  const report = useReportError();
  const [order, setOrder] = useState<Order | null>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());

  const submit = async (f: CounterForm) => {
    if (!f.driverId) return;
    setBusy(true);
    try {
      const o = await api.payments.createOrder({
        driverId: f.driverId,
        packageId: f.packageId,
        amount: f.packageId ? undefined : f.amount,
        couponId: f.couponId,
        points: f.points ?? undefined,
        channel: f.channel,
        key: key.current,
      });
      setOrder(o);
      key.current = newKey();
    } catch (e) {
      report(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Flex gap="middle" wrap>
      <OrderForm version={version} busy={busy} onSubmit={(f) => void submit(f)} />
      {order && <OrderCard key={order.id} order={order} version={version} />}
    </Flex>
  );
}

function OrderForm({ version, busy, onSubmit }: { version: number; busy: boolean; onSubmit(f: CounterForm): void }) {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const [f, setF] = useState<CounterForm>({ amount: '', channel: 'wechat', points: null });
  const set = (patch: Partial<CounterForm>) => setF((x) => ({ ...x, ...patch }));
  const drivers = useQuery(() => api.drivers.list({ search: search || undefined, limit: 20 }), [search]);
  const packages = useQuery(() => api.payments.packages({}), [version]);
  const wallet = useQuery(() => (f.driverId ? api.wallet.show({ driverId: f.driverId }) : Promise.resolve(null)), [f.driverId, version]);
  const coupons = useMemo(() => (wallet.data?.coupons ?? []).filter((c) => c.status === 'active'), [wallet.data]);

  return (
    <Card title={t('payments.counter.title')} style={{ flex: '1 1 420px' }} data-testid="payments-counter">
      <Form layout="vertical">
        <Form.Item label={t('payments.field.driver')} required>
          <Select
            showSearch
            filterOption={false}
            onSearch={setSearch}
            value={f.driverId}
            onChange={(v: string) => set({ driverId: v, couponId: undefined })}
            placeholder={t('payments.field.driverSearch')}
            options={(drivers.data?.drivers ?? []).map((d) => ({ value: d.id, label: `${d.name} · ${d.phone}${d.tags.length ? ` · ${d.tags[0]}` : ''}` }))}
            data-testid="payments-driver"
          />
        </Form.Item>
        <Form.Item label={t('payments.field.package')}>
          <Radio.Group value={f.packageId ?? ''} onChange={(e) => set({ packageId: e.target.value || undefined })}>
            <Radio.Button value="">{t('payments.field.plainAmount')}</Radio.Button>
            {(packages.data ?? []).map((p) => (
              <Radio.Button key={p.id} value={p.id}>
                {p.name} (¥{p.price.yuan} → ¥{p.credited.yuan})
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>
        {!f.packageId && (
          <Form.Item label={t('payments.field.amount')} required>
            <Input value={f.amount} onChange={(e) => set({ amount: e.target.value })} placeholder="200.00" prefix="¥" data-testid="payments-amount" />
          </Form.Item>
        )}
        <Form.Item label={t('payments.field.coupon')}>
          <Select
            allowClear
            value={f.couponId}
            onChange={(v: string | undefined) => set({ couponId: v })}
            options={coupons.map((c) => ({ value: c.couponId, label: `¥${c.remaining.yuan} / ¥${c.face.yuan}` }))}
            placeholder={t('payments.field.noCoupon')}
          />
        </Form.Item>
        <Form.Item label={t('payments.field.points', { balance: wallet.data?.points ?? 0 })}>
          <InputNumber min={1} max={wallet.data?.points || undefined} value={f.points} onChange={(v) => set({ points: v })} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item label={t('payments.field.channel')}>
          <Radio.Group value={f.channel} onChange={(e) => set({ channel: e.target.value as Channel })}>
            <Radio.Button value="wechat">{t('payments.channel.wechat')}</Radio.Button>
            <Radio.Button value="alipay">{t('payments.channel.alipay')}</Radio.Button>
          </Radio.Group>
        </Form.Item>
        <Button type="primary" loading={busy} disabled={!f.driverId || (!f.packageId && !f.amount)} onClick={() => onSubmit(f)} data-testid="payments-create">
          {t('payments.counter.create')}
        </Button>
      </Form>
    </Card>
  );
}

/** The order just created: its QR code, what it costs and credits, and (while unpaid) a simulated payment or a cancel. */
function OrderCard({ order, version }: { order: Order; version: number }) {
  const { t } = useI18n();
  const report = useReportError();
  const { message } = AntApp.useApp();
  const current = useQuery(() => api.payments.getOrder({ orderId: order.id }), [order.id, version]);
  const shown = current.data ?? order;

  const simulatePaid = async () => {
    try {
      const r = await api.payments.confirm({ orderId: shown.id, via: 'notification' });
      message.info(t(`payments.confirm.${r.outcome}` as I18nKey));
      void current.reload();
    } catch (e) {
      report(e);
    }
  };

  const cancel = async () => {
    try {
      await api.payments.cancelOrder({ orderId: shown.id, reason: t('payments.cancelReason') });
      void current.reload();
    } catch (e) {
      report(e);
    }
  };

  return (
    <Card title={t('payments.counter.orderTitle', { number: shown.number })} style={{ flex: '1 1 360px' }} data-testid="payments-order">
      <Flex vertical align="center" gap="small">
        {/* A placeholder for the QR code: the real one encodes codeUrl; the payable is what the driver sees. */}
        <div
          aria-label={t('payments.qr')}
          data-testid="payments-qr"
          style={{
            width: 180,
            height: 180,
            border: '2px dashed #999',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'center',
            textAlign: 'center',
            padding: 8,
            wordBreak: 'break-all',
          }}
        >
          <Typography.Text type="secondary" style={{ fontSize: 11 }}>
            {shown.codeUrl ?? t('payments.noQr')}
          </Typography.Text>
        </div>
        <Typography.Title level={3} style={{ margin: 0 }}>
          ¥{shown.payable.yuan}
        </Typography.Title>
        <StateTag state={shown.state} />
      </Flex>
      <Descriptions size="small" column={1} style={{ marginTop: 12 }}>
        <Descriptions.Item label={t('payments.col.amount')}>¥{shown.amount.yuan}</Descriptions.Item>
        <Descriptions.Item label={t('payments.col.credited')}>¥{shown.credited.yuan}</Descriptions.Item>
        <Descriptions.Item label={t('payments.col.coupon')}>¥{shown.coupon.amount.yuan}</Descriptions.Item>
        <Descriptions.Item label={t('payments.col.points')}>
          {shown.points} (¥{shown.pointsValue.yuan})
        </Descriptions.Item>
        <Descriptions.Item label={t('payments.col.expires')}>{formatTime(shown.expiresAt)}</Descriptions.Item>
        {shown.providerError && <Descriptions.Item label={t('payments.col.gateway')}>{shown.providerError}</Descriptions.Item>}
      </Descriptions>
      {shown.state === 'PENDING_PAYMENT' && <PendingActions order={shown} onPaid={() => void simulatePaid()} onCancel={() => void cancel()} />}
    </Card>
  );
}

/**
 * A pending order's buttons: the simulated payment (only where the order went to the demo
 * gateway: a real one is paid by the driver's phone), and cancelling, confirmed with what it gives back.
 */
function PendingActions({ order, onPaid, onCancel }: { order: Order; onPaid(): void; onCancel(): void }) {
  const { t } = useI18n();
  return (
    <Space>
      {order.provider.startsWith('simulated') && (
        <Button type="primary" onClick={onPaid} data-testid="payments-simulate-paid">
          {t('payments.simulatePaid')}
        </Button>
      )}
      <Popconfirm
        title={t('payments.cancelTitle', { number: order.number })}
        description={t('payments.cancelEffect', { coupon: order.coupon.amount.yuan, points: order.points })}
        okText={t('payments.cancel')}
        cancelText={t('common.cancel')}
        okButtonProps={{ danger: true, 'data-testid': 'payments-cancel-confirm' }}
        onConfirm={onCancel}
      >
        <Button danger data-testid="payments-cancel">
          {t('payments.cancel')}
        </Button>
      </Popconfirm>
    </Space>
  );
}

type OrderFilters = { state?: Order['state']; search?: string; channel?: Channel; dates?: [Dayjs, Dayjs] };

/** The filters as payments.listOrders and the orders export take them (dates as business days). */
function orderQuery(f: OrderFilters) {
  return { state: f.state, search: f.search, channel: f.channel, from: f.dates?.[0].format('YYYY-MM-DD'), to: f.dates?.[1].format('YYYY-MM-DD') };
}

function Orders({ version }: { version: number }) {
  const { t } = useI18n();
  const [open, setOpen] = useState<string | null>(null);
  const list = useList<OrderFilters, Order>(
    {
      id: 'payments.orders',
      defaults: {},
      load: ({ filters, limit, offset }) => api.payments.listOrders({ ...orderQuery(filters), limit, offset }).then((r) => ({ rows: r.orders, total: r.total })),
    },
    [version],
  );
  return (
    <Flex vertical gap="small" data-testid="payments-orders">
      <ParkedNotice version={version} onOpen={setOpen} />
      <DataTable<OrderFilters, Order>
        list={list}
        rowKey="id"
        testId="payments-orders-table"
        columns={useOrderColumns(setOpen)}
        typed={['search']}
        empty={{ none: t('list.empty.orders'), filtered: t('list.empty.orders.filtered') }}
        filters={
          <>
            <Form.Item name="state">
              <Select
                allowClear
                style={{ width: 150 }}
                placeholder={t('payments.col.state')}
                options={(['PENDING_PAYMENT', 'PAID', 'CANCELLED'] as const).map((s) => ({ value: s, label: t(`payments.state.${s}` as I18nKey) }))}
              />
            </Form.Item>
            <Form.Item name="channel">
              <Select
                allowClear
                style={{ width: 130 }}
                placeholder={t('list.filter.channel')}
                data-testid="payments-filter-channel"
                options={(['wechat', 'alipay'] as const).map((c) => ({ value: c, label: t(`payments.channel.${c}`) }))}
              />
            </Form.Item>
            <Form.Item name="dates">
              <DatePicker.RangePicker allowClear style={{ width: 250 }} data-testid="payments-filter-dates" />
            </Form.Item>
            <Form.Item name="search">
              <Input allowClear placeholder={t('payments.searchOrders')} style={{ width: 240 }} />
            </Form.Item>
          </>
        }
        toolbar={<ExportButton list="orders" filter={orderQuery(list.state.filters)} />}
      />
      <OrderDrawer orderId={open} version={version} onClose={() => setOpen(null)} />
    </Flex>
  );
}

function useOrderColumns(onOpen: (orderId: string) => void): DataColumn<Order>[] {
  const { t, maybe } = useI18n();
  return [
    {
      key: 'number',
      title: t('payments.col.number'),
      dataIndex: 'number',
      render: (n: string, o) => (
        <Button type="link" size="small" style={{ padding: 0 }} onClick={() => onOpen(o.id)} data-testid={`payments-order-${n}`}>
          {n}
        </Button>
      ),
    },
    { key: 'driver', title: t('payments.col.driver'), render: (_, o) => `${o.driverName} · ${maskPhone(o.driverPhone)}` },
    { key: 'payable', title: t('payments.col.payable'), align: 'right', render: (_, o) => `¥${o.payable.yuan}` },
    { key: 'credited', title: t('payments.col.credited'), align: 'right', render: (_, o) => `¥${o.credited.yuan}` },
    { key: 'coupon', title: t('payments.col.coupon'), align: 'right', render: (_, o) => (o.coupon.amount.fen ? `¥${o.coupon.amount.yuan}` : '') },
    { key: 'points', title: t('payments.col.points'), align: 'right', render: (_, o) => o.points || '' },
    { key: 'channel', title: t('payments.field.channel'), render: (_, o) => t(`payments.channel.${o.channel}` as I18nKey) },
    { key: 'state', title: t('payments.col.state'), render: (_, o) => <StateTag state={o.state} /> },
    { key: 'created', title: t('payments.col.created'), render: (_, o) => formatTime(o.createdAt) },
    {
      key: 'note',
      title: t('payments.col.note'),
      render: (_, o) => (o.cancelReason ? (maybe(`payments.cancel.${o.cancelReason}`) ?? o.cancelReason) : (o.providerTradeNo ?? '')),
    },
    {
      key: 'refund',
      title: '',
      render: (_, o) =>
        o.state === 'PAID' ? (
          <Button size="small" onClick={() => navigate('compensation', { view: 'adjustments', order: o.id })} data-testid={`payments-refund-${o.number}`}>
            {t('payments.refund')}
          </Button>
        ) : null,
    },
  ];
}

type ResolveValues = { action: 'credit_wallet' | 'refund'; note: string };
const UNMATCHED_STATES = ['open', 'credited', 'refund_requested'] as const;
type UnmatchedFilters = { status?: Unmatched['status'] };
/** An open 长款 is money someone must act on; a resolved one is done (credited) or on its way back. */
const UNMATCHED_TONE: Record<Unmatched['status'], Tone> = { open: 'error', credited: 'success', refund_requested: 'processing' };

function UnmatchedList({ version }: { version: number }) {
  const { t } = useI18n();
  const list = useList<UnmatchedFilters, Unmatched>(
    {
      id: 'payments.unmatched',
      defaults: {},
      // A short list (open 长款 are resolved daily): fetched whole, paged here the same way.
      load: async (q) => pageOf(await api.payments.unmatched({ status: q.filters.status, limit: 500 }), q),
    },
    [version],
  );
  const [resolving, setResolving] = useState<Unmatched | null>(null);
  const [form] = Form.useForm<ResolveValues>();
  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: ResolveValues & { unmatchedId: string }) => api.payments.resolveUnmatched({ unmatchedId: v.unmatchedId, action: v.action, note: v.note }),
    onDone: () => {
      setResolving(null);
      void list.controller.reload();
    },
    fieldErrors: 'ignore',
  });
  const resolve = async () => {
    if (!resolving) return;
    const v = await form.validateFields().catch(() => null); // antd shows what is missing
    if (v) await submit({ ...v, unmatchedId: resolving.id });
  };

  return (
    <>
      <DataTable<UnmatchedFilters, Unmatched>
        list={list}
        rowKey="id"
        testId="payments-unmatched"
        empty={{ none: t('list.empty.unmatched'), filtered: t('list.empty.unmatched.filtered') }}
        filters={
          <Form.Item name="status">
            <Select
              allowClear
              style={{ width: 150 }}
              placeholder={t('payments.col.state')}
              options={UNMATCHED_STATES.map((u) => ({ value: u, label: t(`payments.unmatchedState.${u}`) }))}
            />
          </Form.Item>
        }
        columns={useUnmatchedColumns((u) => (form.resetFields(), setResolving(u)))}
      />
      <Modal
        open={resolving !== null}
        title={t('payments.resolveTitle', { number: resolving?.orderNumber ?? '' })}
        onOk={() => void resolve()}
        confirmLoading={submitting}
        onCancel={() => setResolving(null)}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" initialValues={{ action: 'credit_wallet' }}>
          <Form.Item name="action" label={t('payments.resolveAction')}>
            <Radio.Group>
              <Radio value="credit_wallet">{t('payments.resolve.credit_wallet')}</Radio>
              <Radio value="refund">{t('payments.resolve.refund')}</Radio>
            </Radio.Group>
          </Form.Item>
          <Form.Item name="note" label={t('payments.col.note')} rules={[{ required: true, message: t('payments.noteRequired') }]}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

function useUnmatchedColumns(onResolve: (u: Unmatched) => void): DataColumn<Unmatched>[] {
  const { t } = useI18n();
  const session = useSession();
  return [
    { key: 'number', title: t('payments.col.number'), dataIndex: 'orderNumber' },
    { key: 'trade', title: t('payments.col.trade'), dataIndex: 'providerTradeNo' },
    { key: 'channel', title: t('payments.field.channel'), render: (_, u) => t(`payments.channel.${u.channel}` as I18nKey) },
    { key: 'amount', title: t('payments.col.amount'), align: 'right', render: (_, u) => `¥${u.amount.yuan}` },
    { key: 'reason', title: t('payments.col.reason'), render: (_, u) => t(`payments.reason.${u.reason}` as I18nKey) },
    { key: 'paidAt', title: t('payments.col.paidAt'), render: (_, u) => formatTime(u.paidAt) },
    {
      key: 'state',
      title: t('payments.col.state'),
      render: (_, u) => <ToneTag tone={UNMATCHED_TONE[u.status]}>{t(`payments.unmatchedState.${u.status}` as I18nKey)}</ToneTag>,
    },
    {
      key: 'actions',
      title: '',
      render: (_, u) =>
        u.status === 'open' && session.can(FINANCE) ? (
          <Button size="small" onClick={() => onResolve(u)} data-testid={`payments-resolve-${u.id}`}>
            {t('payments.resolve')}
          </Button>
        ) : (
          (u.resolution ?? '')
        ),
    },
  ];
}
