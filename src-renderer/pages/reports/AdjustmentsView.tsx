import { Flex, Table, Tag, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { displayFen } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { sumBy, type AdjustmentLine } from './model';

const KIND_COLOR: Record<string, string> = { campaign: 'purple', manual_refund: 'blue', refund_task: 'cyan', debt_write_off: 'volcano', recon_write_off: 'orange' };

/**
 * 调账与核销: every decision that moved money in the period — compensation campaigns, manual
 * refunds, refund tasks, debt and reconciliation write-offs — with who created and who approved it,
 * a subtotal per kind and the total.
 */
export function AdjustmentsView({ lines }: { lines: AdjustmentLine[] }) {
  const { t, maybe } = useI18n();
  const kinds = [...new Set(lines.map((l) => l.kind))];
  return (
    <Flex vertical gap="small" data-testid="report-adjustments">
      <Flex gap="small" wrap>
        {kinds.map((k) => {
          const of = lines.filter((l) => l.kind === k);
          return (
            <Tag key={k} color={KIND_COLOR[k]}>
              {`${maybe(`reports.adj.${k}`) ?? k} · ${of.length} · ${displayFen(sumBy(of, (l) => l.amountFen))}`}
            </Tag>
          );
        })}
      </Flex>
      <Table<AdjustmentLine>
        size="small"
        rowKey={(l) => `${l.kind}:${l.id}`}
        pagination={lines.length > 50 ? { pageSize: 50, size: 'small', showSizeChanger: false } : false}
        scroll={{ x: 1100 }}
        data-testid="adjustments-lines"
        dataSource={lines}
        locale={{ emptyText: t('reports.empty') }}
        columns={[
          { title: t('reports.col.kind'), dataIndex: 'kind', width: 110, render: (k: string) => <Tag color={KIND_COLOR[k]}>{maybe(`reports.adj.${k}`) ?? k}</Tag> },
          { title: t('reports.col.description'), dataIndex: 'description', ellipsis: true },
          { title: t('reports.col.state'), dataIndex: 'state', width: 100 },
          { title: t('reports.col.amount'), dataIndex: 'amountFen', align: 'right', width: 120, render: (f: number) => displayFen(f) },
          { title: t('reports.col.createdBy'), dataIndex: 'createdBy', width: 100, render: (v: string | null) => v ?? '—' },
          { title: t('reports.col.createdAt'), dataIndex: 'createdAt', width: 160, render: (at: number) => formatTime(at, 'YYYY-MM-DD HH:mm') },
          {
            title: t('reports.col.approvedBy'),
            dataIndex: 'approvedBy',
            width: 100,
            render: (v: string | null) => v ?? <Typography.Text type="secondary">—</Typography.Text>,
          },
          { title: t('reports.col.approvedAt'), dataIndex: 'approvedAt', width: 160, render: (at: number | null) => (at ? formatTime(at, 'YYYY-MM-DD HH:mm') : '—') },
        ]}
        summary={() =>
          lines.length > 0 ? (
            <Table.Summary.Row data-testid="adjustments-totals" style={{ background: '#fafafa', fontWeight: 600 }}>
              <Table.Summary.Cell index={0} colSpan={3}>
                {t('reports.totalCount', { count: lines.length })}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={3} align="right">
                {displayFen(sumBy(lines, (l) => l.amountFen))}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={4} colSpan={4} />
            </Table.Summary.Row>
          ) : null
        }
      />
    </Flex>
  );
}
