import { useState } from 'react';
import { Button, Form, Input } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { api } from '../api';
import type { MethodInput } from '../../src-main/contract/types';
import { useI18n } from '../i18n';
import { applyFieldErrors, useReportError } from '../lib/errors';
import type { Operator } from '../session';
import { AuthFrame } from './AuthFrame';

type Credentials = MethodInput<'auth.login'>;

export function LoginScreen({ onSignedIn, initialName }: { onSignedIn(op: Operator): void; initialName?: string }) {
  const { t } = useI18n();
  const report = useReportError();
  const [form] = Form.useForm<Credentials>();
  const [busy, setBusy] = useState(false);

  async function submit(values: Credentials) {
    setBusy(true);
    try {
      const { operator } = await api.auth.login(values);
      onSignedIn(operator);
    } catch (e) {
      applyFieldErrors(form, e);
      report(e);
      setBusy(false);
    }
  }

  const required = [{ required: true, message: t('common.required') }];
  return (
    <AuthFrame title={t('login.title')} subtitle={t('login.subtitle')}>
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} initialValues={{ name: initialName }} data-testid="login-form">
        <Form.Item name="name" label={t('login.name')} rules={required}>
          <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
        </Form.Item>
        <Form.Item name="password" label={t('login.password')} rules={required}>
          <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t('login.submit')}
        </Button>
      </Form>
    </AuthFrame>
  );
}
