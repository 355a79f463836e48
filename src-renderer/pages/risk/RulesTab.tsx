import { useState } from 'react';
import { App, Alert, Button, Descriptions, Drawer, Flex, Input, InputNumber, Modal, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { formatTime } from '../../lib/time';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { pageOf } from '../../components/listController';
import { StateTag } from '../../components/StateTag';
import { paramLabel, paramsText, ruleDescription, ruleName, type Rule, type RuleVersion } from './model';

/** A change being confirmed: the switch flipped, or the parameters edited. */
type Change = { rule: Rule; mode: 'toggle' | 'params' };

/**
 * The rules (规则): what each decides, its switch and parameters, and its version. Every change
 * is confirmed with what it will do and stored as a new version (the old ones kept, shown in the
 * history); the change is sent against the version on screen, so a rule someone else changed
 * meanwhile is refused rather than merged.
 */
export default function RulesTab({ version }: { version: number }) {
  const { t } = useI18n();
  const [mine, setMine] = useState(0);
  const [change, setChange] = useState<Change | null>(null);
  const [historyOf, setHistoryOf] = useState<Rule | null>(null);
  // A short configuration list the core returns whole: the frame pages it like any other.
  const list = useList<object, Rule>({ id: 'risk.rules', defaults: {}, load: async (q) => pageOf(await api.risk.rules({}), q) }, [version, mine]);
  const columns = useColumns(setChange, setHistoryOf);
  return (
    <Flex vertical gap="middle" data-testid="risk-rules-tab">
      <Typography.Text type="secondary">{t('risk.rules.hint')}</Typography.Text>
      <DataTable<object, Rule>
        list={list}
        rowKey="code"
        testId="rules-table"
        columns={columns}
        empty={{ none: t('list.empty.rules'), filtered: t('list.empty.rules') }}
      />
      {change && <ChangeModal change={change} onClose={() => setChange(null)} onDone={() => setMine((v) => v + 1)} />}
      <HistoryDrawer rule={historyOf} version={version + mine} onClose={() => setHistoryOf(null)} />
    </Flex>
  );
}

/** A rule by its name (issue 16: the code was printed under it); the code stays in the tooltip for support. */
export function RuleNameCell({ code }: { code: string }) {
  const { maybe } = useI18n();
  return (
    <Tooltip title={code}>
      <Typography.Text strong data-testid={`rule-name-${code}`}>
        {ruleName(maybe, code)}
      </Typography.Text>
    </Tooltip>
  );
}

function useColumns(onChange: (c: Change) => void, onHistory: (r: Rule) => void): DataColumn<Rule>[] {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  const supervisor = can(SUPERVISORS);
  return [
    {
      key: 'rule',
      title: t('risk.rules.col.rule'),
      width: 220,
      render: (_, r) => <RuleNameCell code={r.code} />,
    },
    { key: 'decides', title: t('risk.rules.col.decides'), render: (_, r) => ruleDescription(maybe, r) },
    {
      key: 'enabled',
      title: t('risk.rules.col.enabled'),
      width: 90,
      render: (_, r) => (
        <Switch checked={r.enabled} disabled={!supervisor} onChange={() => onChange({ rule: r, mode: 'toggle' })} data-testid={`rule-switch-${r.code}`} />
      ),
    },
    { key: 'params', title: t('risk.rules.col.params'), render: (_, r) => paramsText(maybe, r.params) },
    {
      key: 'version',
      title: t('risk.rules.col.version'),
      width: 170,
      render: (_, r) => (
        <Flex vertical>
          <Tag color={r.version === 0 ? 'default' : 'blue'} style={{ width: 'fit-content' }} data-testid={`rule-version-${r.code}`}>
            v{r.version}
          </Tag>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {r.updatedAt ? `${r.updatedBy?.name ?? '—'} · ${formatTime(r.updatedAt, 'YYYY-MM-DD HH:mm')}` : t('risk.rules.default')}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'actions',
      title: t('common.actions'),
      width: 180,
      render: (_, r) => (
        <Space>
          {supervisor && (
            <Button size="small" onClick={() => onChange({ rule: r, mode: 'params' })} data-testid={`rule-edit-${r.code}`}>
              {t('risk.rules.edit')}
            </Button>
          )}
          <Button size="small" type="link" onClick={() => onHistory(r)} data-testid={`rule-history-${r.code}`}>
            {t('risk.rules.history')}
          </Button>
        </Space>
      ),
    },
  ];
}

/** What switching the rule on or off will do, by what it acts on. */
function toggleEffect(rule: Rule): 'risk.rules.onDriver' | 'risk.rules.onCharger' | 'risk.rules.onReview' | 'risk.rules.off' {
  if (rule.enabled) return 'risk.rules.off';
  return rule.target === 'driver' ? 'risk.rules.onDriver' : rule.target === 'charger' ? 'risk.rules.onCharger' : 'risk.rules.onReview';
}

function ChangeModal({ change: { rule, mode }, onClose, onDone }: { change: Change; onClose(): void; onDone(): void }) {
  const { t, maybe } = useI18n();
  const { message } = App.useApp();
  const [params, setParams] = useState<Record<string, unknown>>(rule.params);
  const [note, setNote] = useState('');
  const changed = Object.entries(params).filter(([k, v]) => rule.params[k] !== v);
  const { submitting, submit } = useModalSubmit({
    run: () =>
      api.risk.setRule({
        code: rule.code,
        expectedVersion: rule.version,
        note: note.trim() || undefined,
        ...(mode === 'toggle' ? { enabled: !rule.enabled } : { params: Object.fromEntries(changed) }),
      }),
    onDone: (r) => {
      void message.success(t('risk.rules.saved', { rule: ruleName(maybe, r.code), version: r.version }));
      onClose();
      onDone();
    },
  });
  const name = ruleName(maybe, rule.code);
  const title = mode === 'params' ? t('risk.rules.editTitle', { rule: name }) : t(rule.enabled ? 'risk.rules.offTitle' : 'risk.rules.onTitle', { rule: name });
  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={t('risk.rules.confirm', { version: rule.version + 1 })}
      okButtonProps={{
        loading: submitting,
        disabled: mode === 'params' && changed.length === 0,
        danger: mode === 'toggle' && rule.enabled,
        'data-testid': 'rule-change-submit',
      }}
      cancelText={t('common.cancel')}
      width={560}
      destroyOnHidden
    >
      <Flex vertical gap="small">
        {mode === 'params' && <ParamsForm params={params} onChange={setParams} />}
        <Alert
          type="warning"
          showIcon
          data-testid="rule-change-effect"
          message={t('risk.rules.newVersion', { from: rule.version, to: rule.version + 1 })}
          description={
            mode === 'toggle'
              ? t(toggleEffect(rule))
              : changed.length === 0
                ? t('risk.rules.noChange')
                : changed.map(([k, v]) => `${paramLabel(maybe, k)}: ${String(rule.params[k])} → ${String(v)}`).join('；')
          }
        />
        <Typography.Text>{t('risk.rules.note')}</Typography.Text>
        <Input.TextArea rows={2} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} data-testid="rule-change-note" />
      </Flex>
    </Modal>
  );
}

function ParamsForm({ params, onChange }: { params: Record<string, unknown>; onChange(p: Record<string, unknown>): void }) {
  const { maybe } = useI18n();
  return (
    <Descriptions size="small" column={1} bordered>
      {Object.entries(params).map(([k, v]) => (
        <Descriptions.Item key={k} label={paramLabel(maybe, k)}>
          <InputNumber
            min={k === 'listDays' ? 0 : 1}
            max={3650}
            precision={0}
            value={typeof v === 'number' ? v : null}
            onChange={(n) => n !== null && onChange({ ...params, [k]: n })}
            data-testid={`rule-param-${k}`}
          />
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

/** Every version of a rule, newest first, and version 0 (the defaults) when it was ever changed. */
function HistoryDrawer({ rule, version, onClose }: { rule: Rule | null; version: number; onClose(): void }) {
  const { t, maybe } = useI18n();
  const code = rule?.code ?? null;
  const history = useQuery(() => (code ? api.risk.ruleHistory({ code }) : Promise.resolve([] as RuleVersion[])), [code, version]);
  return (
    <Drawer
      open={rule !== null}
      onClose={onClose}
      width={720}
      title={rule ? t('risk.rules.historyTitle', { rule: ruleName(maybe, rule.code) }) : ''}
      data-testid="rule-history"
    >
      <Table<RuleVersion>
        rowKey="version"
        size="small"
        pagination={false}
        loading={history.loading}
        dataSource={history.data ?? []}
        locale={{ emptyText: t('risk.rules.neverChanged') }}
        columns={[
          { title: t('risk.rules.col.version'), render: (_, v) => <Tag color="blue">v{v.version}</Tag> },
          {
            title: t('risk.rules.col.enabled'),
            render: (_, v) => <StateTag tone={v.enabled ? 'success' : 'default'}>{t(v.enabled ? 'risk.rules.on' : 'risk.rules.offShort')}</StateTag>,
          },
          { title: t('risk.rules.col.params'), render: (_, v) => paramsText(maybe, v.params) },
          { title: t('risk.rules.col.changed'), render: (_, v) => `${v.changedBy?.name ?? '—'} · ${formatTime(v.changedAt, 'YYYY-MM-DD HH:mm')}` },
          { title: t('risk.rules.col.note'), render: (_, v) => v.note || '—' },
        ]}
      />
    </Drawer>
  );
}
