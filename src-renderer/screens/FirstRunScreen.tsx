import { useState } from 'react';
import { App, Button, Form, Input } from 'antd';
import { api } from '../api';
import { useI18n } from '../i18n';
import { applyFieldErrors, useReportError } from '../lib/errors';
import type { Operator } from '../session';
import { AuthFrame } from './AuthFrame';

interface AdminForm {
  name: string;
  displayName?: string;
  password: string;
  confirm: string;
}

/**
 * First run: the depot has no operator yet. Creates the admin through setup.createAdmin (the
 * core refuses it once anyone exists) and signs them straight in.
 */
export function FirstRunScreen({ onSignedIn }: { onSignedIn(op: Operator): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const [form] = Form.useForm<AdminForm>();
  const [busy, setBusy] = useState(false);

  async function submit(values: AdminForm) {
    setBusy(true);
    try {
      const admin = await api.setup.createAdmin({
        name: values.name,
        displayName: values.displayName || undefined,
        password: values.password,
      });
      message.success(t('setup.done', { name: admin.name }));
      const { operator } = await api.auth.login({ name: values.name, password: values.password });
      onSignedIn(operator);
    } catch (e) {
      applyFieldErrors(form, e);
      report(e);
      setBusy(false);
    }
  }

  const required = { required: true, message: t('common.required') };
  return (
    <AuthFrame title={t('setup.title')} subtitle={t('setup.subtitle')}>
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="setup-form">
        <Form.Item name="name" label={t('setup.name')} rules={[required]} extra={t('setup.nameHelp')}>
          <Input autoComplete="username" autoFocus />
        </Form.Item>
        <Form.Item name="displayName" label={t('setup.displayName')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="password" label={t('setup.password')} rules={[required]} extra={t('setup.passwordHelp')}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('setup.confirm')}
          dependencies={['password']}
          rules={[
            required,
            ({ getFieldValue }) => ({
              validator: (_, value) => (!value || value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('setup.mismatch')))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t('setup.submit')}
        </Button>
      </Form>
    </AuthFrame>
  );
}
