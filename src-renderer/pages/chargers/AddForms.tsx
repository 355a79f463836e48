import { useEffect } from 'react';
import { App, Form, Input, InputNumber, Modal, Select } from 'antd';
import { api } from '../../api';
import type { MethodInput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';
import type { Station } from './model';

type NewStation = MethodInput<'stations.add'>;
type NewCharger = MethodInput<'chargers.add'>;

/** Add a station. Name rules (unique, length) are the core's; its answer lands under the field. */
export function AddStationModal({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewStation>();
  const { submitting, submit } = useModalSubmit({
    form,
    run: (values: NewStation) => api.stations.add({ name: values.name, address: values.address || undefined }),
    onDone: (s) => {
      void message.success(t('chargers.stationAdded', { name: s.name }));
      form.resetFields();
      onCreated();
    },
  });

  return (
    <Modal
      title={t('chargers.addStation')}
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('chargers.add')}
      cancelText={t('common.cancel')}
      confirmLoading={submitting}
      okButtonProps={{ 'data-testid': 'add-station-submit' }}
      forceRender
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="add-station-form">
        <Form.Item name="name" label={t('chargers.stationName')} rules={[{ required: true, message: t('common.required') }]}>
          <Input autoComplete="off" maxLength={60} />
        </Form.Item>
        <Form.Item name="address" label={t('chargers.stationAddress')}>
          <Input autoComplete="off" maxLength={200} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/**
 * Register a charger: its OCPP id (what it puts in its MQTT topics), its station, how many
 * connectors it has, and the MQTT password it will log in with.
 */
export function AddChargerModal({
  open,
  stations,
  defaultStation,
  onClose,
  onCreated,
}: {
  open: boolean;
  stations: readonly Station[];
  defaultStation?: string;
  onClose(): void;
  onCreated(): void;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewCharger>();
  // The modal is rendered before the stations load; a single station is picked for the operator on opening.
  useEffect(() => {
    if (open && defaultStation && !form.getFieldValue('station')) form.setFieldValue('station', defaultStation);
  }, [open, defaultStation, form]);

  const { submitting, submit } = useModalSubmit({
    form,
    run: (values: NewCharger) => api.chargers.add(values),
    onDone: (c) => {
      void message.success(t('chargers.chargerAdded', { id: c.id }));
      form.resetFields();
      onCreated();
    },
  });

  const required = [{ required: true, message: t('common.required') }];
  return (
    <Modal
      title={t('chargers.addCharger')}
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('chargers.add')}
      cancelText={t('common.cancel')}
      confirmLoading={submitting}
      okButtonProps={{ 'data-testid': 'add-charger-submit' }}
      forceRender
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ connectors: 2 }} data-testid="add-charger-form">
        <Form.Item name="id" label={t('chargers.chargerId')} rules={required} extra={t('chargers.chargerIdHelp')}>
          <Input autoComplete="off" maxLength={48} style={{ fontFamily: 'monospace' }} />
        </Form.Item>
        <Form.Item name="station" label={t('chargers.station')} rules={required}>
          <Select data-testid="add-charger-station" options={stations.map((s) => ({ value: s.id, label: s.name }))} notFoundContent={t('chargers.noStations')} />
        </Form.Item>
        <Form.Item name="connectors" label={t('chargers.connectorCount')} rules={required}>
          <InputNumber min={1} max={32} precision={0} style={{ width: 120 }} />
        </Form.Item>
        <Form.Item name="password" label={t('chargers.password')} rules={required} extra={t('chargers.passwordHelp')}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
