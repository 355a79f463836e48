import { useState } from 'react';
import { Badge, Button, Checkbox, Descriptions, Flex, Select, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { DeleteOutlined, LinkOutlined, ReloadOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { formatWh } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { KIND_LABEL, parkedFor, type ParkedRecord } from './records';
import { AttachModal, DiscardModal, Reason } from './RecordModals';

const PAGE_SIZE = 50;

/**
 * 充电桩记录: the charger records the core parked because they could not be applied by themselves
 * (a StopTransaction for a transaction nobody started, a record whose applying failed), oldest
 * first, with why and for how long. Supervisors attach one to a session of the same charger or
 * discard it with a reason; everyone else sees the queue with the actions disabled and told why.
 */
export function ChargerRecords({ version, onChanged }: { version: number; onChanged(): void }) {
  const { t } = useI18n();
  const [chargerId, setChargerId] = useState<string | undefined>(undefined);
  const [attentionOnly, setAttentionOnly] = useState(false);
  const [page, setPage] = useState(1);
  const [attaching, setAttaching] = useState<ParkedRecord | null>(null);
  const [discarding, setDiscarding] = useState<ParkedRecord | null>(null);
  const chargers = useQuery(() => api.chargers.list({}));
  const list = useQuery(
    () => api.sessions.parkedRecords({ chargerId, needsAttention: attentionOnly || undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    [chargerId, attentionOnly, page, version],
  );
  const columns = useRecordColumns({ onAttach: setAttaching, onDiscard: setDiscarding });
  const done = () => {
    setAttaching(null);
    setDiscarding(null);
    onChanged();
  };
  const filter = (next: () => void) => {
    next();
    setPage(1);
  };

  return (
    <Flex vertical gap="small" data-testid="charger-records">
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t('sessions.records.hint')}
      </Typography.Paragraph>
      <Flex gap="small" wrap align="center">
        <Select<string>
          style={{ width: 200 }}
          showSearch
          value={chargerId ?? ''}
          onChange={(v) => filter(() => setChargerId(v || undefined))}
          data-testid="records-filter-charger"
          options={[{ value: '', label: t('sessions.filter.allChargers') }, ...(chargers.data ?? []).map((c) => ({ value: c.id, label: c.id }))]}
        />
        <Checkbox
          checked={attentionOnly}
          onChange={(e) => filter(() => setAttentionOnly(e.target.checked))}
          style={{ marginInlineEnd: 8 }}
          data-testid="records-filter-attention"
        >
          <Badge count={list.data?.needsAttention ?? 0} size="small" offset={[10, -2]}>
            {t('sessions.records.attentionOnly')}
          </Badge>
        </Checkbox>
        <Button icon={<ReloadOutlined />} onClick={() => void list.reload()} data-testid="records-refresh">
          {t('common.refresh')}
        </Button>
      </Flex>
      <Table<ParkedRecord>
        rowKey="id"
        size="small"
        data-testid="records-table"
        loading={list.loading && !list.data}
        dataSource={list.data?.items ?? []}
        locale={{ emptyText: t(attentionOnly ? 'sessions.records.noneNeedAttention' : 'sessions.records.empty') }}
        // Room for the reason (at least ~150 px) beside the fixed columns; narrower windows scroll.
        scroll={{ x: 1200 }}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: list.data?.total ?? 0,
          showSizeChanger: false,
          hideOnSinglePage: true,
          onChange: setPage,
        }}
        expandable={{ expandedRowRender: (r) => <RecordDetail record={r} /> }}
        columns={columns}
      />
      <AttachModal record={attaching} onClose={() => setAttaching(null)} onDone={done} />
      <DiscardModal record={discarding} onClose={() => setDiscarding(null)} onDone={done} />
    </Flex>
  );
}

function useRecordColumns({ onAttach, onDiscard }: { onAttach(r: ParkedRecord): void; onDiscard(r: ParkedRecord): void }): TableColumnsType<ParkedRecord> {
  const { t } = useI18n();
  return [
    { title: t('sessions.records.col.id'), dataIndex: 'id', width: 70 },
    {
      title: t('sessions.col.charger'),
      key: 'charger',
      width: 140,
      render: (_: unknown, r) => (r.connectorId === null ? r.chargerId : `${r.chargerId} / ${r.connectorId}`),
    },
    { title: t('sessions.records.col.kind'), dataIndex: 'kind', width: 130, render: (k: ParkedRecord['kind']) => <Tag>{t(KIND_LABEL[k])}</Tag> },
    { title: t('sessions.transactionId'), dataIndex: 'transactionId', width: 100, render: (tx: number | null) => tx ?? '—' },
    { title: t('sessions.records.col.meter'), dataIndex: 'meterWh', width: 105, align: 'right', render: (wh: number | null) => (wh === null ? '—' : formatWh(wh)) },
    { title: t('sessions.records.col.chargerAt'), dataIndex: 'chargerAt', width: 155, render: (at: number) => formatTime(at) },
    { title: t('sessions.records.col.parked'), key: 'parked', width: 100, render: (_: unknown, r) => <ParkedAge record={r} /> },
    { title: t('sessions.records.col.reason'), dataIndex: 'reason', render: (reason: string) => <Reason reason={reason} /> },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 200,
      fixed: 'right',
      render: (_: unknown, r) => <RecordActions record={r} onAttach={() => onAttach(r)} onDiscard={() => onDiscard(r)} />,
    },
  ];
}

function ParkedAge({ record: r }: { record: ParkedRecord }) {
  const { t } = useI18n();
  const age = parkedFor(Date.now() - r.parkedAt);
  return (
    <Flex vertical gap={2} align="flex-start">
      <Tooltip title={t('sessions.records.parkedSince', { time: formatTime(r.parkedAt) })}>
        <span>{t(age.key, age.params)}</span>
      </Tooltip>
      {r.needsAttention && (
        <Tag color="red" style={{ marginInlineEnd: 0 }} data-testid="record-attention-tag">
          {t('sessions.records.needsAttention')}
        </Tag>
      )}
    </Flex>
  );
}

function RecordActions({ record: r, onAttach, onDiscard }: { record: ParkedRecord; onAttach(): void; onDiscard(): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const supervisor = can(SUPERVISORS);
  const why = !supervisor ? t('sessions.records.supervisorsOnly') : undefined;
  const attachWhy = why ?? (r.kind === 'start' ? t('sessions.records.startNoAttach') : undefined);
  return (
    <Flex gap="small">
      <Tooltip title={attachWhy}>
        <Button size="small" icon={<LinkOutlined />} disabled={attachWhy !== undefined} onClick={onAttach} data-testid={`record-attach-${r.id}`}>
          {t('sessions.records.attach')}
        </Button>
      </Tooltip>
      <Tooltip title={why}>
        <Button size="small" danger icon={<DeleteOutlined />} disabled={why !== undefined} onClick={onDiscard} data-testid={`record-discard-${r.id}`}>
          {t('sessions.records.discard')}
        </Button>
      </Tooltip>
    </Flex>
  );
}

/** What the charger sent, for deciding where a record belongs. */
function RecordDetail({ record: r }: { record: ParkedRecord }) {
  const { t } = useI18n();
  return (
    <Descriptions size="small" column={3} styles={{ label: { whiteSpace: 'nowrap' } }}>
      <Descriptions.Item label={t('sessions.records.receivedAt')}>{formatTime(r.receivedAt)}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.records.parkedAt')}>{formatTime(r.parkedAt)}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.idTag')}>{r.idTag ? <Typography.Text code>{r.idTag}</Typography.Text> : '—'}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.records.payload')} span={3}>
        <Typography.Text code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
          {r.payload ? JSON.stringify(r.payload) : t('sessions.records.payloadUnreadable')}
        </Typography.Text>
      </Descriptions.Item>
    </Descriptions>
  );
}
