import { App, Form, Input, Modal, Select } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';

interface Values {
  name: string;
  phone: string;
  tags?: string[];
  vins?: string[];
  note?: string;
}

/** Registers a driver; the core checks the phone, cards and VINs and names the field at fault. */
export function AddDriverModal({ open, onClose, onAdded }: { open: boolean; onClose(): void; onAdded(id: string): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const { submitting, submit } = useModalSubmit({
    form,
    run: (values: Values) => api.drivers.add({ ...values, note: values.note || undefined }),
    onDone: (d) => {
      message.success(t('ledger.addDriver.done', { name: d.name }));
      form.resetFields();
      onAdded(d.id);
    },
    // The offending field gets the message; anything else is reported.
    fieldErrors: 'instead',
  });

  return (
    <Modal
      open={open}
      title={t('ledger.addDriver.title')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={submitting}
      destroyOnHidden
      data-testid="ledger-add-driver-modal"
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ tags: [], vins: [] }}>
        <Form.Item name="name" label={t('ledger.addDriver.name')} rules={[{ required: true, message: t('common.required') }]}>
          <Input maxLength={60} data-testid="ledger-driver-name" />
        </Form.Item>
        <Form.Item name="phone" label={t('ledger.addDriver.phone')} rules={[{ required: true, message: t('common.required') }]}>
          <Input maxLength={30} inputMode="tel" data-testid="ledger-driver-phone" />
        </Form.Item>
        <Form.Item name="tags" label={t('ledger.addDriver.tags')}>
          <Select mode="tags" open={false} tokenSeparators={[',', ' ']} data-testid="ledger-driver-tags" />
        </Form.Item>
        <Form.Item name="vins" label={t('ledger.addDriver.vins')}>
          <Select mode="tags" open={false} tokenSeparators={[',', ' ']} />
        </Form.Item>
        <Form.Item name="note" label={t('ledger.addDriver.note')}>
          <Input.TextArea maxLength={500} autoSize={{ minRows: 1, maxRows: 3 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
