import { Alert, Card, Empty, Flex, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { displayFen, formatWh } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { BreaksTable } from './BreaksTable';
import { RunDayButton, SignOffButton } from './DayActions';
import { DAY_TAG_COLOR, cellState, channelKey, dayStateKey, kindKey, KIND_COLOR, type Break, type Day, type DayDetail as Detail } from './model';

type Channel = Detail['day']['channels'][number];
type Pending = Detail['day']['pending'][number];
type Energy = Detail['energy'][number];

/**
 * One day: its state and sign-off, the figures per channel (the gateway's against ours, fees, what
 * the gateway should settle), what is still pending and for how long, its breaks and the energy
 * check of each charger.
 */
export function DayDetailCard({
  day,
  today,
  record,
  version,
  onOpenBreak,
  onChanged,
}: {
  day: string;
  today: string;
  record: Day | undefined;
  version: number;
  onOpenBreak(b: Break): void;
  onChanged(): void;
}) {
  const { t } = useI18n();
  // A day never run has no record: recon.day would answer not_found, so it is not asked.
  const detail = useQuery(() => (record ? api.recon.day({ date: day }) : Promise.resolve(null)), [day, version, record?.lastRunAt, record?.state]);
  const d = detail.data?.day.day === day ? detail.data : null;
  const state = cellState(day, today, record);
  return (
    <Card
      size="small"
      data-testid="recon-day-detail"
      loading={Boolean(record) && !d && detail.loading}
      title={
        <Space>
          <span>{day}</span>
          <Tag color={DAY_TAG_COLOR[state]} data-testid="recon-day-state">
            {t(dayStateKey(state))}
          </Tag>
        </Space>
      }
      extra={
        <Space>
          <RunDayButton day={day} today={today} onDone={onChanged} />
          <SignOffButton day={day} today={today} record={record} onDone={onChanged} />
        </Space>
      }
    >
      {!record || !d ? (
        <Empty description={t(day >= today ? 'recon.day.notOver' : 'recon.day.notRun')} />
      ) : (
        <Flex vertical gap="middle">
          <DayHeadline detail={d} />
          <ChannelTable channels={d.day.channels} />
          <PendingTable pending={d.day.pending} count={d.day.pendingCount} windowDays={d.day.windowDays} />
          <section>
            <Typography.Title level={5}>{t('recon.day.breaks', { count: d.breaks.length })}</Typography.Title>
            <BreaksTable rows={d.breaks} onOpen={onOpenBreak} testId="recon-day-breaks" />
          </section>
          <EnergyTable energy={d.energy} />
        </Flex>
      )}
    </Card>
  );
}

function DayHeadline({ detail: d }: { detail: Detail }) {
  const { t } = useI18n();
  const x = d.day;
  return (
    <Flex vertical gap="small">
      {x.signedOffAt !== null && (
        <Alert
          type="info"
          showIcon
          data-testid="recon-signed-off"
          message={t('recon.signOff.by', { name: x.signedOffBy?.name ?? '—', at: formatTime(x.signedOffAt) })}
          description={x.signOffNote ?? undefined}
        />
      )}
      <Flex gap={32} wrap>
        <Statistic title={t('recon.stat.matched')} value={x.matchedPayments + x.matchedRefunds} />
        <Statistic title={t('recon.stat.pending')} value={x.pendingCount} />
        <Statistic title={t('recon.stat.breaks')} value={`${x.breaksOpen} / ${x.breaksTotal}`} />
        <Statistic title={t('recon.stat.energy')} value={x.energyAnomalies} valueStyle={x.energyAnomalies > 0 ? { color: '#cf1322' } : undefined} />
        <Statistic title={t('recon.stat.lastRun')} value={formatTime(x.lastRunAt, 'MM-DD HH:mm')} />
      </Flex>
    </Flex>
  );
}

const tally = (x: { count: number; amount: { fen: number } }) => `${displayFen(x.amount.fen)} (${x.count})`;

function ChannelTable({ channels }: { channels: Channel[] }) {
  const { t } = useI18n();
  const columns: TableColumnsType<Channel> = [
    { title: t('recon.ch.channel'), render: (_, c) => t(channelKey(c.channel)) },
    { title: t('recon.ch.gatewayPayments'), align: 'right', render: (_, c) => tally(c.gatewayPayments) },
    { title: t('recon.ch.ourPayments'), align: 'right', render: (_, c) => tally(c.ourPayments) },
    { title: t('recon.ch.gatewayRefunds'), align: 'right', render: (_, c) => tally(c.gatewayRefunds) },
    { title: t('recon.ch.ourRefunds'), align: 'right', render: (_, c) => tally(c.ourRefunds) },
    { title: t('recon.ch.fees'), align: 'right', render: (_, c) => displayFen(c.fees.fen) },
    { title: t('recon.ch.net'), align: 'right', render: (_, c) => <Typography.Text strong>{displayFen(c.netSettlement.fen)}</Typography.Text> },
    {
      title: t('recon.ch.difference'),
      align: 'right',
      render: (_, c) => {
        const diff = c.gatewayPayments.amount.fen - c.gatewayRefunds.amount.fen - (c.ourPayments.amount.fen - c.ourRefunds.amount.fen);
        return <Typography.Text type={diff === 0 ? 'success' : 'danger'}>{displayFen(diff)}</Typography.Text>;
      },
    },
  ];
  return (
    <section>
      <Typography.Title level={5}>{t('recon.day.channels')}</Typography.Title>
      <Table<Channel> rowKey="channel" size="small" pagination={false} data-testid="recon-channels" columns={columns} dataSource={channels} />
    </section>
  );
}

function PendingTable({ pending, count, windowDays }: { pending: Pending[]; count: number; windowDays: number }) {
  const { t } = useI18n();
  if (count === 0) return null;
  const columns: TableColumnsType<Pending> = [
    { title: t('recon.col.kind'), render: (_, p) => <Tag color={KIND_COLOR[p.kind]}>{t(kindKey(p.kind))}</Tag> },
    { title: t('recon.ch.channel'), render: (_, p) => t(channelKey(p.channel)) },
    { title: t('recon.col.order'), render: (_, p) => p.orderNumber ?? p.refundNo ?? '—' },
    { title: t('recon.col.trade'), render: (_, p) => <Typography.Text copyable={Boolean(p.tradeNo)}>{p.tradeNo ?? '—'}</Typography.Text> },
    { title: t('recon.col.gateway'), align: 'right', render: (_, p) => displayFen(p.gateway.fen) },
    { title: t('recon.col.ours'), align: 'right', render: (_, p) => displayFen(p.ours.fen) },
    { title: t('recon.col.age'), render: (_, p) => t('recon.pending.age', { age: p.ageDays, window: windowDays }) },
  ];
  return (
    <section>
      <Typography.Title level={5}>{t('recon.day.pending', { count })}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('recon.pending.hint', { window: windowDays })}</Typography.Paragraph>
      <Table<Pending>
        rowKey={(p) => `${p.kind}:${p.orderNumber}:${p.tradeNo}:${p.refundNo}`}
        size="small"
        pagination={false}
        data-testid="recon-pending"
        columns={columns}
        dataSource={pending}
      />
    </section>
  );
}

function EnergyTable({ energy }: { energy: Energy[] }) {
  const { t } = useI18n();
  const columns: TableColumnsType<Energy> = [
    { title: t('recon.energy.charger'), dataIndex: 'chargerId' },
    { title: t('recon.energy.sessions'), dataIndex: 'sessions', align: 'right' },
    { title: t('recon.energy.billed'), align: 'right', render: (_, e) => formatWh(e.billedWh) },
    { title: t('recon.energy.register'), align: 'right', render: (_, e) => formatWh(e.registerWh) },
    { title: t('recon.energy.gap'), align: 'right', render: (_, e) => formatWh(e.gapWh) },
    { title: t('recon.energy.diff'), align: 'right', render: (_, e) => `${(e.diffBp / 100).toFixed(2)} %` },
    {
      title: t('recon.energy.result'),
      render: (_, e) => (e.anomaly ? <Tag color="red">{t('recon.energy.anomaly')}</Tag> : <Tag color="green">{t('recon.energy.ok')}</Tag>),
    },
  ];
  return (
    <section>
      <Typography.Title level={5}>{t('recon.day.energy')}</Typography.Title>
      <Table<Energy>
        rowKey="chargerId"
        size="small"
        pagination={false}
        data-testid="recon-energy"
        columns={columns}
        dataSource={energy}
        locale={{ emptyText: t('recon.energy.none') }}
      />
    </section>
  );
}
