import { useEffect, useState } from 'react';
import { Alert, Button, Descriptions, Form, Input, Modal, Radio, Result, Space } from 'antd';
import type { FormInstance } from 'antd';
import { PrinterOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { maskPhone } from '../../lib/phone';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatFen } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { CHANNELS, CHANNEL_LABEL, newKey, type Channel, type TopUpResult } from './model';

interface Values {
  amount: string;
  channel: Channel;
  memo?: string;
}

// Printing shows only the receipt: everything else on the page is hidden for the printer.
const PRINT_CSS = `@media print {
  body * { visibility: hidden !important; }
  .depot-receipt, .depot-receipt * { visibility: visible !important; }
  .depot-receipt { position: fixed; left: 0; top: 0; width: 80mm; padding: 4mm; font-size: 12px; }
}`;

/**
 * The counter top-up. The form gets its idempotency key when it opens, so pressing the button
 * twice, or again after a network hiccup, books the money once; the core answers the second
 * press with the first result, marked as a replay. Amounts are typed in yuan and parsed by the
 * core, which names the field when the text is not an amount.
 */
export function TopUpModal({ open, driver, onClose, onDone }: { open: boolean; driver: { id: string; name: string; phone: string }; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [key, setKey] = useState(() => newKey('topup'));
  const [receipt, setReceipt] = useState<TopUpResult | null>(null);

  useEffect(() => {
    if (open) {
      setKey(newKey('topup'));
      setReceipt(null);
      form.resetFields();
    }
  }, [open, form]);

  const { submitting, submit } = useModalSubmit({
    form,
    run: (values: Values) => api.wallet.topup({ driverId: driver.id, amount: values.amount.trim(), channel: values.channel, memo: values.memo || undefined, key }),
    onDone: (r) => {
      setReceipt(r);
      onDone();
    },
    fieldErrors: 'instead',
  });

  function another() {
    setKey(newKey('topup'));
    setReceipt(null);
    form.resetFields();
  }

  return (
    <Modal
      open={open}
      title={t('ledger.topup.title', { name: driver.name })}
      onCancel={onClose}
      destroyOnHidden
      data-testid="ledger-topup-modal"
      footer={
        receipt ? (
          <ReceiptFooter onAnother={another} />
        ) : (
          <Space>
            <Button onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="primary" loading={submitting} onClick={() => form.submit()} data-testid="ledger-topup-submit">
              {t('ledger.topup.submit')}
            </Button>
          </Space>
        )
      }
    >
      {receipt ? (
        <>
          <Result status="success" title={t('ledger.topup.done', { amount: formatFen(receipt.amount.fen) })} style={{ padding: '8px 0' }} />
          {receipt.replayed && <Alert type="info" showIcon message={t('ledger.topup.replayed')} style={{ marginBottom: 12 }} />}
          <Receipt r={receipt} phone={driver.phone} />
        </>
      ) : (
        <TopUpForm form={form} onFinish={(v) => void submit(v)} />
      )}
    </Modal>
  );
}

function ReceiptFooter({ onAnother }: { onAnother(): void }) {
  const { t } = useI18n();
  return (
    <Space>
      <Button onClick={onAnother}>{t('ledger.topup.another')}</Button>
      <Button icon={<PrinterOutlined />} type="primary" onClick={() => window.print()} data-testid="ledger-receipt-print">
        {t('ledger.receipt.print')}
      </Button>
    </Space>
  );
}

function TopUpForm({ form, onFinish }: { form: FormInstance<Values>; onFinish(values: Values): void }) {
  const { t } = useI18n();
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ channel: 'cash' }}>
      <Form.Item name="amount" label={t('ledger.topup.amount')} extra={t('ledger.topup.amountHint')} rules={[{ required: true, message: t('common.required') }]}>
        <Input inputMode="decimal" prefix="¥" autoFocus data-testid="ledger-topup-amount" />
      </Form.Item>
      <Form.Item name="channel" label={t('ledger.topup.channel')}>
        <Radio.Group optionType="button" options={CHANNELS.map((c) => ({ value: c, label: t(CHANNEL_LABEL[c]) }))} />
      </Form.Item>
      <Form.Item name="memo" label={t('ledger.topup.memo')}>
        <Input maxLength={500} />
      </Form.Item>
    </Form>
  );
}

function Receipt({ r, phone }: { r: TopUpResult; phone: string }) {
  const { t } = useI18n();
  return (
    <div className="depot-receipt" data-testid="ledger-receipt">
      <style>{PRINT_CSS}</style>
      <Descriptions
        size="small"
        column={1}
        bordered
        title={`${t('ledger.receipt.depot')} · ${t('ledger.receipt.title')}`}
        items={[
          { key: 'driver', label: t('ledger.receipt.driver'), children: `${r.driverName} (${maskPhone(phone)})` },
          { key: 'amount', label: t('ledger.receipt.amount'), children: formatFen(r.amount.fen) },
          { key: 'channel', label: t('ledger.receipt.channel'), children: t(CHANNEL_LABEL[r.channel]) },
          ...(r.collectedTotal.fen > 0
            ? [
                { key: 'collected', label: t('ledger.receipt.collected'), children: formatFen(r.collectedTotal.fen) },
                { key: 'credited', label: t('ledger.receipt.credited'), children: formatFen(r.credited.fen) },
              ]
            : []),
          { key: 'balance', label: t('ledger.receipt.balance'), children: formatFen(r.wallet.balance.fen) },
          { key: 'available', label: t('ledger.receipt.available'), children: formatFen(r.wallet.available.fen) },
          { key: 'time', label: t('ledger.receipt.time'), children: formatTime(r.at) },
          { key: 'number', label: t('ledger.receipt.number'), children: r.key },
          { key: 'batch', label: t('ledger.receipt.batch'), children: String(r.batch ?? '') },
          { key: 'operator', label: t('ledger.receipt.operator'), children: r.operator ?? '' },
        ]}
      />
    </div>
  );
}
