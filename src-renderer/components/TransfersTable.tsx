import { Table, Typography } from 'antd';
import { useI18n } from '../i18n';
import { accountLabel, phaseLabel, transferCodeLabel, transferFlow } from '../lib/accounts';
import { displayFen } from '../lib/format';
import { formatTime } from '../lib/time';

/** A ledger transfer as a drawer lists it; `amount` is fen, or points when `unit` is 'points'. */
export interface TransferLine {
  id: string;
  createdAt: number;
  code: string;
  phase: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: number;
  unit?: string;
}

/**
 * The ledger transfers behind a session or an order, in words: the kind (充值, 使用优惠券 …), the
 * phase, where the money went by the accounts' meaning (微信支付待清算 → 钱包; a released hold
 * 冻结款 → 钱包, lib/accounts.ts's transferFlow) and the amount. No account id or driver id is
 * shown, on hover either: the hover repeats the words, for a cell cut short by its width.
 */
export function TransfersTable({ transfers, empty, testId }: { transfers: readonly TransferLine[]; empty: string; testId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <Table<TransferLine>
      size="small"
      rowKey="id"
      pagination={false}
      data-testid={testId}
      dataSource={[...transfers]}
      locale={{ emptyText: empty }}
      columns={[
        { title: t('sessions.transfer.at'), dataIndex: 'createdAt', width: 160, render: (at: number) => formatTime(at) },
        { title: t('sessions.transfer.code'), dataIndex: 'code', render: (c: string) => transferCodeLabel(c, i18n) },
        { title: t('sessions.transfer.phase'), dataIndex: 'phase', width: 80, render: (p: string) => phaseLabel(p, i18n) },
        {
          title: t('sessions.transfer.accounts'),
          key: 'accounts',
          ellipsis: true,
          render: (_, r) => {
            const { from, to } = transferFlow(r);
            const text = `${accountLabel(from, i18n)} → ${accountLabel(to, i18n)}`;
            return (
              <Typography.Text type="secondary" title={text}>
                {text}
              </Typography.Text>
            );
          },
        },
        {
          title: t('sessions.transfer.amount'),
          key: 'amount',
          align: 'right',
          width: 110,
          render: (_, r) => (r.unit === 'points' ? t('comp.pointsValue', { n: r.amount }) : displayFen(r.amount)),
        },
      ]}
    />
  );
}
