import { useState } from 'react';
import { App, Alert, Button, Card, Descriptions, Flex, Form, Input, Popconfirm, Radio, Space, Tag, Typography } from 'antd';
import { ApiOutlined, DeleteOutlined, EditOutlined, SaveOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { ADMINS, useSession } from '../../session';
import { fieldsFor, initialValues, saveInput, type ChannelView, type FormValues, type PlatformKind } from './paymentChannels';

/**
 * Settings → 支付渠道: one card per payment channel with the gateway behind it, what is stored
 * (the summary: merchant id, serials, key fingerprints — never a key), whether the gateway
 * answered lately and the last connection test. An admin enters the credentials, saves and
 * presses 测试连接; everyone else reads. Secrets are never shown or pre-filled.
 */
export default function PaymentChannelsTab() {
  const { t } = useI18n();
  const { can } = useSession();
  const channels = useQuery(() => api.payments.channels({}));
  useDepotEvents(['payments.channel'], () => void channels.reload());
  const admin = can(ADMINS);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="payment-channels-tab">
      <Typography.Text type="secondary">{t('payments.channels.hint')}</Typography.Text>
      {!admin && <Alert type="info" showIcon message={t('payments.channels.readOnly')} data-testid="payment-channels-readonly" />}
      {(channels.data ?? []).map((c) => (
        <ChannelCard key={c.channel} view={c} admin={admin} onChanged={() => void channels.reload()} />
      ))}
    </Space>
  );
}

function HealthTag({ view }: { view: ChannelView }) {
  const { t } = useI18n();
  if (view.provider === 'simulated') return <Tag data-testid="channel-state">{t('payments.channels.simulated')}</Tag>;
  if (!view.health) return <Tag data-testid="channel-state">{t('payments.channels.unknown')}</Tag>;
  return view.health.online ? (
    <Tag color="green" data-testid="channel-state">
      {t('payments.channels.online')}
    </Tag>
  ) : (
    <Tag color="red" data-testid="channel-state">
      {t('payments.channels.offline')}
    </Tag>
  );
}

function ChannelCard({ view, admin, onChanged }: { view: ChannelView; admin: boolean; onChanged(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const cr = view.credentials;

  async function run(what: () => Promise<unknown>, done: string) {
    setBusy(true);
    try {
      await what();
      void message.success(done);
      onChanged();
    } catch (e) {
      report(e);
    } finally {
      setBusy(false);
    }
  }

  const actions = admin && (
    <Space>
      <Button icon={<EditOutlined />} onClick={() => setEditing((e) => !e)} data-testid="credentials-edit">
        {t(cr ? 'payments.channels.edit' : 'payments.channels.enter')}
      </Button>
      {cr && (
        <Button
          icon={<ApiOutlined />}
          loading={busy}
          data-testid="credentials-test"
          onClick={() => void run(() => api.payments.testConnection({ channel: view.channel }), t('payments.channels.tested'))}
        >
          {t('payments.channels.test')}
        </Button>
      )}
      {cr && (
        <Popconfirm
          title={t('payments.channels.removeConfirm')}
          onConfirm={() => void run(() => api.payments.removeCredentials({ channel: view.channel, expectedVersion: cr.version }), t('payments.channels.removed'))}
        >
          <Button danger icon={<DeleteOutlined />} data-testid="credentials-remove">
            {t('payments.channels.remove')}
          </Button>
        </Popconfirm>
      )}
    </Space>
  );

  return (
    <Card
      size="small"
      data-testid={`payment-channel-card-${view.channel}`}
      title={
        <Space>
          {t(`payments.channel.${view.channel}`)}
          <HealthTag view={view} />
        </Space>
      }
      extra={actions}
    >
      <ChannelDetails view={view} />
      {editing && (
        <CredentialsForm
          view={view}
          busy={busy}
          onSave={(input) =>
            void run(async () => {
              await api.payments.saveCredentials(input);
              setEditing(false);
            }, t('payments.channels.saved'))
          }
        />
      )}
    </Card>
  );
}

function ChannelDetails({ view }: { view: ChannelView }) {
  const { t, maybe } = useI18n();
  const cr = view.credentials;
  const h = view.health;
  const items = [
    { key: 'provider', label: t('payments.channels.provider'), children: t(`payments.channels.source.${view.source}`) },
    ...Object.entries(cr?.summary ?? {}).map(([k, v]) => ({ key: k, label: maybe(`payments.channels.field.${k}`) ?? k, children: v })),
  ];
  if (cr)
    items.push({
      key: 'version',
      label: t('payments.channels.version'),
      children: t('payments.channels.versionBy', { version: cr.version, name: cr.updatedBy, time: formatTime(cr.updatedAt) }),
    });
  if (cr?.testedAt) {
    const result = t(cr.testOk ? 'payments.channels.testOk' : 'payments.channels.testFailed', { time: formatTime(cr.testedAt) });
    // A failure shows the gateway's own words (its error code is what its support asks for); a success needs none.
    items.push({ key: 'test', label: t('payments.channels.lastTest'), children: cr.testOk ? result : `${result} ${cr.testMessage ?? ''}`.trim() });
  }
  if (h && !h.online && h.lastErrorAt)
    items.push({ key: 'error', label: t('payments.channels.lastError'), children: `${formatTime(h.lastErrorAt)} ${h.lastError ?? ''}` });
  if (h?.lastOkAt) items.push({ key: 'ok', label: t('payments.channels.lastOk'), children: formatTime(h.lastOkAt) });
  return <Descriptions size="small" column={1} items={items} data-testid="payment-channel-summary" />;
}

function CredentialsForm({ view, busy, onSave }: { view: ChannelView; busy: boolean; onSave(input: ReturnType<typeof saveInput>): void }) {
  const { t, maybe } = useI18n();
  const start = initialValues(view);
  const [platform, setPlatform] = useState<PlatformKind>(start.platform);
  const [form] = Form.useForm<FormValues>();
  const stored = view.credentials !== null;
  return (
    <Form
      form={form}
      layout="vertical"
      requiredMark="optional"
      initialValues={start.values}
      style={{ marginTop: 12 }}
      data-testid="credentials-form"
      onFinish={(v) => onSave(saveInput(view.channel, view.credentials?.version ?? 0, platform, v))}
    >
      {view.channel === 'wechat' && (
        <Form.Item label={t('payments.channels.platformKind')}>
          <Radio.Group value={platform} onChange={(e) => setPlatform(e.target.value as PlatformKind)} data-testid="credentials-platform-kind">
            <Radio value="certificate">{t('payments.channels.platform.certificate')}</Radio>
            <Radio value="publicKey">{t('payments.channels.platform.publicKey')}</Radio>
          </Radio.Group>
        </Form.Item>
      )}
      {fieldsFor(view.channel, platform).map((f) => (
        <Form.Item
          key={f.name}
          name={f.name}
          label={maybe(`payments.channels.field.${f.name}`) ?? f.name}
          rules={f.optional || (f.secret && stored) ? [] : [{ required: true, message: t('payments.channels.required') }]}
          extra={f.secret && stored ? t('payments.channels.keepSecret') : undefined}
        >
          {f.multiline ? (
            <Input.TextArea rows={4} autoComplete="off" spellCheck={false} data-testid={`credentials-field-${f.name}`} />
          ) : f.secret ? (
            <Input.Password autoComplete="new-password" data-testid={`credentials-field-${f.name}`} />
          ) : (
            <Input autoComplete="off" data-testid={`credentials-field-${f.name}`} />
          )}
        </Form.Item>
      ))}
      <Flex gap="middle">
        <Button type="primary" htmlType="submit" icon={<SaveOutlined />} loading={busy} data-testid="credentials-save">
          {t('payments.channels.save')}
        </Button>
      </Flex>
    </Form>
  );
}
