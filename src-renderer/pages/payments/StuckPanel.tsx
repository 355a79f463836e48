import { useState } from 'react';
import { Alert, App, Button, Descriptions, Flex, Input, Modal, Radio, Space, Typography } from 'antd';
import type { MethodOutput } from '../../../src-main/contract/types';
import { api } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';

/**
 * Orders whose cancel the timeout job could not commit (src-main/payments/stuck.ts): in the order
 * drawer, what was refused and how often, and — once the order is parked — the supervisor's
 * repair: restore from the ledger, or mark resolved, with a note. The list above the orders names
 * every parked order so nobody has to find them by hand.
 */

type Detail = MethodOutput<'payments.orderDetail'>;
type Stuck = NonNullable<Detail['stuck']>;
type Action = 'restore_from_ledger' | 'mark_resolved';

/** Above the order list: each parked order, a click opening its drawer. */
export function ParkedNotice({ version, onOpen }: { version: number; onOpen(orderId: string): void }) {
  const { t } = useI18n();
  const parked = useQuery(() => api.payments.parkedOrders({}), [version]);
  const items = parked.data ?? [];
  if (items.length === 0) return null;
  return (
    <Alert
      type="error"
      showIcon
      data-testid="payments-parked"
      message={t('payments.stuck.listTitle', { n: items.length })}
      description={
        <Space wrap>
          {items.map((p) => (
            <Button key={p.orderId} size="small" danger onClick={() => onOpen(p.orderId)} data-testid={`payments-parked-${p.number}`}>
              {p.number}
            </Button>
          ))}
        </Space>
      }
    />
  );
}

/** In the drawer: the refused cancels, and the repair once parked (or what the repair chose). */
export function StuckPanel({ order, stuck, onRepaired }: { order: Detail['order']; stuck: Stuck; onRepaired(): void }) {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  const [repairing, setRepairing] = useState(false);
  const parked = stuck.parkedAt !== null && stuck.repairedAt === null;
  const type = stuck.repairedAt !== null ? 'success' : parked ? 'error' : 'warning';
  const title = stuck.repairedAt !== null ? 'payments.stuck.repaired' : parked ? 'payments.stuck.parked' : 'payments.stuck.refused';
  return (
    <section data-testid="payments-order-stuck">
      <Alert
        type={type}
        showIcon
        message={t(title, { n: stuck.attempts })}
        description={
          <Flex vertical gap="small">
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('payments.stuck.firstFailed')}>{formatTime(stuck.firstFailedAt)}</Descriptions.Item>
              <Descriptions.Item label={t('payments.stuck.lastFailed')}>{formatTime(stuck.lastFailedAt)}</Descriptions.Item>
              <Descriptions.Item label={t('payments.stuck.lastError')}>
                <Flex vertical>
                  <Typography.Text strong>{maybe(`payments.stuck.code.${stuck.lastErrorCode}`) ?? stuck.lastErrorCode}</Typography.Text>
                  {/* The core's own words: what a maintainer needs, not translated. */}
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {stuck.lastError}
                  </Typography.Text>
                </Flex>
              </Descriptions.Item>
              {stuck.parkedAt !== null && <Descriptions.Item label={t('payments.stuck.parkedAt')}>{formatTime(stuck.parkedAt)}</Descriptions.Item>}
              {stuck.repairedAt !== null && (
                <Descriptions.Item label={t('payments.stuck.repairedBy')}>
                  {`${stuck.repairedBy ?? ''} · ${formatTime(stuck.repairedAt)} · ${maybe(`payments.stuck.action.${stuck.repairAction}`) ?? stuck.repairAction} · ${stuck.repairNote ?? ''}`}
                </Descriptions.Item>
              )}
            </Descriptions>
            {parked && !can(SUPERVISORS) && <Typography.Text type="secondary">{t('payments.stuck.supervisorOnly')}</Typography.Text>}
            {parked && can(SUPERVISORS) && (
              <Button type="primary" danger style={{ alignSelf: 'flex-start' }} onClick={() => setRepairing(true)} data-testid="payments-repair">
                {t('payments.stuck.repair')}
              </Button>
            )}
          </Flex>
        }
      />
      <RepairModal
        open={repairing}
        order={order}
        onClose={() => setRepairing(false)}
        onDone={() => {
          setRepairing(false);
          onRepaired();
        }}
      />
    </section>
  );
}

function RepairModal({ open, order, onClose, onDone }: { open: boolean; order: Detail['order']; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [action, setAction] = useState<Action>('restore_from_ledger');
  const [note, setNote] = useState('');
  const { submitting, submit } = useModalSubmit({
    run: () => api.payments.repairStuckOrder({ orderId: order.id, action, note: note.trim() }),
    onDone: (r) => {
      void message.success(t('payments.stuck.done', { number: r.number, coupon: r.restoredCoupon.yuan, points: r.restoredPoints }));
      setNote('');
      onDone();
    },
  });
  return (
    <Modal
      open={open}
      title={t('payments.stuck.repairTitle', { number: order.number })}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={t('payments.stuck.repairConfirm')}
      okButtonProps={{ danger: true, loading: submitting, disabled: note.trim().length < 4, 'data-testid': 'payments-repair-submit' }}
      cancelText={t('common.cancel')}
      destroyOnHidden
    >
      <Flex vertical gap="middle">
        <Radio.Group value={action} onChange={(e) => setAction(e.target.value as Action)} data-testid="payments-repair-action">
          <Flex vertical gap="small">
            {(['restore_from_ledger', 'mark_resolved'] as const).map((a) => (
              <Radio key={a} value={a} data-testid={`payments-repair-${a}`}>
                <Typography.Text strong>{t(`payments.stuck.action.${a}` as I18nKey)}</Typography.Text>
                <br />
                <Typography.Text type="secondary">
                  {t(`payments.stuck.explain.${a}` as I18nKey, { coupon: order.coupon.amount.yuan, points: order.points })}
                </Typography.Text>
              </Radio>
            ))}
          </Flex>
        </Radio.Group>
        <Typography.Text>{t('payments.stuck.note')}</Typography.Text>
        <Input.TextArea rows={3} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} data-testid="payments-repair-note" />
      </Flex>
    </Modal>
  );
}
