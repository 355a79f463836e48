import { useState } from 'react';
import { App, Button, DatePicker, Flex, Input, Select, Switch, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import type { TableColumnsType } from 'antd';
import { CheckOutlined, ReloadOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { alertText } from '../../lib/alertText';
import { useI18n, type I18nKey } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { depotDayStart, formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { ExportButton } from '../../components/ExportButton';
import { SUPERVISORS, useSession } from '../../session';
import type { AlertRow } from './model';
import { TONE_COLOR, toneColors } from '../../components/StateTag';

const LEVEL_COLOR: Record<AlertRow['level'], string> = toneColors<AlertRow['level']>({ info: 'processing', warning: 'warning', urgent: 'error' });
const LEVELS: readonly AlertRow['level'][] = ['urgent', 'warning', 'info'];
const levelLabel = (l: AlertRow['level']): I18nKey => `alerts.level.${l}`;

/** Open alerts (or all of them), searched and filtered by level and day raised; acknowledged by a supervisor. */
export function AlertsPanel({ version, onChanged }: { version: number; onChanged(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const [all, setAll] = useState(false);
  const [search, setSearch] = useState('');
  const [level, setLevel] = useState<AlertRow['level'] | undefined>(undefined);
  const [range, setRange] = useState<[Dayjs, Dayjs] | undefined>(undefined);
  const [busy, setBusy] = useState<string | null>(null);
  // Depot days: from the first day's midnight to the midnight after the last day (excluded).
  const from = range ? depotDayStart(range[0].format('YYYY-MM-DD')) : undefined;
  const to = range ? depotDayStart(range[1].add(1, 'day').format('YYYY-MM-DD')) : undefined;
  const list = useQuery(() => api.alerts.list({ all, search: search || undefined, level, from, to, limit: 200 }), [all, search, level, from, to, version]);
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
    <Flex vertical gap="small">
      <Flex gap="middle" align="center" wrap>
        <Flex gap="small" align="center">
          <Switch checked={all} onChange={setAll} size="small" data-testid="alerts-show-all" />
          <Typography.Text>{t('alerts.showAll')}</Typography.Text>
        </Flex>
        <Input.Search allowClear style={{ width: 280 }} placeholder={t('alerts.filter.search')} onSearch={(v) => setSearch(v.trim())} data-testid="alerts-search" />
        <Select<AlertRow['level'] | ''>
          style={{ width: 140 }}
          value={level ?? ''}
          onChange={(v) => setLevel(v || undefined)}
          data-testid="alerts-filter-level"
          options={[{ value: '', label: t('alerts.filter.allLevels') }, ...LEVELS.map((l) => ({ value: l, label: t(levelLabel(l)) }))]}
        />
        <DatePicker.RangePicker
          value={range ?? null}
          onChange={(r) => setRange(r && r[0] && r[1] ? [r[0], r[1]] : undefined)}
          placeholder={[t('alerts.filter.from'), t('alerts.filter.to')]}
          data-testid="alerts-filter-dates"
        />
        <Button icon={<ReloadOutlined />} onClick={() => void list.reload()}>
          {t('common.refresh')}
        </Button>
        <ExportButton
          list="alerts"
          filter={{
            open: all ? undefined : true,
            search: search || undefined,
            level,
            from: range?.[0].format('YYYY-MM-DD'),
            to: range?.[1].format('YYYY-MM-DD'),
          }}
        />
      </Flex>
      <Table<AlertRow>
        rowKey="id"
        size="small"
        data-testid="alerts-table"
        loading={list.loading && !list.data}
        dataSource={list.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: t(all ? 'alerts.noneAtAll' : 'alerts.none') }}
        columns={columns}
      />
    </Flex>
  );
}

function useAlertColumns({ busy, onAcknowledge }: { busy: string | null; onAcknowledge(a: AlertRow): void }): TableColumnsType<AlertRow> {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  return [
    {
      title: t('alerts.col.level'),
      dataIndex: 'level',
      width: 90,
      render: (l: AlertRow['level']) => <Tag color={LEVEL_COLOR[l]}>{t(levelLabel(l))}</Tag>,
    },
    { title: t('alerts.col.lastRaisedAt'), dataIndex: 'lastRaisedAt', width: 170, render: (at: number) => formatTime(at) },
    {
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
      title: t('alerts.col.status'),
      key: 'status',
      width: 220,
      render: (_: unknown, a) =>
        a.acknowledgedAt !== null ? (
          <Typography.Text type="secondary">{t('alerts.ackBy', { name: a.acknowledgedBy ?? '?', time: formatTime(a.acknowledgedAt) })}</Typography.Text>
        ) : a.resolvedAt !== null ? (
          <Typography.Text type="secondary" title={a.resolution ?? undefined}>
            {t('alerts.resolvedAt', { time: formatTime(a.resolvedAt) })}
          </Typography.Text>
        ) : can(SUPERVISORS) ? (
          <Button size="small" icon={<CheckOutlined />} loading={busy === a.id} onClick={() => onAcknowledge(a)} data-testid={`alert-ack-${a.id}`}>
            {t('alerts.acknowledge')}
          </Button>
        ) : (
          <Tag color={TONE_COLOR.error}>{t('alerts.open')}</Tag>
        ),
    },
  ];
}
