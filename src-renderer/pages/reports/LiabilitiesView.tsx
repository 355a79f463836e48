import { Card, Col, Descriptions, Row, Statistic, Table } from 'antd';
import { useI18n } from '../../i18n';
import { displayFen } from '../../lib/format';
import { sumBy, type Liabilities } from './model';

type Movement = Liabilities['wallets']['movements'][number];

/**
 * 余额与负债: what the depot owes its drivers (wallets rolled forward from opening to closing by
 * transfer code, money held for running sessions, coupons, points) and what they owe it (debts,
 * collected and written off, open debts by age).
 */
export function LiabilitiesView({ report }: { report: Liabilities }) {
  const { t } = useI18n();
  const { wallets, held, coupons, points, debts } = report;
  return (
    <div data-testid="report-liabilities">
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col xs={12} md={6}>
          <Statistic title={t('reports.liab.walletsClosing')} value={displayFen(wallets.closingFen)} data-testid="liab-wallets-closing" />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('reports.liab.held')} value={displayFen(held.closingFen)} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('reports.liab.debtsClosing')} value={displayFen(debts.closingFen)} valueStyle={debts.closingFen > 0 ? { color: '#cf1322' } : undefined} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('reports.liab.points')} value={points.closingPoints.toLocaleString('en-US')} />
        </Col>
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <WalletRoll wallets={wallets} />
        </Col>
        <Col xs={24} xl={10}>
          <DebtsCard debts={debts} />
          <Card size="small" title={t('reports.liab.other')} style={{ marginTop: 16 }}>
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('reports.liab.openHolds')}>{`${held.openHolds} · ${displayFen(held.openHoldsFen)}`}</Descriptions.Item>
              <Descriptions.Item
                label={t('reports.liab.coupons')}
              >{`${coupons.coupons} · ${displayFen(coupons.remainingFen)} / ${displayFen(coupons.faceFen)}`}</Descriptions.Item>
              <Descriptions.Item
                label={t('reports.liab.pointsRoll')}
              >{`${points.openingPoints.toLocaleString('en-US')} → ${points.closingPoints.toLocaleString('en-US')}`}</Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      </Row>
    </div>
  );
}

/** The wallets rolled forward: the opening balance, each kind of movement in and out, the closing balance. */
function WalletRoll({ wallets }: { wallets: Liabilities['wallets'] }) {
  const { t, maybe } = useI18n();
  const net = (m: Movement) => m.credits - m.debits;
  // The opening balance reads as the first line; the movements follow; the closing closes the table.
  const rows: (Movement & { opening?: boolean })[] = [{ type: 'wallet', code: '', credits: wallets.openingFen, debits: 0, opening: true }, ...wallets.movements];
  return (
    <Card size="small" title={t('reports.liab.walletRoll')}>
      <Table
        size="small"
        rowKey={(m) => (m.opening ? '(opening)' : m.code)}
        pagination={false}
        data-testid="liab-movements"
        dataSource={rows}
        columns={[
          { title: t('reports.col.code'), dataIndex: 'code', render: (c: string, m) => (m.opening ? t('reports.liab.opening') : (maybe(`ledger.code.${c}`) ?? c)) },
          { title: t('reports.col.in'), dataIndex: 'credits', align: 'right', render: (f: number, m) => (m.opening ? '' : f ? displayFen(f) : '—') },
          { title: t('reports.col.out'), dataIndex: 'debits', align: 'right', render: (f: number, m) => (m.opening ? '' : f ? displayFen(f) : '—') },
          { title: t('reports.col.net'), key: 'net', align: 'right', render: (_, m) => displayFen(net(m)) },
        ]}
        summary={() => (
          <Table.Summary.Row style={{ background: '#fafafa', fontWeight: 600 }} data-testid="liab-closing-row">
            <Table.Summary.Cell index={0} colSpan={3}>
              {wallets.movements.length === 0 ? `${t('reports.liab.closing')} · ${t('reports.liab.noMovements')}` : t('reports.liab.closing')}
            </Table.Summary.Cell>
            <Table.Summary.Cell index={3} align="right">
              {displayFen(wallets.openingFen + sumBy(wallets.movements, net))}
            </Table.Summary.Cell>
          </Table.Summary.Row>
        )}
      />
    </Card>
  );
}

function DebtsCard({ debts }: { debts: Liabilities['debts'] }) {
  const { t } = useI18n();
  return (
    <Card size="small" title={t('reports.liab.debts')}>
      <Descriptions size="small" column={2} style={{ marginBottom: 8 }}>
        <Descriptions.Item label={t('reports.liab.opening')}>{displayFen(debts.openingFen)}</Descriptions.Item>
        <Descriptions.Item label={t('reports.liab.closing')}>{displayFen(debts.closingFen)}</Descriptions.Item>
        <Descriptions.Item label={t('reports.liab.collected')}>{displayFen(debts.collectedFen)}</Descriptions.Item>
        <Descriptions.Item label={t('reports.liab.writtenOff')}>{displayFen(debts.writtenOffFen)}</Descriptions.Item>
      </Descriptions>
      <Table
        size="small"
        rowKey="bucket"
        pagination={false}
        data-testid="liab-ageing"
        dataSource={debts.ageing}
        columns={[
          { title: t('reports.col.age'), dataIndex: 'bucket', render: (b: string) => t('dash.chart.days', { range: b }) },
          { title: t('reports.col.count'), dataIndex: 'debts', align: 'right' },
          { title: t('reports.col.owed'), dataIndex: 'owedFen', align: 'right', render: (f: number) => displayFen(f) },
        ]}
        summary={() => (
          <Table.Summary.Row style={{ background: '#fafafa', fontWeight: 600 }}>
            <Table.Summary.Cell index={0}>{t('reports.total')}</Table.Summary.Cell>
            <Table.Summary.Cell index={1} align="right">
              {debts.open}
            </Table.Summary.Cell>
            <Table.Summary.Cell index={2} align="right">
              {displayFen(sumBy(debts.ageing, (a) => a.owedFen))}
            </Table.Summary.Cell>
          </Table.Summary.Row>
        )}
      />
    </Card>
  );
}
