import { useState } from 'react';
import { App, Button, Descriptions, Drawer, Empty, Flex, Popconfirm, Table, Tag, Timeline, Tooltip, Typography } from 'antd';
import { StopOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { TransfersTable } from '../../components/TransfersTable';
import { formatFen, formatWh } from '../../lib/format';
import { navigate } from '../../lib/route';
import { formatTime } from '../../lib/time';
import { eventText, eventTitle } from '../../lib/eventText';
import { useQuery } from '../../lib/useQuery';
import { DriverName } from './DriverSelect';
import { ForceCloseButton, ForceClosePanel } from './ForceClose';
import { ReviewButton } from './ReviewQueue';
import { MeterChart } from './MeterChart';
import { ACTIVE, PERIODS, STATE_COLOR, readQuote, sessionFlags, stateLabel, type SessionDetail, type StoredQuote } from './model';

const time = (at: number | null) => (at === null ? '—' : formatTime(at));
const fen = (f: number | null) => (f === null ? '—' : formatFen(f));

/**
 * One session in full: where it stands, what it cost and why (the price by period, the ledger
 * transfers that moved the money), the meter readings on the charger's clock, and every step on
 * the timeline with both our time and the charger's.
 */
export function SessionDrawer({ id, version, onClose, onChanged }: { id: string | null; version: number; onClose(): void; onChanged(): void }) {
  const { t } = useI18n();
  const detail = useQuery(() => (id ? api.sessions.get({ id }) : Promise.resolve(null)), [id, version]);
  const d = id && detail.data?.session.id === id ? detail.data : null;
  const s = d?.session;

  return (
    <Drawer
      open={id !== null}
      onClose={onClose}
      width={760}
      title={s ? t('sessions.detailTitle', { number: s.number, charger: s.chargerId, n: s.connectorId }) : t('sessions.detail')}
      loading={!d && detail.loading}
      data-testid="session-drawer"
      extra={d && <DrawerActions detail={d} onChanged={onChanged} />}
    >
      {d && s && (
        <Flex vertical gap="large">
          <SessionStatus detail={d} />
          <ForceClosePanel detail={d} onDone={onChanged} />
          <SessionFacts session={s} />
          <section>
            <Typography.Title level={5}>{t('sessions.chart.title')}</Typography.Title>
            <MeterChart samples={d.samples} />
          </section>

          <section>
            <Typography.Title level={5}>{t('sessions.breakdown')}</Typography.Title>
            <Breakdown quote={readQuote(d.quote)} />
          </section>

          <section>
            <Typography.Title level={5}>{t('sessions.transfers')}</Typography.Title>
            <TransfersTable transfers={d.transfers.map((x) => ({ ...x, amount: x.amountFen }))} empty={t('sessions.noTransfers')} testId="session-transfers" />
          </section>

          <section>
            <Typography.Title level={5}>{t('sessions.timeline')}</Typography.Title>
            <SessionTimeline items={d.timeline} resettle={d.forceClose?.resettle ?? null} />
          </section>
        </Flex>
      )}
    </Drawer>
  );
}

/** Review, force-close, adjustment and stop, each where it applies to the session's state. */
function DrawerActions({ detail: d, onChanged }: { detail: SessionDetail; onChanged(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const [stopping, setStopping] = useState(false);
  const s = d.session;

  async function stop() {
    setStopping(true);
    try {
      await api.sessions.stop({ id: s.id });
      void message.success(t('sessions.stopSent'));
      onChanged();
    } catch (e) {
      report(e);
    } finally {
      setStopping(false);
    }
  }

  return (
    <Flex gap={8}>
      {s.reviewState === 'pending' && <ReviewButton session={s} onDone={onChanged} />}
      <ForceCloseButton detail={d} onDone={onChanged} />
      {(s.state === 'PAID' || s.state === 'UNPAID') && s.driverId && <AdjustButton sessionId={s.id} detail={d} />}
      {ACTIVE.has(s.state) && (
        <Popconfirm title={t('sessions.stopConfirm')} onConfirm={() => void stop()}>
          <Button danger icon={<StopOutlined />} loading={stopping} data-testid="session-stop">
            {s.state === 'CHARGING' ? t('sessions.stop') : t('sessions.cancel')}
          </Button>
        </Popconfirm>
      )}
    </Flex>
  );
}

/**
 * 售后退款, offered only where money was taken: the core's limit counts the hold and wallet paid at
 * settlement and what the session's debt has collected since, so an UNPAID session nobody has paid
 * anything towards shows no refund (there is nothing to give back).
 */
function AdjustButton({ sessionId, detail }: { sessionId: string; detail: SessionDetail }) {
  const { t } = useI18n();
  // Asked again whenever the drawer reloads the session (a top-up may have collected its debt).
  const limit = useQuery(() => api.adjustments.limit({ sessionId }), [sessionId, detail]);
  if (!limit.data || limit.data.sessionId !== sessionId || limit.data.paid.fen <= 0) return null;
  return (
    <Button onClick={() => navigate('compensation', { view: 'adjustments', session: sessionId })} data-testid="session-adjust">
      {t('sessions.adjust')}
    </Button>
  );
}

/**
 * Why a session never charged, in the operator's language: the event that failed or cancelled it,
 * worded like the timeline. The core's own (English) reason stays beside it as the tooltip.
 */
function failureText(d: SessionDetail, maybe: (key: string) => string | undefined): string | undefined {
  const ended = [...d.timeline].reverse().find((e) => e.toState === 'FAILED' || e.toState === 'CANCELLED');
  return ended ? maybe(`sessions.event.${ended.kind}`) : undefined;
}

/** The state and flags, why it failed, and how long a stuck session has been silent. */
function SessionStatus({ detail: d }: { detail: SessionDetail }) {
  const { t, maybe } = useI18n();
  const s = d.session;
  return (
    <>
      <Flex gap={6} wrap align="center">
        <Tag color={STATE_COLOR[s.state]} data-testid="session-state">
          {t(stateLabel(s.state))}
        </Tag>
        {sessionFlags(s).map((f) => (
          <Tag key={f.key} color={f.color}>
            {t(f.key)}
          </Tag>
        ))}
        {d.stuck && (
          <Tag color="magenta" data-testid="session-stuck">
            {t('sessions.flag.stuck')}
          </Tag>
        )}
        {s.reviewReason && <Typography.Text type="warning">{maybe(`sessions.reviewReason.${s.reviewReason}`) ?? s.reviewReason}</Typography.Text>}
      </Flex>
      {s.failureReason && (
        <Tooltip title={s.failureReason}>
          <Typography.Text type="danger" data-testid="session-failure">
            {failureText(d, maybe) ?? s.failureReason}
          </Typography.Text>
        </Tooltip>
      )}
      {d.stuck && (
        <Typography.Text type="danger" data-testid="session-stuck-hint">
          {t('sessions.stuckHint', {
            duration:
              d.stuck.silentForMs >= 3_600_000
                ? t('sessions.silentHours', { n: (d.stuck.silentForMs / 3_600_000).toFixed(1) })
                : t('sessions.silentMinutes', { n: Math.floor(d.stuck.silentForMs / 60_000) }),
            time: formatTime(d.stuck.lastMessageAt),
          })}
        </Typography.Text>
      )}
    </>
  );
}

/**
 * The session's facts. 卡号 is the driver's card the charger was given (the core's `card`); a
 * session started for a driver without a card ran on a tag made from its own id, which is no card
 * and is not shown.
 */
export function SessionFacts({ session: s }: { session: SessionDetail['session'] }) {
  const { t, maybe } = useI18n();
  return (
    <Descriptions size="small" bordered column={2} styles={{ label: { whiteSpace: 'nowrap' } }}>
      <Descriptions.Item label={t('sessions.col.id')} span={2}>
        <Typography.Text copyable code data-testid="session-number">
          {s.number}
        </Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('sessions.col.driver')}>
        {s.driverId ? <DriverName id={s.driverId} /> : <Typography.Text type="warning">{t('sessions.unknownDriver')}</Typography.Text>}
      </Descriptions.Item>
      <Descriptions.Item label={t('sessions.idTag')}>
        {s.card ? (
          <Typography.Text code data-testid="session-card">
            {s.card}
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary" data-testid="session-card">
            {t('sessions.noCard')}
          </Typography.Text>
        )}
      </Descriptions.Item>
      <Descriptions.Item label={t('sessions.transactionId')}>{s.transactionId ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.prepay')}>¥{s.prepay}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.col.energy')}>{s.energyWh === null ? '—' : formatWh(s.energyWh)}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.col.amount')}>
        <Typography.Text strong>{fen(s.amountFen)}</Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('sessions.paidHold')}>{fen(s.paidHoldFen)}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.paidWallet')}>{fen(s.paidWalletFen)}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.debt')}>{s.debtFen ? <Typography.Text type="danger">{fen(s.debtFen)}</Typography.Text> : fen(s.debtFen)}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.stopReason')}>{s.stopReason ? (maybe(`sessions.stopReason.${s.stopReason}`) ?? s.stopReason) : '—'}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.startedAt')}>
        {time(s.startedAt)}
        <br />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('sessions.receivedAt', { time: time(s.startReceivedAt) })}
        </Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('sessions.stoppedAt')}>
        {time(s.stoppedAt)}
        <br />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('sessions.receivedAt', { time: time(s.stopReceivedAt) })}
        </Typography.Text>
      </Descriptions.Item>
    </Descriptions>
  );
}

function Breakdown({ quote }: { quote: StoredQuote | null }) {
  const { t } = useI18n();
  if (!quote) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('sessions.notPriced')} />;
  const rows = [
    ...PERIODS.map((p) => ({ key: p, label: t(`sessions.period.${p}`), ...quote.periods[p] })),
    { key: 'total', label: t('sessions.total'), kwh: quote.totals.kwh, electricity: quote.totals.electricity, service: quote.totals.service },
  ];
  return (
    <Flex vertical gap={4}>
      <Table
        size="small"
        pagination={false}
        data-testid="session-breakdown"
        dataSource={rows}
        rowClassName={(r) => (r.key === 'total' ? 'ant-table-row-selected' : '')}
        columns={[
          { title: t('sessions.period'), dataIndex: 'label', width: 90 },
          { title: 'kWh', dataIndex: 'kwh', align: 'right', render: (v: string) => Number(v).toFixed(3) },
          { title: t('sessions.electricity'), dataIndex: 'electricity', align: 'right', render: (v: string) => `¥${v}` },
          { title: t('sessions.service'), dataIndex: 'service', align: 'right', render: (v: string) => `¥${v}` },
        ]}
      />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('sessions.breakdownNote', { amount: quote.totals.amount, charge: quote.totals.yuan })}
        {quote.versions.length > 1 && ` · ${t('sessions.versions', { list: quote.versions.map((v) => `${v.name} (${v.effectiveFrom})`).join(', ') })}`}
      </Typography.Text>
    </Flex>
  );
}

/**
 * Each event worded from its kind (the title) and its params (the sentence under it), in the
 * operator's language (lib/eventText.ts). The core's English detail is the record, not the
 * wording: it stays reachable as the title's tooltip. An event from before params (migration 0034)
 * shows its title alone; an old re-settlement still reads its figures from the force-close.
 */
function SessionTimeline({ items, resettle }: { items: SessionDetail['timeline']; resettle: NonNullable<SessionDetail['forceClose']>['resettle'] }) {
  const i18n = useI18n();
  const { t, maybe } = i18n;
  if (items.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />;
  return (
    <Timeline
      data-testid="session-timeline"
      items={items.map((e) => {
        const title = eventTitle(e, i18n);
        const sentence = eventText(e, i18n);
        return {
          color:
            e.kind.includes('fail') || e.kind.endsWith('_refused') || e.kind === 'start_timeout' || e.kind === 'debt' || e.kind === 'settled_unpaid'
              ? 'red'
              : e.kind.startsWith('review') || e.kind.startsWith('late') || e.kind.startsWith('force_close') || e.kind === 'resettled'
                ? 'orange'
                : e.toState
                  ? 'blue'
                  : 'gray',
          children: (
            <Flex vertical gap={2} data-testid="timeline-event" data-kind={e.kind}>
              <Flex gap={8} wrap align="center">
                <Tooltip title={e.detail || undefined} placement="topLeft">
                  {/* A kind the dictionaries do not know yet shows its code. */}
                  {title ? <Typography.Text strong>{title}</Typography.Text> : <Typography.Text code>{e.kind}</Typography.Text>}
                </Tooltip>
                {e.toState && (
                  <Typography.Text type="secondary">
                    {e.fromState ? (maybe(`sessions.state.${e.fromState}`) ?? e.fromState) : '∅'} → {maybe(`sessions.state.${e.toState}`) ?? e.toState}
                  </Typography.Text>
                )}
              </Flex>
              {sentence && (
                <Typography.Text style={{ fontSize: 13 }} data-testid={e.kind === 'resettled' ? 'timeline-resettled' : 'timeline-text'}>
                  {sentence}
                </Typography.Text>
              )}
              {!e.params && e.kind === 'resettled' && resettle && (
                <Typography.Text style={{ fontSize: 13 }} data-testid="timeline-resettled">
                  {t('sessions.fc.resettled', { before: formatFen(resettle.beforeFen), after: formatFen(resettle.afterFen) })}
                  {resettle.differenceFen > 0 && ` · ${t('sessions.fc.resettleMore', { amount: formatFen(resettle.differenceFen) })}`}
                  {resettle.debtFen > 0 && ` · ${t('sessions.fc.resettleDebt', { debt: formatFen(resettle.debtFen) })}`}
                  {resettle.returnedFen > 0 && ` · ${t('sessions.fc.resettleLess', { amount: formatFen(resettle.returnedFen) })}`}
                </Typography.Text>
              )}
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatTime(e.at)}
                {e.chargerAt !== null && ` · ${t('sessions.chargerTime', { time: formatTime(e.chargerAt) })}`}
                {e.operatorName && ` · ${t('sessions.eventBy', { name: e.operatorName })}`}
              </Typography.Text>
            </Flex>
          ),
        };
      })}
    />
  );
}
