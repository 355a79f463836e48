import { useState } from 'react';
import { App as AntApp, Alert, Flex, Input, Modal, Typography } from 'antd';
import { api } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { wordError } from '../../lib/errors';
import { displayFen } from '../../lib/format';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { useSession } from '../../session';
import { DriverSelect } from '../sessions/DriverSelect';
import { actionAmountFen, kindKey, type Break, type BreakAction } from './model';

/** Resolutions that need a note from whoever acts; approving a write-off may leave it out. */
const NOTE_REQUIRED: Record<BreakAction, boolean> = { credit: true, refund: true, explain: true, requestWriteOff: true, approve: false, reject: true };

function callFor(b: Break, action: BreakAction, note: string, driverId: string | undefined): Promise<unknown> {
  const breakId = b.id;
  switch (action) {
    case 'credit':
      return api.recon.resolve({ breakId, action: 'credit', note, driverId });
    case 'refund':
    case 'explain':
      return api.recon.resolve({ breakId, action, note });
    case 'requestWriteOff':
      return api.recon.requestWriteOff({ breakId, note });
    case 'approve':
      return api.recon.approveWriteOff({ breakId, note: note || undefined });
    case 'reject':
      return api.recon.rejectWriteOff({ breakId, note });
  }
}

/**
 * The confirmation of one action on a break: the amount and what will happen to whose money, a
 * note, for a 补单 of an order we do not know the driver to credit, and the core's refusal shown
 * in place (a write-off approved by the person who asked for it, a break someone else closed).
 */
export function ActionModal({ b, action, onClose, onDone }: { b: Break; action: BreakAction; onClose(): void; onDone(): void }) {
  const { t, maybe } = useI18n();
  const { message } = AntApp.useApp();
  const session = useSession();
  const [note, setNote] = useState('');
  const [driverId, setDriverId] = useState<string | undefined>(undefined);
  const [refusal, setRefusal] = useState<string | null>(null);
  const fen = actionAmountFen(b, action);
  const amount = fen === null ? '' : displayFen(fen);
  const own = action === 'approve' && b.requestedBy?.id === session.operator.id;
  const { submitting, submit } = useModalSubmit({
    run: () => callFor(b, action, note.trim(), driverId),
    onDone: () => {
      message.success(t(`recon.action.${action}.done` as I18nKey, { amount }));
      onClose();
      onDone();
    },
    onError: (e) => {
      setRefusal(wordError({ t, maybe }, e).detail);
      return true;
    },
  });
  const params = { amount, order: b.orderNumber ?? '—', kind: t(kindKey(b.kind)), requester: b.requestedBy?.name ?? '—', reason: b.note ?? '' };
  return (
    <Modal
      open
      title={t(`recon.action.${action}.title` as I18nKey, params)}
      okText={t(`recon.action.${action}` as I18nKey)}
      okButtonProps={{ loading: submitting, disabled: NOTE_REQUIRED[action] && !note.trim(), danger: action === 'reject', 'data-testid': 'recon-action-ok' }}
      onOk={() => void submit()}
      onCancel={onClose}
      cancelText={t('common.cancel')}
      destroyOnHidden
    >
      <Flex vertical gap="small" data-testid="recon-action-modal">
        <Alert type={fen === null ? 'info' : 'warning'} showIcon message={t(`recon.action.${action}.effect` as I18nKey, params)} data-testid="recon-action-effect" />
        {action === 'approve' && <Alert type="info" message={t('recon.approve.asked', params)} data-testid="recon-approve-asked" />}
        {own && <Alert type="warning" showIcon message={t('recon.approve.own')} />}
        {action === 'credit' && b.orderId === null && (
          <div>
            <Typography.Text>{t('recon.credit.driver')}</Typography.Text>
            <DriverSelect value={driverId} onChange={setDriverId} allowClear testId="recon-credit-driver" style={{ width: '100%' }} />
          </div>
        )}
        <Typography.Text>{t(NOTE_REQUIRED[action] ? 'recon.note.required' : 'recon.note.optional')}</Typography.Text>
        <Input.TextArea rows={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} data-testid="recon-action-note" />
        {refusal && <Alert type="error" showIcon message={t('recon.action.refused')} description={refusal} data-testid="recon-action-error" />}
      </Flex>
    </Modal>
  );
}
