import { Card, Col, Empty, Row, Statistic } from 'antd';
import type { MethodOutput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { formatFigure } from '../../lib/format';

type Figure = MethodOutput<'dashboard.summary'>['figures'][number];

// Figures are grouped by the domain prefix of their key; the foundation's few system figures
// share one card instead of a card each.
const GROUP_OF_PREFIX: Record<string, string> = { operators: 'system', audit: 'system', db: 'system', alerts: 'jobs' };
// Figures that mean "someone should look" when above zero.
const ATTENTION = new Set([
  'jobs.failing',
  'jobs.discarded',
  'alerts.open',
  'ledger.holdsPastExpiry',
  'chargers.offline',
  'chargers.faulted',
  'sessions.awaitingReview',
  'sessions.unsettled',
  'sessions.unsettledOutsideWindow',
  'sessions.lastSweepResult',
  'sessions.sweepFailingStreak',
  'payments.unmatched',
]);

function groupFigures(figures: readonly Figure[]): [string, Figure[]][] {
  const groups = new Map<string, Figure[]>();
  for (const f of figures) {
    const prefix = f.key.split('.')[0];
    const group = GROUP_OF_PREFIX[prefix] ?? prefix;
    groups.set(group, [...(groups.get(group) ?? []), f]);
  }
  return [...groups];
}

export function FigureGroups({ figures, loading }: { figures: readonly Figure[] | undefined; loading: boolean }) {
  const { t, maybe } = useI18n();
  if (!figures) return <Card size="small" loading={loading} />;
  if (figures.length === 0) return <Empty description={t('dashboard.noFigures')} />;
  return (
    <Row gutter={[16, 16]}>
      {groupFigures(figures).map(([group, items]) => (
        <Col key={group} xs={24} xl={items.length > 4 ? 24 : 12}>
          <Card size="small" title={maybe(`figureGroup.${group}`) ?? group} style={{ height: '100%' }} data-testid={`figure-group-${group}`}>
            <Row gutter={[16, 12]}>
              {items.map((f) => (
                <Col key={f.key} xs={12} md={items.length > 4 ? 6 : 8} xxl={items.length > 4 ? 3 : 8}>
                  <Statistic
                    data-testid={`figure-${f.key}`}
                    title={maybe(`figure.${f.key}`) ?? f.key}
                    value={formatFigure(f.value, f.unit)}
                    valueStyle={ATTENTION.has(f.key) && f.value > 0 ? { color: '#cf1322' } : undefined}
                  />
                </Col>
              ))}
            </Row>
          </Card>
        </Col>
      ))}
    </Row>
  );
}
