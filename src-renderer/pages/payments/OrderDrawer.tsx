import { Alert, Descriptions, Drawer, Flex, Table, Tag, Typography } from 'antd';
import type { MethodOutput } from '../../../src-main/contract/types';
import { api } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { accountLabel, phaseLabel, transferCodeLabel } from '../../lib/accounts';
import { displayFen } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';

type Detail = MethodOutput<'payments.orderDetail'>;
type Transfer = Detail['transfers'][number];

const STATE_COLOR: Record<Detail['order']['state'], string> = { PENDING_PAYMENT: 'gold', PAID: 'green', CANCELLED: 'default' };
const time = (at: number | null) => (at === null ? '—' : formatTime(at));

/**
 * One payment order in full: what it cost and credited, the coupon and points it took (and, when
 * cancelled, gave back), and the ledger transfers that moved them. Opened from the order number in
 * 支付订单; `version` reloads it when a push event says payments changed.
 */
export function OrderDrawer({ orderId, version, onClose }: { orderId: string | null; version: number; onClose(): void }) {
  const { t } = useI18n();
  const detail = useQuery(() => (orderId ? api.payments.orderDetail({ orderId }) : Promise.resolve(null)), [orderId, version]);
  const d = orderId && detail.data?.order.id === orderId ? detail.data : null;
  return (
    <Drawer
      open={orderId !== null}
      onClose={onClose}
      width={720}
      title={d ? t('payments.detail.title', { number: d.order.number }) : t('payments.detail.open')}
      loading={!d && detail.loading}
      data-testid="payments-order-drawer"
    >
      {d && (
        <Flex vertical gap="large">
          <OrderFacts order={d.order} />
          <section>
            <Typography.Title level={5}>{t('payments.detail.transfers')}</Typography.Title>
            <OrderTransfers transfers={d.transfers} />
          </section>
          <Alert type="info" showIcon message={t('payments.detail.refundsHint')} />
        </Flex>
      )}
    </Drawer>
  );
}

function OrderFacts({ order: o }: { order: Detail['order'] }) {
  const { t, maybe } = useI18n();
  const couponStatus = o.coupon.status ? (maybe(`payments.detail.couponStatus.${o.coupon.status}`) ?? o.coupon.status) : null;
  return (
    <Descriptions size="small" column={2} bordered data-testid="payments-order-facts">
      <Descriptions.Item label={t('payments.col.state')}>
        <Tag color={STATE_COLOR[o.state]}>{t(`payments.state.${o.state}` as I18nKey)}</Tag>
      </Descriptions.Item>
      <Descriptions.Item label={t('payments.col.driver')}>{`${o.driverName} · ${o.driverPhone}`}</Descriptions.Item>
      <Descriptions.Item label={t('payments.col.amount')}>¥{o.amount.yuan}</Descriptions.Item>
      <Descriptions.Item label={t('payments.col.credited')}>¥{o.credited.yuan}</Descriptions.Item>
      <Descriptions.Item label={t('payments.col.coupon')}>
        {o.coupon.amount.fen ? (
          <span data-testid="payments-order-coupon">
            ¥{o.coupon.amount.yuan} {couponStatus && <Tag>{couponStatus}</Tag>}
          </span>
        ) : (
          '—'
        )}
      </Descriptions.Item>
      <Descriptions.Item label={t('payments.col.points')}>
        {o.points ? t('payments.detail.pointsValue', { n: o.points, yuan: o.pointsValue.yuan }) : '—'}
      </Descriptions.Item>
      <Descriptions.Item label={t('payments.col.payable')}>¥{o.payable.yuan}</Descriptions.Item>
      <Descriptions.Item label={t('payments.detail.provider')}>{t(`payments.channel.${o.channel}` as I18nKey)}</Descriptions.Item>
      <Descriptions.Item label={t('payments.col.created')}>{time(o.createdAt)}</Descriptions.Item>
      <Descriptions.Item label={o.state === 'CANCELLED' ? t('payments.state.CANCELLED') : t('payments.col.paidAt')}>
        {o.state === 'CANCELLED' ? time(o.cancelledAt) : time(o.paidAt)}
      </Descriptions.Item>
      {o.providerTradeNo && (
        <Descriptions.Item label={t('payments.col.trade')} span={2}>
          <Typography.Text copyable>{o.providerTradeNo}</Typography.Text>
        </Descriptions.Item>
      )}
      {o.providerError && (
        <Descriptions.Item label={t('payments.detail.error')} span={2}>
          {o.providerError}
        </Descriptions.Item>
      )}
    </Descriptions>
  );
}

function OrderTransfers({ transfers }: { transfers: Transfer[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <Table<Transfer>
      size="small"
      rowKey="id"
      pagination={false}
      data-testid="payments-order-transfers"
      dataSource={transfers}
      locale={{ emptyText: t('payments.detail.noTransfers') }}
      columns={[
        { title: t('sessions.transfer.at'), dataIndex: 'createdAt', width: 150, render: (at: number) => formatTime(at) },
        { title: t('sessions.transfer.code'), dataIndex: 'code', render: (c: string) => transferCodeLabel(c, i18n) },
        { title: t('sessions.transfer.phase'), dataIndex: 'phase', width: 70, render: (p: string) => phaseLabel(p, i18n) },
        {
          title: t('sessions.transfer.accounts'),
          key: 'accounts',
          render: (_, r) => (
            <Typography.Text type="secondary" title={`${r.debitAccountId} → ${r.creditAccountId}`}>
              {accountLabel(r.debitAccountId, i18n)} → {accountLabel(r.creditAccountId, i18n)}
            </Typography.Text>
          ),
        },
        {
          title: t('sessions.transfer.amount'),
          key: 'amount',
          align: 'right',
          width: 110,
          render: (_, r) => (r.unit === 'points' ? t('comp.pointsValue', { n: r.amount }) : displayFen(r.amount)),
        },
      ]}
    />
  );
}
