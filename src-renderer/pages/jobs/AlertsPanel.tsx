import { useState } from 'react';
import { App, Button, DatePicker, Flex, Form, Input, Select, Switch, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { CheckOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { alertResolutionText, alertText } from '../../lib/alertText';
import { useI18n, type I18nKey } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { depotDayStart, formatTime } from '../../lib/time';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { ExportButton } from '../../components/ExportButton';
import { SUPERVISORS, useSession } from '../../session';
import type { AlertRow } from './model';
import { StateTag, type Tone } from '../../components/StateTag';

const LEVEL_TONE: Record<AlertRow['level'], Tone> = { info: 'processing', warning: 'warning', urgent: 'error' };
const LEVELS: readonly AlertRow['level'][] = ['urgent', 'warning', 'info'];
const levelLabel = (l: AlertRow['level']): I18nKey => `alerts.level.${l}`;

type AlertFilters = { all: boolean; level?: AlertRow['level']; search?: string; dates?: [Dayjs, Dayjs] };

/** The filters as alerts.list takes them: depot days, from the first day's midnight to the midnight after the last (excluded). */
function alertQuery(f: AlertFilters) {
  return {
    all: f.all,
    search: f.search,
    level: f.level,
    from: f.dates ? depotDayStart(f.dates[0].format('YYYY-MM-DD')) : undefined,
    to: f.dates ? depotDayStart(f.dates[1].add(1, 'day').format('YYYY-MM-DD')) : undefined,
  };
}

/** The same filters as the alerts export takes them (days as dates). */
function exportFilter(f: AlertFilters) {
  return { open: f.all ? undefined : true, search: f.search, level: f.level, from: f.dates?.[0].format('YYYY-MM-DD'), to: f.dates?.[1].format('YYYY-MM-DD') };
}

/** Open alerts (or all of them), searched and filtered by level and day raised; acknowledged by a supervisor. */
export function AlertsPanel({ version, onChanged }: { version: number; onChanged(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const [busy, setBusy] = useState<string | null>(null);
  const list = useList<AlertFilters, AlertRow>(
    {
      id: 'jobs.alerts',
      defaults: { all: false },
      load: ({ filters, limit, offset }) => api.alerts.list({ ...alertQuery(filters), limit, offset }).then((r) => ({ rows: r.items, total: r.total })),
    },
    [version],
  );
  const columns = useAlertColumns({ busy, onAcknowledge: (a) => void acknowledge(a) });

  async function acknowledge(a: AlertRow) {
    setBusy(a.id);
    try {
      await api.alerts.acknowledge({ id: a.id });
      void message.success(t('alerts.acknowledged'));
      onChanged();
    } catch (e) {
      report(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <DataTable<AlertFilters, AlertRow>
      list={list}
      rowKey="id"
      testId="alerts-table"
      columns={columns}
      typed={['search']}
      empty={{ none: t('list.empty.alerts'), filtered: t('list.empty.alerts.filtered') }}
      filters={
        <>
          <Form.Item name="all" valuePropName="checked">
            <LabelledSwitch label={t('alerts.showAll')} testId="alerts-show-all" />
          </Form.Item>
          <Form.Item name="level">
            <Select<AlertRow['level']>
              allowClear
              style={{ width: 140 }}
              placeholder={t('alerts.filter.allLevels')}
              data-testid="alerts-filter-level"
              options={LEVELS.map((l) => ({ value: l, label: t(levelLabel(l)) }))}
            />
          </Form.Item>
          <Form.Item name="dates">
            <DatePicker.RangePicker allowClear placeholder={[t('alerts.filter.from'), t('alerts.filter.to')]} data-testid="alerts-filter-dates" />
          </Form.Item>
          <Form.Item name="search">
            <Input allowClear style={{ width: 240 }} placeholder={t('alerts.filter.search')} data-testid="alerts-search" />
          </Form.Item>
        </>
      }
      toolbar={<ExportButton list="alerts" filter={exportFilter(list.state.filters)} />}
    />
  );
}

/** A switch with its words after it, as a filter bar field (the form gives `checked` and `onChange`). */
function LabelledSwitch({ label, testId, checked, onChange }: { label: string; testId: string; checked?: boolean; onChange?(checked: boolean): void }) {
  return (
    <Flex gap="small" align="center">
      <Switch checked={checked} onChange={onChange} size="small" data-testid={testId} />
      <Typography.Text>{label}</Typography.Text>
    </Flex>
  );
}

function useAlertColumns({ busy, onAcknowledge }: { busy: string | null; onAcknowledge(a: AlertRow): void }): DataColumn<AlertRow>[] {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  return [
    {
      key: 'level',
      title: t('alerts.col.level'),
      dataIndex: 'level',
      width: 90,
      render: (l: AlertRow['level']) => <StateTag tone={LEVEL_TONE[l]}>{t(levelLabel(l))}</StateTag>,
    },
    { key: 'lastRaisedAt', title: t('alerts.col.lastRaisedAt'), dataIndex: 'lastRaisedAt', width: 170, render: (at: number) => formatTime(at) },
    {
      key: 'message',
      title: t('alerts.col.message'),
      dataIndex: 'message',
      render: (_: string, a) => (
        <Flex vertical gap={2}>
          <Typography.Text>{alertText({ maybe }, a)}</Typography.Text>
          {a.count > 1 && <Typography.Text type="secondary">{t('alerts.repeated', { count: a.count, since: formatTime(a.raisedAt) })}</Typography.Text>}
        </Flex>
      ),
    },
    {
      key: 'status',
      title: t('alerts.col.status'),
      width: 220,
      render: (_: unknown, a) =>
        a.acknowledgedAt !== null ? (
          <Typography.Text type="secondary">{t('alerts.ackBy', { name: a.acknowledgedBy ?? '?', time: formatTime(a.acknowledgedAt) })}</Typography.Text>
        ) : a.resolvedAt !== null ? (
          <Typography.Text type="secondary" title={alertResolutionText({ maybe }, a) || undefined} data-testid={`alert-resolved-${a.id}`}>
            {a.resolvedBy === null || a.resolvedBy === 'system'
              ? t('alerts.resolvedAt', { time: formatTime(a.resolvedAt) })
              : t('alerts.resolvedBy', { name: a.resolvedBy, time: formatTime(a.resolvedAt) })}
          </Typography.Text>
        ) : can(SUPERVISORS) ? (
          <Button size="small" icon={<CheckOutlined />} loading={busy === a.id} onClick={() => onAcknowledge(a)} data-testid={`alert-ack-${a.id}`}>
            {t('alerts.acknowledge')}
          </Button>
        ) : (
          <StateTag tone="error">{t('alerts.open')}</StateTag>
        ),
    },
  ];
}
