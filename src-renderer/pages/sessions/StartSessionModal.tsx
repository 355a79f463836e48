import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Form, Input, Modal, Select } from 'antd';
import { api, isApiError } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError, wordError } from '../../lib/errors';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { connectorStartable, type Charger } from '../chargers/model';
import { DriverSelect } from './DriverSelect';

export interface StartTarget {
  chargerId?: string;
  connectorId?: number;
}
interface Values {
  driver: string;
  chargerId: string;
  connectorId: number;
  prepay: string;
}

const YUAN = /^\d{1,7}(\.\d{1,2})?$/;
const REFUSAL_CODES = new Set(['refused', 'insufficient_funds', 'not_found']);

/** Why the core refused, in the operator's words; the core's own sentence stays as the detail. */
function refusalKey(e: unknown): string | null {
  if (!isApiError(e)) return null;
  const reason = (e.details as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? `sessions.refusal.${reason}` : null;
}

function canStartOn(c: Charger): boolean {
  return c.connectors.length === 0 ? c.online && !c.maintenance : c.connectors.some((k) => connectorStartable(c, k));
}

/** The connectors a session can start on; one that has not reported its connectors yet offers them all, the core checks. */
function freeConnectors(charger: Charger | undefined): number[] {
  if (!charger) return [];
  if (charger.connectors.length === 0) return Array.from({ length: charger.connectorCount }, (_, i) => i + 1);
  return charger.connectors.filter((k) => connectorStartable(charger, k)).map((k) => k.connectorId);
}

/**
 * A walk-in driver's session: find the driver by phone or card, pick a charger and one of its
 * free connectors, hold the prepay. A refusal (open debt, maintenance, offline, busy connector,
 * not enough in the wallet) stays in the form with its reason, so the operator can tell the driver.
 */
export function StartSessionModal({ target, onClose, onStarted }: { target: StartTarget | null; onClose(): void; onStarted(sessionId: string): void }) {
  const { t, maybe } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const [form] = Form.useForm<Values>();
  const [chargers, setChargers] = useState<Charger[]>([]);
  const [refusal, setRefusal] = useState<{ title: string; detail: string } | null>(null);
  const open = target !== null;
  const chargerId = Form.useWatch('chargerId', form);

  useEffect(() => {
    if (!open) return;
    setRefusal(null);
    form.resetFields();
    form.setFieldsValue({ chargerId: target.chargerId, connectorId: target.connectorId });
    api.chargers.list({}).then(setChargers, report);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- each opening starts from the charger that was clicked
  }, [open, target?.chargerId, target?.connectorId]);

  const startable = useMemo(() => chargers.filter(canStartOn), [chargers]);
  const charger = chargers.find((c) => c.id === chargerId);
  const connectorOptions = useMemo(() => freeConnectors(charger).map((n) => ({ value: n, label: t('chargers.connectorN', { n }) })), [charger, t]);

  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: Values) => {
      setRefusal(null);
      return api.sessions.start({ chargerId: v.chargerId, connectorId: v.connectorId, driver: v.driver, prepay: v.prepay });
    },
    onDone: (s) => {
      void message.success(t('sessions.started', { charger: s.chargerId, n: s.connectorId }));
      onStarted(s.id);
    },
    // A refusal stays in the form with its reason, for the operator to tell the driver.
    onError: (e) => {
      const key = refusalKey(e);
      if (!key && !(isApiError(e) && REFUSAL_CODES.has(e.code))) return false;
      const worded = wordError({ t, maybe }, e);
      setRefusal({ title: (key && maybe(key)) ?? worded.title, detail: worded.detail });
      return true;
    },
    fieldErrors: 'instead',
  });

  const required = [{ required: true, message: t('common.required') }];
  return (
    <Modal
      title={t('sessions.startTitle')}
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('sessions.startSubmit')}
      cancelText={t('common.cancel')}
      confirmLoading={submitting}
      okButtonProps={{ 'data-testid': 'start-session-submit' }}
      forceRender
      data-testid="start-session"
    >
      {refusal && <Alert type="error" showIcon style={{ marginBottom: 16 }} message={refusal.title} description={refusal.detail} data-testid="start-refusal" />}
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="start-session-form">
        <Form.Item name="driver" label={t('sessions.driver')} rules={required} extra={t('sessions.driverHelp')}>
          <DriverSelect testId="start-driver" />
        </Form.Item>
        <Form.Item name="chargerId" label={t('sessions.charger')} rules={required}>
          <Select
            data-testid="start-charger"
            showSearch
            onChange={() => form.setFieldValue('connectorId', undefined)}
            notFoundContent={t('sessions.noStartableCharger')}
            options={startable.map((c) => ({ value: c.id, label: `${c.id}${c.stationName ? ` · ${c.stationName}` : ''}` }))}
          />
        </Form.Item>
        <Form.Item name="connectorId" label={t('sessions.connector')} rules={required}>
          <Select data-testid="start-connector" options={connectorOptions} notFoundContent={t('sessions.noFreeConnector')} />
        </Form.Item>
        <Form.Item name="prepay" label={t('sessions.prepay')} rules={[...required, { pattern: YUAN, message: t('sessions.prepayFormat') }]}>
          <Input prefix="¥" autoComplete="off" inputMode="decimal" style={{ width: 200 }} data-testid="start-prepay" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
