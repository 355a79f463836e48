import { useEffect, useState } from 'react';
import { App, Alert, Button, Card, Flex, Select, Space, Switch, Table, TimePicker, Typography } from 'antd';
import { SaveOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api } from '../../api';
import type { MethodInput, MethodOutput } from '../../../src-main/contract/types';
import { useI18n, type I18nKey } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession, type Role } from '../../session';

type Settings = MethodOutput<'alerts.deliverySettings'>;
type Draft = Pick<MethodInput<'alerts.setDeliverySettings'>, 'quietHours' | 'roles'>;
type Level = Draft['roles'][Role];

const ROLE_ORDER: readonly Role[] = ['operator', 'supervisor', 'finance', 'admin'];
const LEVELS: readonly Level[] = ['info', 'warning', 'urgent', 'none'];
const levelLabel = (l: Level): I18nKey => `alerts.delivery.level.${l}`;
const roleLabel = (r: Role): I18nKey => `role.${r}`;

const toTime = (hhmm: string): Dayjs =>
  dayjs()
    .hour(Number(hhmm.slice(0, 2)))
    .minute(Number(hhmm.slice(3, 5)))
    .second(0);

function draftOf(s: Settings): Draft {
  return {
    quietHours: { ...s.quietHours },
    roles: Object.fromEntries(ROLE_ORDER.map((r) => [r, s.roles[r] ?? 'warning'])) as Draft['roles'],
  };
}

/**
 * Settings → 告警: quiet hours and the lowest alert level each role is notified of. The core
 * decides every notification from these (src-main/alerts/delivery.ts); this tab only edits them.
 * Supervisors and admins save; everyone else sees them read-only.
 */
export default function AlertDeliveryTab() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const { can } = useSession();
  const editable = can(SUPERVISORS);
  const settings = useQuery(() => api.alerts.deliverySettings({}));
  const about = useQuery(() => api.system.about({}));
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saving, setSaving] = useState(false);

  const s = settings.data;
  useEffect(() => {
    if (s) setDraft(draftOf(s));
  }, [s]);

  async function save() {
    if (!s || !draft) return;
    setSaving(true);
    try {
      await api.alerts.setDeliverySettings({ ...draft, expectedVersion: s.version });
      void message.success(t('alerts.delivery.saved'));
      await settings.reload();
    } catch (e) {
      report(e);
    } finally {
      setSaving(false);
    }
  }

  const q = draft?.quietHours;
  const setQuiet = (patch: Partial<Draft['quietHours']>) => setDraft((d) => (d ? { ...d, quietHours: { ...d.quietHours, ...patch } } : d));
  const setRole = (role: Role, level: Level) => setDraft((d) => (d ? { ...d, roles: { ...d.roles, [role]: level } } : d));

  return (
    <Card title={t('alerts.delivery.title')} size="small" loading={!draft && settings.loading} data-testid="alert-delivery-tab">
      {draft && q && s && (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Typography.Text type="secondary">{t('alerts.delivery.hint')}</Typography.Text>
          {!editable && <Alert type="info" showIcon message={t('alerts.delivery.readOnly')} data-testid="alert-delivery-readonly" />}

          <QuietHoursEditor quiet={q} editable={editable} zone={about.data?.timeZone ?? ''} onChange={setQuiet} />
          <RoleLevelsTable roles={draft.roles} editable={editable} onChange={setRole} />

          <Flex gap="middle" align="center">
            {editable && (
              <Button type="primary" icon={<SaveOutlined />} loading={saving} onClick={() => void save()} data-testid="alert-delivery-save">
                {t('alerts.delivery.save')}
              </Button>
            )}
            <Typography.Text type="secondary" data-testid="alert-delivery-version">
              {s.version === 0
                ? t('alerts.delivery.defaults')
                : t('alerts.delivery.version', { version: s.version, name: s.updatedBy ?? '?', time: s.updatedAt === null ? '' : formatTime(s.updatedAt) })}
            </Typography.Text>
          </Flex>
        </Space>
      )}
    </Card>
  );
}

function QuietHoursEditor({
  quiet: q,
  editable,
  zone,
  onChange: setQuiet,
}: {
  quiet: Draft['quietHours'];
  editable: boolean;
  zone: string;
  onChange(patch: Partial<Draft['quietHours']>): void;
}) {
  const { t } = useI18n();
  return (
    <Flex vertical gap="small">
      <Flex gap="middle" align="center" wrap>
        <Switch checked={q.enabled} disabled={!editable} onChange={(enabled) => setQuiet({ enabled })} data-testid="quiet-hours-switch" />
        <Typography.Text strong>{t('alerts.delivery.quietHours')}</Typography.Text>
        <Typography.Text>{t('alerts.delivery.from')}</Typography.Text>
        <TimePicker
          format="HH:mm"
          needConfirm={false}
          allowClear={false}
          disabled={!editable}
          value={toTime(q.from)}
          onChange={(v) => v && setQuiet({ from: v.format('HH:mm') })}
          data-testid="quiet-hours-from"
        />
        <Typography.Text>{t('alerts.delivery.to')}</Typography.Text>
        <TimePicker
          format="HH:mm"
          needConfirm={false}
          allowClear={false}
          disabled={!editable}
          value={toTime(q.to)}
          onChange={(v) => v && setQuiet({ to: v.format('HH:mm') })}
          data-testid="quiet-hours-to"
        />
        {q.from > q.to && <Typography.Text type="secondary">{t('alerts.delivery.crossesMidnight', { to: q.to })}</Typography.Text>}
      </Flex>
      <Typography.Text type="secondary">{t('alerts.delivery.quietHint', { zone })}</Typography.Text>
    </Flex>
  );
}

function RoleLevelsTable({ roles, editable, onChange }: { roles: Draft['roles']; editable: boolean; onChange(role: Role, level: Level): void }) {
  const { t } = useI18n();
  return (
    <Table<{ role: Role }>
      rowKey="role"
      size="small"
      pagination={false}
      data-testid="alert-delivery-roles"
      dataSource={ROLE_ORDER.map((role) => ({ role }))}
      columns={[
        { title: t('alerts.delivery.col.role'), dataIndex: 'role', width: 160, render: (r: Role) => t(roleLabel(r)) },
        {
          title: t('alerts.delivery.col.level'),
          key: 'level',
          render: (_: unknown, { role }) => (
            <Select<Level>
              style={{ width: 200 }}
              value={roles[role]}
              disabled={!editable}
              onChange={(v) => onChange(role, v)}
              data-testid={`delivery-level-${role}`}
              options={LEVELS.map((l) => ({ value: l, label: t(levelLabel(l)) }))}
            />
          ),
        },
      ]}
    />
  );
}
