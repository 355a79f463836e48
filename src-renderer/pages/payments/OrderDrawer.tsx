import { Alert, Descriptions, Drawer, Flex, Tag, Typography } from 'antd';
import type { MethodOutput } from '../../../src-main/contract/types';
import { api } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { TransfersTable } from '../../components/TransfersTable';
import { StateTag as ToneTag, type Tone } from '../../components/StateTag';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { StuckPanel } from './StuckPanel';
import { maskPhone } from '../../lib/phone';

type Detail = MethodOutput<'payments.orderDetail'>;

const STATE_TONE: Record<Detail['order']['state'], Tone> = { PENDING_PAYMENT: 'processing', PAID: 'success', CANCELLED: 'default' };

/** An order's state as a coloured tag (the list and the drawer). */
export function StateTag({ state }: { state: Detail['order']['state'] }) {
  const { t } = useI18n();
  return <ToneTag tone={STATE_TONE[state]}>{t(`payments.state.${state}` as I18nKey)}</ToneTag>;
}
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
          {d.stuck && <StuckPanel order={d.order} stuck={d.stuck} onRepaired={() => void detail.reload()} />}
          <section>
            <Typography.Title level={5}>{t('payments.detail.transfers')}</Typography.Title>
            <TransfersTable transfers={d.transfers} empty={t('payments.detail.noTransfers')} testId="payments-order-transfers" />
          </section>
          <Alert type="info" showIcon message={t('payments.detail.refundsHint')} />
        </Flex>
      )}
    </Drawer>
  );
}

/** The order's facts; the driver's phone masked (138****5678) for everyone — the whole number is on the driver's page, for a supervisor who asks for it. */
export function OrderFacts({ order: o }: { order: Detail['order'] }) {
  const { t, maybe } = useI18n();
  const couponStatus = o.coupon.status ? (maybe(`payments.detail.couponStatus.${o.coupon.status}`) ?? o.coupon.status) : null;
  return (
    <Descriptions size="small" column={2} bordered data-testid="payments-order-facts">
      <Descriptions.Item label={t('payments.col.state')}>
        <StateTag state={o.state} />
      </Descriptions.Item>
      <Descriptions.Item label={t('payments.col.driver')}>{`${o.driverName} · ${maskPhone(o.driverPhone)}`}</Descriptions.Item>
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
