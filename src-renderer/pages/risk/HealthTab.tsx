import { useState } from 'react';
import { App, Alert, Button, Flex, Input, Modal, Tooltip, Typography } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { errorName } from '../../lib/ocppWords';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { actionReason, availabilityText, failureName, ruleName, type ChargerAction, type Health, type Rule } from './model';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { pageOf } from '../../components/listController';
import { StateTag } from '../../components/StateTag';

/**
 * Device health (设备健康): every charger's faults, offline episodes, failed starts and metering
 * anomalies over each rule's window (counted after its last return to service), whether it is in
 * maintenance and the rule that put it there, with the evidence; a supervisor returns it to service.
 */
export default function HealthTab({ version }: { version: number }) {
  const { t } = useI18n();
  const [mine, setMine] = useState(0);
  const [returning, setReturning] = useState<Health | null>(null);
  // A configuration-sized list the core returns whole (one row a charger): paged here, 100 a page.
  const list = useList<object, Health>({ id: 'risk.health', defaults: {}, pageSize: 100, load: async (q) => pageOf(await api.risk.chargerHealth({}), q) }, [
    version,
    mine,
  ]);
  const rules = useQuery(() => api.risk.rules({}), [version]);
  const columns = useColumns(rules.data ?? [], setReturning);
  return (
    <Flex vertical gap="middle" data-testid="risk-health-tab">
      <Typography.Text type="secondary">{t('risk.health.hint')}</Typography.Text>
      <DataTable<object, Health>
        list={list}
        rowKey="chargerId"
        testId="health-table"
        columns={columns}
        empty={{ none: t('list.empty.health'), filtered: t('list.empty.health') }}
        table={{
          expandable: {
            rowExpandable: (h) => h.openAction !== null,
            expandedRowRender: (h) => (h.openAction ? <Evidence action={h.openAction} /> : null),
          },
        }}
      />
      <ReturnModal health={returning} onClose={() => setReturning(null)} onDone={() => setMine((v) => v + 1)} />
    </Flex>
  );
}

/** A count, red once it reaches the rule's threshold. */
function Count({ n, rule }: { n: number; rule: Rule | undefined }) {
  const threshold = rule && rule.enabled ? Number(rule.params.count) : Infinity;
  return <Typography.Text type={n >= threshold ? 'danger' : n > 0 ? 'warning' : 'secondary'}>{n}</Typography.Text>;
}

function useColumns(rules: Rule[], onReturn: (h: Health) => void): DataColumn<Health>[] {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  const rule = (code: string) => rules.find((r) => r.code === code);
  const windowText = (code: string, key: 'windowHours' | 'windowDays') => {
    const r = rule(code);
    if (!r) return '';
    return key === 'windowHours' ? t('risk.health.inHours', { n: String(r.params.windowHours) }) : t('risk.health.inDays', { n: String(r.params.windowDays) });
  };
  const countCol = (title: string, code: string, key: 'windowHours' | 'windowDays', field: 'faults' | 'offline' | 'failedStarts' | 'meteringAnomalies') => ({
    key: field,
    title: (
      <Tooltip title={ruleName(maybe, code)}>
        {title}
        <Typography.Text type="secondary" style={{ fontWeight: 'normal', marginLeft: 4, fontSize: 12 }}>
          {windowText(code, key)}
        </Typography.Text>
      </Tooltip>
    ),
    align: 'right' as const,
    render: (_: unknown, h: Health) => <Count n={h[field]} rule={rule(code)} />,
  });
  return [
    {
      key: 'charger',
      title: t('risk.health.col.charger'),
      render: (_, h) => (
        <Flex vertical>
          <Typography.Text strong>{h.chargerId}</Typography.Text>
          <Typography.Text type="secondary">{h.stationName ?? '—'}</Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'online',
      title: t('risk.health.col.online'),
      render: (_, h) => <StateTag tone={h.online ? 'success' : 'error'}>{t(h.online ? 'risk.health.online' : 'risk.health.offline')}</StateTag>,
    },
    countCol(t('risk.health.col.faults'), 'charger.faults', 'windowHours', 'faults'),
    countCol(t('risk.health.col.offline'), 'charger.offline_episodes', 'windowHours', 'offline'),
    countCol(t('risk.health.col.failedStarts'), 'charger.failed_starts', 'windowHours', 'failedStarts'),
    countCol(t('risk.health.col.metering'), 'charger.metering_anomalies', 'windowDays', 'meteringAnomalies'),
    { key: 'state', title: t('risk.health.col.state'), render: (_, h) => <MaintenanceState health={h} /> },
    {
      key: 'actions',
      title: t('common.actions'),
      render: (_, h) =>
        h.openAction && can(SUPERVISORS) ? (
          <Button size="small" type="primary" onClick={() => onReturn(h)} data-testid={`health-return-${h.chargerId}`}>
            {t('risk.health.return')}
          </Button>
        ) : null,
    },
  ];
}

function MaintenanceState({ health: h }: { health: Health }) {
  const { t, maybe } = useI18n();
  if (h.openAction) {
    const a = h.openAction;
    return (
      <Flex vertical gap={2} data-testid={`health-state-${h.chargerId}`}>
        <span>
          <StateTag tone="warning">{t('risk.health.byRule')}</StateTag>
          {t('risk.health.ruleVersion', { rule: ruleName(maybe, a.ruleCode), version: a.ruleVersion })}
        </span>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {formatTime(a.at, 'YYYY-MM-DD HH:mm')} · <span data-testid={`health-told-${h.chargerId}`}>{availabilityText(maybe, a.availability)}</span>
        </Typography.Text>
      </Flex>
    );
  }
  if (h.maintenance) {
    return (
      <Tooltip title={h.maintenanceReason ?? undefined}>
        <StateTag tone="warning" testId={`health-state-${h.chargerId}`}>
          {t('risk.health.byHand')}
        </StateTag>
      </Tooltip>
    );
  }
  return (
    <StateTag tone="success" testId={`health-state-${h.chargerId}`}>
      {t('risk.health.inService')}
    </StateTag>
  );
}

type EvidenceItem = { at?: number; detail?: string; sessionId?: string; sessionNumber?: string; failureCode?: string | null; day?: string; diffBp?: number };

/** What the rule counted when it put the charger in maintenance, one line per record. */
function Evidence({ action: a }: { action: ChargerAction }) {
  const { t, maybe } = useI18n();
  const items = (Array.isArray(a.facts.evidence) ? a.facts.evidence : []) as EvidenceItem[];
  const line = (e: EvidenceItem) => {
    if (e.day !== undefined) return t('risk.health.ev.metering', { day: e.day, diff: ((e.diffBp ?? 0) / 100).toFixed(2) });
    // A session by its number, as every screen names it (the id only if the core could not find one).
    if (e.sessionId !== undefined)
      return t('risk.health.ev.failedStart', { session: e.sessionNumber ?? e.sessionId, code: e.failureCode ? failureName(maybe, e.failureCode) : '—' });
    if (e.detail !== undefined) return t('risk.health.ev.fault', { code: errorName(maybe, e.detail) });
    return t('risk.health.ev.offline');
  };
  return (
    <Flex vertical gap={4} data-testid={`health-evidence-${a.chargerId}`}>
      <Typography.Text>{actionReason(maybe, a)}</Typography.Text>
      {items.map((e, i) => (
        <Typography.Text key={i} type="secondary">
          {e.at !== undefined ? `${formatTime(e.at)} · ` : ''}
          {line(e)}
        </Typography.Text>
      ))}
    </Flex>
  );
}

function ReturnModal({ health, onClose, onDone }: { health: Health | null; onClose(): void; onDone(): void }) {
  const { t, maybe } = useI18n();
  const { message } = App.useApp();
  const [note, setNote] = useState('');
  const { submitting, submit } = useModalSubmit({
    run: (h: Health) => api.risk.returnToService({ chargerId: h.chargerId, note: note.trim() }),
    onDone: (a) => {
      void message.success(t('risk.health.returned', { charger: a.chargerId }));
      setNote('');
      onClose();
      onDone();
    },
  });
  return (
    <Modal
      open={health !== null}
      title={health ? t('risk.health.returnTitle', { charger: health.chargerId }) : ''}
      onCancel={onClose}
      onOk={() => health && void submit(health)}
      okText={t('risk.health.returnConfirm')}
      okButtonProps={{ loading: submitting, disabled: !note.trim(), 'data-testid': 'health-return-submit' }}
      cancelText={t('common.cancel')}
      destroyOnHidden
    >
      {health?.openAction && (
        <Flex vertical gap="small">
          <Alert type="info" showIcon message={t('risk.health.returnEffect', { charger: health.chargerId })} description={actionReason(maybe, health.openAction)} />
          <Typography.Text>{t('risk.health.returnNote')}</Typography.Text>
          <Input.TextArea rows={2} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} data-testid="health-return-note" />
        </Flex>
      )}
    </Modal>
  );
}
