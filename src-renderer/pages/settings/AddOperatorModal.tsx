import { App, Form, Input, Modal, Select } from 'antd';
import { api } from '../../api';
import type { MethodInput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';
import type { Role } from '../../session';

type NewOperator = MethodInput<'operators.create'>;
const ROLES: readonly Role[] = ['operator', 'supervisor', 'finance', 'admin'];

/**
 * Length and character rules are checked by the core, not duplicated here: its answer names the
 * field, and the form shows it under that field.
 */
export function AddOperatorModal({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewOperator>();
  const { submitting, submit } = useModalSubmit({
    form,
    run: (values: NewOperator) => api.operators.create({ ...values, displayName: values.displayName || undefined }),
    onDone: (created) => {
      message.success(t('operators.created', { name: created.name }));
      form.resetFields();
      onCreated();
    },
  });

  const required = [{ required: true, message: t('common.required') }];
  return (
    <Modal
      title={t('operators.add')}
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('operators.create')}
      cancelText={t('common.cancel')}
      confirmLoading={submitting}
      okButtonProps={{ 'data-testid': 'add-operator-submit' }}
      forceRender
      destroyOnHidden={false}
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ role: 'operator' }} data-testid="add-operator-form">
        <Form.Item name="name" label={t('operators.name')} rules={required} extra={t('setup.nameHelp')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="displayName" label={t('operators.displayName')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="role" label={t('operators.role')} rules={required}>
          <Select options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
        </Form.Item>
        <Form.Item name="password" label={t('operators.password')} rules={required} extra={t('setup.passwordHelp')}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
