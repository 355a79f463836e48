import { Button, Descriptions, Drawer, Empty, Flex, Table, Tag, Typography } from 'antd';
import { api } from '../../api';
import type { MethodOutput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { displayFen } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { ExpiresText, SourceTag } from './BlacklistTab';
import {
  DRIVER_DEBT_RULES,
  LISTING_COLOR,
  listingFigures,
  listingReason,
  listingRecords,
  listingStateLabel,
  maskPhone,
  paramsText,
  ruleDescription,
  ruleName,
  type Listing,
} from './model';

type Adjustment = MethodOutput<'adjustments.get'>;

/**
 * "Why was this driver refused?": one listing with what the driver is told, who or which rule
 * decided it, the rule's version as it was then (its parameters, who set them and why), and the
 * records it counted (the debts or refund requests themselves).
 */
export function ListingDrawer({ id, version, onClose, onLift }: { id: string | null; version: number; onClose(): void; onLift(l: Listing): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const detail = useQuery(() => (id ? api.risk.listing({ listingId: id }) : Promise.resolve(null)), [id, version]);
  const l = id && detail.data?.id === id ? detail.data : null;
  return (
    <Drawer
      open={id !== null}
      onClose={onClose}
      width={680}
      title={l ? t('risk.why.title', { driver: l.driverName }) : t('risk.why.titleEmpty')}
      loading={!l && detail.loading}
      extra={
        l?.state === 'active' &&
        can(SUPERVISORS) && (
          <Button onClick={() => onLift(l)} data-testid="why-lift">
            {t('risk.bl.lift')}
          </Button>
        )
      }
      data-testid="listing-drawer"
    >
      {l && (
        <Flex vertical gap="middle">
          <ListingFacts listing={l} />
          {l.source === 'rule' && l.ruleCode ? (
            <RuleAtTheTime listing={l} />
          ) : (
            <Typography.Text type="secondary">{t('risk.why.manual', { who: l.listedBy?.name ?? '—' })}</Typography.Text>
          )}
        </Flex>
      )}
    </Drawer>
  );
}

function ListingFacts({ listing: l }: { listing: Listing }) {
  const { t, maybe } = useI18n();
  return (
    <Descriptions size="small" column={1} bordered>
      <Descriptions.Item label={t('risk.bl.col.driver')}>
        {l.driverName} <Typography.Text type="secondary">{maskPhone(l.driverPhone)}</Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('risk.bl.col.state')}>
        <Tag color={LISTING_COLOR[l.state]} data-testid="why-state">
          {t(listingStateLabel(l.state))}
        </Tag>
      </Descriptions.Item>
      <Descriptions.Item label={t('risk.why.told')}>
        <Typography.Text strong data-testid="why-reason">
          {listingReason(maybe, l)}
        </Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('risk.bl.col.source')}>
        <span data-testid="why-source">
          <SourceTag listing={l} />
        </span>
      </Descriptions.Item>
      <Descriptions.Item label={t('risk.bl.col.listed')}>
        {l.listedBy?.name ?? t('risk.bl.byRule')} · {formatTime(l.listedAt)}
      </Descriptions.Item>
      <Descriptions.Item label={t('risk.bl.col.expires')}>
        <ExpiresText listing={l} />
      </Descriptions.Item>
      {l.endedAt !== null && (
        <Descriptions.Item label={t('risk.why.ended')}>
          {l.endedBy?.name ?? t('risk.bl.byRule')} · {formatTime(l.endedAt)}
          {l.endNote ? ` · ${l.endNote}` : ''}
        </Descriptions.Item>
      )}
    </Descriptions>
  );
}

/** The rule as it was when it decided: the version's own record, what it counted, and the records. */
function RuleAtTheTime({ listing: l }: { listing: Listing }) {
  const { t, maybe } = useI18n();
  const code = l.ruleCode!;
  const history = useQuery(() => api.risk.ruleHistory({ code }), [code]);
  const v = history.data?.find((h) => h.version === l.ruleVersion);
  const counted = (l.facts.params ?? {}) as Record<string, unknown>;
  return (
    <Flex vertical gap="small" data-testid="why-rule">
      <Typography.Title level={5} style={{ margin: 0 }}>
        {t('risk.why.rule', { rule: ruleName(maybe, code), version: l.ruleVersion ?? 0 })}
      </Typography.Title>
      <Typography.Text type="secondary">{ruleDescription(maybe, { code, summary: '', params: counted })}</Typography.Text>
      <Descriptions size="small" column={1} bordered>
        <Descriptions.Item label={t('risk.why.version')}>
          {v ? t('risk.why.versionSet', { who: v.changedBy?.name ?? '—', at: formatTime(v.changedAt), note: v.note || '—' }) : t('risk.why.versionDefault')}
        </Descriptions.Item>
        <Descriptions.Item label={t('risk.why.counted')}>{paramsText(maybe, counted)}</Descriptions.Item>
        <Descriptions.Item label={t('risk.why.figures')}>
          {listingFigures(l)
            .map(([k, n]) => `${maybe(`risk.figure.${k}`) ?? k} ${String(n)}`)
            .join(' · ')}
        </Descriptions.Item>
      </Descriptions>
      <Typography.Text strong>{t('risk.why.records')}</Typography.Text>
      {DRIVER_DEBT_RULES.has(code) ? <DebtRecords listing={l} /> : <AdjustmentRecords ids={listingRecords(l)} />}
    </Flex>
  );
}

function DebtRecords({ listing: l }: { listing: Listing }) {
  const { t } = useI18n();
  const ids = new Set(listingRecords(l));
  const debts = useQuery(() => api.ledger.debts({ driverId: l.driverId, status: 'all', limit: 1000 }), [l.driverId]);
  const rows = (debts.data ?? []).filter((d) => ids.has(d.debtId));
  return (
    <Table
      rowKey="debtId"
      size="small"
      pagination={false}
      data-testid="why-records"
      loading={debts.loading && !debts.data}
      dataSource={rows}
      locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={[...ids].join(', ') || t('common.none')} /> }}
      columns={[
        { title: t('risk.wo.col.debtAt'), render: (_, d) => formatTime(d.createdAt, 'YYYY-MM-DD HH:mm') },
        { title: t('risk.wo.col.amount'), align: 'right', render: (_, d) => `¥${d.amount.yuan}` },
        { title: t('risk.wo.col.owed'), align: 'right', render: (_, d) => `¥${d.owed.yuan}` },
        { title: t('risk.wo.col.debtState'), render: (_, d) => <Tag>{t(`risk.debt.${d.status}`)}</Tag> },
        { title: t('risk.wo.col.closed'), render: (_, d) => (d.closedAt ? formatTime(d.closedAt, 'YYYY-MM-DD HH:mm') : '—') },
      ]}
    />
  );
}

function AdjustmentRecords({ ids }: { ids: string[] }) {
  const { t } = useI18n();
  const adjustments = useQuery(() => Promise.all(ids.map((adjustmentId) => api.adjustments.get({ adjustmentId }))), [ids.join(',')]);
  return (
    <Table<Adjustment>
      rowKey="id"
      size="small"
      pagination={false}
      data-testid="why-records"
      loading={adjustments.loading && !adjustments.data}
      dataSource={adjustments.data ?? []}
      columns={[
        { title: t('refunds.adj.col.createdAt'), render: (_, a) => formatTime(a.createdAt, 'YYYY-MM-DD HH:mm') },
        { title: t('refunds.adj.col.amount'), align: 'right', render: (_, a) => displayFen(a.amount.fen) },
        { title: t('refunds.adj.col.reason'), dataIndex: 'reason' },
        { title: t('refunds.adj.col.state'), render: (_, a) => t(`refunds.adj.state.${a.state}`) },
      ]}
    />
  );
}
