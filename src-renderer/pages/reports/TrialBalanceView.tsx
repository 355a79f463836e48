import { Alert, Flex, Table, Tag, Typography } from 'antd';
import { CheckCircleOutlined, CloseCircleOutlined } from '@ant-design/icons';
import { useI18n } from '../../i18n';
import { displayFen } from '../../lib/format';
import { accountKey } from '../../lib/accounts';
import { trialTotals, type TrialLine } from './model';

const grouped = (n: number) => n.toLocaleString('en-US');

/**
 * 试算平衡: each depot account, and each kind of driver account summed over the drivers, with its
 * opening balance, the period's debits and credits and its closing balance; per unit a totals row
 * and a tag saying whether debits equal credits (they always should: every transfer has both).
 */
export function TrialBalanceView({ lines }: { lines: TrialLine[] }) {
  const { t, maybe } = useI18n();
  const totals = trialTotals(lines);
  const value = (l: { unit: string }, v: number) => (l.unit === 'CNY' ? displayFen(v) : `${grouped(v)} ${t('reports.points')}`);
  const units = totals.map((u) => u.unit);
  return (
    <Flex vertical gap="middle" data-testid="report-trial-balance">
      <Flex gap="small" wrap>
        {totals.map((u) => (
          <Tag
            key={u.unit}
            icon={u.balanced ? <CheckCircleOutlined /> : <CloseCircleOutlined />}
            color={u.balanced ? 'success' : 'error'}
            data-testid={`trial-balanced-${u.unit}`}
            style={{ fontSize: 14, padding: '4px 10px' }}
          >
            {t(u.balanced ? 'reports.trial.balanced' : 'reports.trial.unbalanced', {
              unit: t(u.unit === 'CNY' ? 'reports.unit.CNY' : 'reports.unit.points'),
              debits: value(u, u.debits),
              credits: value(u, u.credits),
            })}
          </Tag>
        ))}
      </Flex>
      {lines.length === 0 && <Alert type="info" showIcon message={t('reports.empty')} />}
      {units.map((unit) => (
        <Table<TrialLine>
          key={unit}
          size="small"
          rowKey="account"
          pagination={false}
          data-testid={`trial-table-${unit}`}
          dataSource={lines.filter((l) => l.unit === unit)}
          columns={[
            {
              title: t('reports.col.account'),
              dataIndex: 'account',
              render: (a: string, l) => (
                <span>
                  {maybe(accountKey(a)) ?? a}
                  {l.accounts > 0 && <Typography.Text type="secondary">{` · ${t('reports.trial.accounts', { count: l.accounts })}`}</Typography.Text>}
                </span>
              ),
            },
            { title: t('reports.col.opening'), dataIndex: 'opening', align: 'right', width: 150, render: (v: number, l) => value(l, v) },
            { title: t('reports.col.debits'), dataIndex: 'debits', align: 'right', width: 150, render: (v: number, l) => value(l, v) },
            { title: t('reports.col.credits'), dataIndex: 'credits', align: 'right', width: 150, render: (v: number, l) => value(l, v) },
            { title: t('reports.col.closing'), dataIndex: 'closing', align: 'right', width: 150, render: (v: number, l) => value(l, v) },
          ]}
          summary={() => {
            const u = totals.find((x) => x.unit === unit)!;
            return (
              <Table.Summary.Row data-testid={`trial-totals-${unit}`} style={{ background: '#fafafa', fontWeight: 600 }}>
                <Table.Summary.Cell index={0}>{t('reports.total')}</Table.Summary.Cell>
                <Table.Summary.Cell index={1} align="right">
                  {value(u, u.opening)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={2} align="right">
                  {value(u, u.debits)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={3} align="right">
                  {value(u, u.credits)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={4} align="right">
                  {value(u, u.closing)}
                </Table.Summary.Cell>
              </Table.Summary.Row>
            );
          }}
        />
      ))}
    </Flex>
  );
}
