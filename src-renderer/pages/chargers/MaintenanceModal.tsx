import { useEffect, useState } from 'react';
import { Alert, App, Flex, Input, Modal, Typography } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';
import type { Charger } from './model';

export interface MaintenanceTarget {
  charger: Charger;
  on: boolean;
}

/**
 * Switching a charger into or out of maintenance, confirmed: the dialog says what the switch does
 * (no new sessions start on it; the charger is told when it is online) and, going in, asks why —
 * the reason is shown on the card and kept with the charger for whoever looks next.
 */
export function MaintenanceModal({ target, onClose, onDone }: { target: MaintenanceTarget | null; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [reason, setReason] = useState('');
  useEffect(() => setReason(''), [target]);
  const on = target?.on ?? false;
  const id = target?.charger.id ?? '';
  const { submitting, submit } = useModalSubmit({
    run: () => api.chargers.setMaintenance({ id, maintenance: on, reason: on ? reason.trim() : undefined }),
    onDone: (r) => {
      void message.success(t(on ? 'chargers.maintenanceOn' : 'chargers.maintenanceOff', { id }) + ' · ' + t(`chargers.availability.${r.availability}`));
      onDone();
    },
  });
  return (
    <Modal
      open={target !== null}
      title={t(on ? 'chargers.maintenance.onTitle' : 'chargers.maintenance.offTitle', { id })}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={t(on ? 'chargers.maintenance.onConfirm' : 'chargers.maintenance.offConfirm')}
      okButtonProps={{ danger: on, loading: submitting, disabled: on && !reason.trim(), 'data-testid': 'maintenance-confirm' }}
      destroyOnHidden
    >
      <Flex vertical gap="small">
        <Alert
          type={on ? 'warning' : 'info'}
          showIcon
          message={t(on ? 'chargers.maintenance.onEffect' : 'chargers.maintenance.offEffect', { id })}
          data-testid="maintenance-effect"
        />
        {on && (
          <>
            <Typography.Text>{t('chargers.maintenance.reason')}</Typography.Text>
            <Input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} data-testid="maintenance-reason" />
          </>
        )}
      </Flex>
    </Modal>
  );
}
