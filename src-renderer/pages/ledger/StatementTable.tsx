import { useEffect, useState } from 'react';
import { DatePicker, Flex, Select, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import type { Dayjs } from 'dayjs';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { RefText } from '../../components/RefText';
import { memoText } from '../../lib/memoText';
import { useRefNumbers, type RefNumbers } from '../../lib/refNumbers';
import { statementReference, type ReferenceNumbers } from '../../lib/statementReference';
import { formatFen } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { ExportButton } from '../../components/ExportButton';
import {
  ACCOUNTS,
  ACCOUNT_LABEL,
  CODES,
  CODE_LABEL,
  signed,
  statementTone,
  type StatementAccount,
  type StatementCursor,
  type StatementLine,
  type StatementOut,
  type TransferCode,
} from './model';

/** Lines per page: the core reads a page at a time (issue 18), newest page first. */
const PAGE_SIZES = [50, 100, 200];

/** Points lines count points; every other line is money in fen. */
const amountText = (l: StatementLine, n: number, text: string) => (l.unit === 'points' ? String(n) : text);

/** The statement's export takes a period only: an account or movement filter on screen is named, and the export waits for it to be cleared. */
function unexportable(t: ReturnType<typeof useI18n>['t'], accounts: boolean, codes: boolean): string | undefined {
  const named = [accounts && t('ledger.statement.accounts'), codes && t('ledger.statement.codes')].filter(Boolean);
  return named.length ? named.join(', ') : undefined;
}

/** The opening or closing balances as the sentence above and below the lines words them. */
const balances = (b: StatementOut['opening']) => ({
  balance: formatFen(b.wallet.balance.fen),
  held: formatFen(b.wallet.held.fen),
  debt: formatFen(b.debt.fen),
  points: b.points,
});

/**
 * The statement's pages, read one at a time from the core: page 1 is the newest lines, each page
 * after it the lines before the first one of the page before (its cursor, learnt as that page is
 * read), so the pager knows the pages read so far and one more while the core says there are older
 * lines. Another query (a filter, the page size, a movement pushed in) starts again at page 1.
 */
function useStatementPages(query: string) {
  const [page, setPage] = useState(1);
  /** cursors[i]: where page i + 1 starts (before that line); none for the first. */
  const [cursors, setCursors] = useState<(StatementCursor | undefined)[]>([undefined]);
  const [shownQuery, setShownQuery] = useState(query);
  if (shownQuery !== query) {
    setShownQuery(query);
    setPage(1);
    setCursors([undefined]);
  }
  /** A page read for `query`: the cursor of the page after it, if it is not known yet. */
  const learn = (read: { query: string; page: number; nextCursor: StatementCursor | null } | undefined) => {
    const next = read?.nextCursor;
    if (next && read.query === query) setCursors((c) => (c.length === read.page ? [...c, next] : c));
  };
  return { page, setPage, known: cursors.length, before: cursors[page - 1], learn };
}

/**
 * A driver's statement like a bank's: every movement with its running balance. Filters narrow
 * what is shown; the balances printed next to each line always count the whole history.
 */
export function StatementTable({ driverId, version }: { driverId: string; version: number }) {
  const { t } = useI18n();
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [accounts, setAccounts] = useState<StatementAccount[]>([]);
  const [codes, setCodes] = useState<TransferCode[]>([]);
  const [pageSize, setPageSize] = useState(PAGE_SIZES[0]);
  const from = range?.[0]?.format('YYYY-MM-DD');
  const to = range?.[1]?.format('YYYY-MM-DD');
  const query = [driverId, from, to, accounts.join(','), codes.join(','), pageSize, version].join('|');
  const { page, setPage, known, before, learn } = useStatementPages(query);
  const statement = useQuery(
    async () => ({
      query,
      page,
      ...(await api.ledger.statement({
        driverId,
        from,
        to,
        accounts: accounts.length ? accounts : undefined,
        codes: codes.length ? codes : undefined,
        limit: pageSize,
        before,
      })),
    }),
    [query, page, before?.seq, before?.accountId],
  );
  const s = statement.data;
  useEffect(() => learn(s), [s]); // eslint-disable-line react-hooks/exhaustive-deps -- a page read teaches its cursor once
  const refs = useStatementRefs(driverId, statement.data?.lines ?? []);
  const columns = useStatementColumns(refs);

  return (
    <Flex vertical gap="small" data-testid="ledger-statement">
      <Flex gap="small" wrap>
        <DatePicker.RangePicker allowEmpty={[true, true]} onChange={(v) => setRange(v)} placeholder={[t('ledger.statement.range'), t('ledger.statement.range')]} />
        <Select
          mode="multiple"
          allowClear
          style={{ minWidth: 200 }}
          placeholder={t('ledger.statement.accounts')}
          value={accounts}
          onChange={setAccounts}
          options={ACCOUNTS.map((a) => ({ value: a, label: t(ACCOUNT_LABEL[a]) }))}
        />
        <Select
          mode="multiple"
          allowClear
          style={{ minWidth: 240 }}
          placeholder={t('ledger.statement.codes')}
          value={codes}
          onChange={setCodes}
          options={CODES.map((c) => ({ value: c, label: t(CODE_LABEL[c]) }))}
        />
        <ExportButton list="statement" filter={{ driverId, from, to }} unsupported={unexportable(t, accounts.length > 0, codes.length > 0)} />
      </Flex>
      {s && <Typography.Text type="secondary">{t('ledger.statement.opening', balances(s.opening))}</Typography.Text>}
      {known > 1 && <Typography.Text type="secondary">{t('ledger.statement.pages')}</Typography.Text>}
      <Table<StatementLine>
        rowKey={(l) => `${l.seq}:${l.accountId}`}
        size="small"
        loading={statement.loading}
        dataSource={s?.lines ?? []}
        pagination={{
          current: page,
          pageSize,
          // The pages known so far: the next appears once this one says there are older lines.
          total: known * pageSize,
          showSizeChanger: true,
          pageSizeOptions: PAGE_SIZES,
          onChange: (p, size) => (size !== pageSize ? setPageSize(size) : setPage(p)),
        }}
        locale={{ emptyText: t('ledger.statement.empty') }}
        scroll={{ x: 1100 }}
        columns={columns}
      />
      {s && <Typography.Text type="secondary">{t('ledger.statement.closing', balances(s.closing))}</Typography.Text>}
    </Flex>
  );
}

/**
 * The numbers a page's references and memos name (lib/statementReference.ts): its sessions' and
 * orders', and for a debt collected or written off, the session's or order's that left it (the
 * driver's debts, read when the page has such a line).
 */
function useStatementRefs(driverId: string, lines: readonly StatementLine[]): { numbers: ReferenceNumbers; session(id: string): string } {
  const debtIds = [...new Set(lines.map((l) => l.debtId).filter((x): x is string => Boolean(x)))].sort().join(',');
  const debts = useQuery(() => (debtIds ? api.ledger.debts({ driverId, status: 'all', limit: 1000 }) : Promise.resolve([])), [driverId, debtIds]);
  const debtOf = new Map((debts.data ?? []).map((d) => [d.debtId, { sessionId: d.sessionId, orderId: d.orderId }]));
  const refs: RefNumbers = useRefNumbers([...lines, ...debtOf.values()]);
  // useRefNumbers gives back the id itself for one it does not know (yet): a reference shows only a number.
  const known = (of: (id: string) => string) => (id: string) => {
    const n = of(id);
    return n === id ? undefined : n;
  };
  return { numbers: { session: known(refs.session), order: known(refs.order), debt: (id) => debtOf.get(id) }, session: refs.session };
}

function useStatementColumns(refs: ReturnType<typeof useStatementRefs>): TableColumnsType<StatementLine> {
  const { t, maybe } = useI18n();
  return [
    { title: t('ledger.col.time'), dataIndex: 'at', width: 160, render: (at: number) => formatTime(at) },
    { title: t('ledger.col.batch'), dataIndex: 'batch', width: 80 },
    { title: t('ledger.col.account'), dataIndex: 'account', width: 80, render: (a: StatementAccount) => t(ACCOUNT_LABEL[a]) },
    { title: t('ledger.col.code'), dataIndex: 'code', width: 120, render: (c: TransferCode) => <Tag>{t(CODE_LABEL[c])}</Tag> },
    {
      title: t('ledger.col.amount'),
      key: 'amount',
      align: 'right',
      width: 110,
      render: (_, l) => {
        if (l.amount === 0) return '';
        const tone = statementTone(l);
        const text = amountText(l, l.amount, formatFen(l.amount));
        return (
          <Typography.Text type={tone.type} style={{ fontVariantNumeric: 'tabular-nums' }} data-testid={`statement-amount-${l.account}`}>
            {tone.plus ? signed(text, l.amount) : text}
          </Typography.Text>
        );
      },
    },
    {
      title: t('ledger.col.heldChange'),
      key: 'held',
      align: 'right',
      width: 100,
      render: (_, l) => (l.heldChange === 0 ? '' : signed(formatFen(l.heldChange), l.heldChange)),
    },
    {
      title: t('ledger.col.balanceAfter'),
      key: 'balance',
      align: 'right',
      width: 110,
      render: (_, l) => <span style={{ fontVariantNumeric: 'tabular-nums' }}>{amountText(l, l.balanceAfter, formatFen(l.balanceAfter))}</span>,
    },
    {
      // The business number the line is about (CD…, DD…, a campaign's batch, a gateway's trade number), else a dash: never a ledger key or an id.
      title: t('ledger.col.reference'),
      key: 'ref',
      width: 200,
      render: (_, l) => {
        const text = statementReference(l, refs.numbers);
        return text ? <RefText text={text} testId="statement-reference" /> : <Typography.Text type="secondary">—</Typography.Text>;
      },
    },
    { title: t('ledger.col.memo'), dataIndex: 'memo', width: 160, render: (m: string | null) => memoText(m, { t, maybe }, refs.session) },
    { title: t('ledger.col.operator'), dataIndex: 'operatorName', width: 110, render: (o: string | null) => o ?? '' },
  ];
}
