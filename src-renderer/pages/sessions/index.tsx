import { useEffect, useRef, useState } from 'react';
import { Badge, Button, Checkbox, DatePicker, Flex, Input, Select, Table, Tabs, Tag, Typography, type TableColumnsType } from 'antd';
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatFen, formatWh } from '../../lib/format';
import { parseHash, useHashParam } from '../../lib/route';
import { formatTime } from '../../lib/time';
import { useCrumb } from '../../components/Breadcrumbs';
import { ExportButton } from '../../components/ExportButton';
import { useQuery } from '../../lib/useQuery';
import { ChargerRecords } from './ChargerRecords';
import { DriverName, DriverSelect } from './DriverSelect';
import { ReviewQueue } from './ReviewQueue';
import { SessionDrawer } from './SessionDrawer';
import { StartSessionModal, type StartTarget } from './StartSessionModal';
import { STATES, STATE_COLOR, sessionFlags, stateLabel, type Session, type SessionState } from './model';

// Sessions change state several times each; a burst of session.updated costs one reload.
const EVENT_DEBOUNCE_MS = 400;
const PAGE = 50;

interface Filter {
  state?: SessionState;
  /** One session by its number (CD00001234). */
  number?: string;
  chargerId?: string;
  driverId?: string;
  range?: [Dayjs, Dayjs];
  /** Only stuck sessions (charger offline and silent for sessions.stuckAfterMs). */
  stuck?: boolean;
}

/**
 * The Sessions page: the filtered list (virtualised: a busy depot has thousands a week), a detail
 * drawer, the walk-in start form, the review queue for supervisors, and the charger records that
 * could not be applied by themselves (the attention queue).
 */
export default function SessionsPage() {
  const { t, maybe } = useI18n();
  const [tab, setTab] = useHashParam('tab', 'list');
  useCrumb(maybe(`sessions.tab.${tab}`) ?? null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [starting, setStarting] = useState<StartTarget | null>(null);
  const [version, setVersion] = useState(0);
  // The tab's badge: how many wait (the tab pages the queue itself).
  const review = useQuery(() => api.sessions.reviewQueue({ limit: 1 }), [version]);
  const parked = useQuery(() => api.sessions.parkedRecords({ limit: 1 }), [version]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const bump = () => setVersion((v) => v + 1);

  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useDepotEvents(['session.updated'], () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(bump, EVENT_DEBOUNCE_MS);
  });
  // Parking a record announces nothing by itself; the alert for records parked too long does.
  useDepotEvents(['alert'], (e) => {
    if (e.type === 'alert' && e.payload.code === 'inbox.parked') bump();
  });

  return (
    <Flex vertical gap="middle" data-testid="sessions-page">
      <Tabs
        activeKey={tab}
        onChange={setTab}
        tabBarExtraContent={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setStarting({})} data-testid="start-session-open">
            {t('sessions.startTitle')}
          </Button>
        }
        items={[
          { key: 'list', label: t('sessions.tab.list'), children: <SessionList version={version} onOpen={setOpenId} /> },
          {
            key: 'review',
            label: (
              <Badge count={review.data?.total ?? 0} size="small" offset={[8, 0]}>
                {t('sessions.tab.review')}
              </Badge>
            ),
            children: <ReviewQueue version={version} onOpen={setOpenId} onChanged={bump} />,
          },
          {
            key: 'records',
            label: (
              <Badge
                count={parked.data?.total ?? 0}
                size="small"
                offset={[8, 0]}
                color={parked.data?.needsAttention ? undefined : 'orange'}
                data-testid="records-tab-count"
              >
                {t('sessions.tab.records')}
              </Badge>
            ),
            children: <ChargerRecords version={version} onChanged={bump} />,
          },
        ]}
      />
      <SessionDrawer id={openId} version={version} onClose={() => setOpenId(null)} onChanged={bump} />
      <StartSessionModal
        target={starting}
        onClose={() => setStarting(null)}
        onStarted={(id) => {
          setStarting(null);
          bump();
          setOpenId(id);
        }}
      />
    </Flex>
  );
}

type Cursor = NonNullable<Awaited<ReturnType<typeof api.sessions.list>>['nextCursor']>;

/**
 * The list's numbered pages for a filter (antd pagination, the total from the core). A page is read
 * after the cursor of the nearest page before it that was read (keyset: a page deep in a million
 * sessions costs what the first does), skipping the pages between; with no cursor known it is read
 * by offset (the core reads the later half from the oldest end). A filter or page-size change starts
 * again at page 1; a live update re-reads the page on screen.
 */
function useSessionPages(filter: Filter, version: number) {
  const report = useReportError();
  const [items, setItems] = useState<Session[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [at, setAt] = useState({ page: 1, pageSize: PAGE });
  const seq = useRef(0);
  // The cursor after each page read (its last row's key), for this filter and page size.
  const cursors = useRef(new Map<number, Cursor>());

  async function load(page: number, pageSize: number) {
    const mine = ++seq.current;
    setLoading(true);
    const before = [...cursors.current.keys()].filter((k) => k < page).sort((a, b) => b - a)[0];
    const after = before === undefined ? undefined : cursors.current.get(before);
    try {
      const r = await api.sessions.list({
        state: filter.state,
        chargerId: filter.chargerId,
        driverId: filter.driverId,
        number: filter.number,
        from: filter.range?.[0].format('YYYY-MM-DD'),
        to: filter.range?.[1].format('YYYY-MM-DD'),
        limit: pageSize,
        ...(after && before !== undefined ? { after, offset: (page - 1 - before) * pageSize } : { offset: (page - 1) * pageSize }),
      });
      if (mine !== seq.current) return;
      if (r.nextCursor) cursors.current.set(page, r.nextCursor);
      setItems(r.items);
      setTotal(r.total);
    } catch (e) {
      report(e);
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }

  useEffect(() => {
    cursors.current.clear();
    setAt((a) => ({ ...a, page: 1 }));
    void load(1, at.pageSize);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new filter starts again at page 1
  }, [filter]);

  useEffect(() => {
    if (version > 0) void load(at.page, at.pageSize);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- live updates re-read the page on screen
  }, [version]);

  function go(page: number, pageSize: number) {
    if (pageSize !== at.pageSize) cursors.current.clear();
    const next = { page: pageSize === at.pageSize ? page : 1, pageSize };
    setAt(next);
    void load(next.page, next.pageSize);
  }

  return { items, total, loading, page: at.page, pageSize: at.pageSize, go, reload: () => void load(at.page, at.pageSize) };
}

function SessionFilters({ filter, onChange, stuckCount, onRefresh }: { filter: Filter; onChange(f: Filter): void; stuckCount: number; onRefresh(): void }) {
  const { t } = useI18n();
  const chargers = useQuery(() => api.chargers.list({}));
  return (
    <Flex gap="small" wrap align="center" data-testid="session-filters">
      <Select<SessionState | ''>
        style={{ width: 130 }}
        value={filter.state ?? ''}
        onChange={(v) => onChange({ ...filter, state: v || undefined })}
        data-testid="sessions-filter-state"
        options={[{ value: '', label: t('sessions.filter.allStates') }, ...STATES.map((s) => ({ value: s, label: t(stateLabel(s)) }))]}
      />
      <Select<string>
        style={{ width: 200 }}
        showSearch
        value={filter.chargerId ?? ''}
        onChange={(v) => onChange({ ...filter, chargerId: v || undefined })}
        data-testid="sessions-filter-charger"
        options={[{ value: '', label: t('sessions.filter.allChargers') }, ...(chargers.data ?? []).map((c) => ({ value: c.id, label: c.id }))]}
      />
      <Input.Search
        allowClear
        style={{ width: 200 }}
        placeholder={t('sessions.filter.number')}
        defaultValue={filter.number}
        onSearch={(v) => onChange({ ...filter, number: v.replace(/\s+/g, '').toUpperCase() || undefined })}
        data-testid="sessions-filter-number"
      />
      <DriverSelect allowClear style={{ width: 260 }} value={filter.driverId} onChange={(v) => onChange({ ...filter, driverId: v })} testId="sessions-filter-driver" />
      <DatePicker.RangePicker
        value={filter.range ?? null}
        onChange={(r) => onChange({ ...filter, range: r && r[0] && r[1] ? [r[0], r[1]] : undefined })}
        placeholder={[t('sessions.filter.from'), t('sessions.filter.to')]}
        data-testid="sessions-filter-dates"
      />
      <Checkbox checked={filter.stuck ?? false} onChange={(e) => onChange({ ...filter, stuck: e.target.checked || undefined })} data-testid="sessions-filter-stuck">
        <Badge count={stuckCount} size="small" offset={[10, -2]}>
          {t('sessions.filter.stuckOnly')}
        </Badge>
      </Checkbox>
      <Button icon={<ReloadOutlined />} onClick={onRefresh}>
        {t('common.refresh')}
      </Button>
      <ExportButton
        list="sessions"
        filter={{
          state: filter.state,
          chargerId: filter.chargerId,
          driverId: filter.driverId,
          number: filter.number,
          from: filter.range?.[0].format('YYYY-MM-DD'),
          to: filter.range?.[1].format('YYYY-MM-DD'),
        }}
        unsupported={filter.stuck ? t('sessions.filter.stuckOnly') : undefined}
      />
    </Flex>
  );
}

function useSessionColumns(stuckIds: Set<string>): TableColumnsType<Session> {
  const { t } = useI18n();
  return [
    {
      title: t('sessions.col.number'),
      dataIndex: 'number',
      width: 120,
      render: (n: string) => <Typography.Text style={{ fontFamily: 'monospace' }}>{n}</Typography.Text>,
    },
    { title: t('sessions.col.created'), dataIndex: 'createdAt', width: 160, render: (at: number) => formatTime(at) },
    { title: t('sessions.col.state'), dataIndex: 'state', width: 96, render: (s: SessionState) => <Tag color={STATE_COLOR[s]}>{t(stateLabel(s))}</Tag> },
    { title: t('sessions.col.charger'), key: 'charger', width: 210, render: (_: unknown, s) => `${s.chargerId} / ${s.connectorId}` },
    {
      title: t('sessions.col.driver'),
      key: 'driver',
      width: 200,
      ellipsis: true,
      render: (_: unknown, s) => (s.driverId ? <DriverName id={s.driverId} /> : <Typography.Text type="warning">{s.idTag}</Typography.Text>),
    },
    { title: t('sessions.col.energy'), dataIndex: 'energyWh', width: 110, align: 'right', render: (wh: number | null) => (wh === null ? '—' : formatWh(wh)) },
    { title: t('sessions.col.prepay'), dataIndex: 'prepay', width: 100, align: 'right', render: (p: string) => `¥${p}` },
    { title: t('sessions.col.amount'), dataIndex: 'amountFen', width: 100, align: 'right', render: (f: number | null) => (f === null ? '—' : formatFen(f)) },
    {
      title: t('sessions.col.flags'),
      key: 'flags',
      render: (_: unknown, s) => (
        <Flex gap={4} wrap>
          {stuckIds.has(s.id) && (
            <Tag color="magenta" style={{ marginInlineEnd: 0 }} data-testid="session-stuck-tag">
              {t('sessions.flag.stuck')}
            </Tag>
          )}
          {sessionFlags(s).map((f) => (
            <Tag key={f.key} color={f.color} style={{ marginInlineEnd: 0 }}>
              {t(f.key)}
            </Tag>
          ))}
          {s.debtFen ? <Tag color="red">{t('sessions.debtTag', { amount: formatFen(s.debtFen) })}</Tag> : null}
        </Flex>
      ),
    },
  ];
}

/**
 * The filter a link opened the list with (#/sessions?state=FAILED&charger=CP-1&from=…&to=…, as the
 * dashboard's charts link here); anything not understood is left out.
 */
function filterFromHash(hash: string): Filter {
  const p = parseHash(hash).params;
  const state = p.get('state') as SessionState | null;
  const day = (name: string) => {
    const v = p.get(name);
    return v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? dayjs(v) : null;
  };
  const from = day('from');
  const to = day('to') ?? from;
  return {
    state: state && STATES.includes(state) ? state : undefined,
    chargerId: p.get('charger') || undefined,
    range: from && to ? [from, to] : undefined,
  };
}

function SessionList({ version, onOpen }: { version: number; onOpen(id: string): void }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState<Filter>(() => filterFromHash(window.location.hash));
  const { items, total, loading, page, pageSize, go, reload } = useSessionPages(filter, version);
  const stuck = useQuery(() => api.sessions.stuck({}), [version]);
  const stuckIds = new Set((stuck.data ?? []).map((x) => x.session.id));
  const shown = filter.stuck ? (stuck.data ?? []).map((x) => x.session) : items;
  const columns = useSessionColumns(stuckIds);

  return (
    <Flex vertical gap="small">
      <SessionFilters filter={filter} onChange={setFilter} stuckCount={stuckIds.size} onRefresh={reload} />
      <Table<Session>
        rowKey="id"
        size="small"
        virtual
        scroll={{ x: 1180, y: 540 }}
        pagination={filter.stuck ? false : { current: page, pageSize, total, showSizeChanger: true, pageSizeOptions: [20, 50, 100, 200], onChange: go }}
        data-testid="sessions-table"
        loading={filter.stuck ? stuck.loading && !stuck.data : loading}
        dataSource={shown}
        locale={{ emptyText: t('sessions.empty') }}
        onRow={(s) => ({ onClick: () => onOpen(s.id), style: { cursor: 'pointer' } })}
        columns={columns}
      />
      <Typography.Text type="secondary" data-testid="sessions-count">
        {filter.stuck ? t('sessions.shown', { shown: shown.length, total: shown.length }) : t('sessions.shown', { shown: items.length, total })}
      </Typography.Text>
    </Flex>
  );
}
