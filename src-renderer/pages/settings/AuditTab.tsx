import { useMemo, useState } from 'react';
import { Alert, Button, Descriptions, Flex, Tooltip, Typography } from 'antd';
import { SafetyCertificateOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../../api';
import type { MethodOutput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { ADMINS, SUPERVISORS, useSession } from '../../session';
import { formatTime } from '../../lib/time';
import { auditVerdictText } from '../../lib/auditVerdict';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { ExportButton } from '../../components/ExportButton';
import { StateTag } from '../../components/StateTag';
import { useRefNumbers, type RefNumbers } from '../../lib/refNumbers';
import { auditInputLines, auditInputText, auditRefs, parseAuditInput, type AuditInput, type AuditNumbers } from '../../lib/auditInput';

type AuditRow = MethodOutput<'audit.list'>[number];
/** A row with its recorded input read once (null when it is not an object, e.g. cut at 1000 characters). */
type AuditView = AuditRow & { input: AuditInput | null };
type Verdict = MethodOutput<'audit.verify'>;

/**
 * The audit log, newest first. audit.list pages by id (the rows before a given one) and gives no
 * total — counting a million rows for a pager nobody reads to the end is not worth it — so the list
 * goes back and forth by cursor (上一页 / 下一页). One row more than the page is asked for, to know
 * whether a next page exists without showing an empty one.
 */
export default function AuditTab() {
  const { t } = useI18n();
  const { can } = useSession();
  const report = useReportError();
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [version, setVersion] = useState(0);
  useDepotEvents(['audit.appended'], () => setVersion((v) => v + 1));
  const [open, setOpen] = useState<readonly number[]>([]);
  const list = useList<object, AuditView>(
    {
      id: 'settings.audit',
      defaults: {},
      load: async ({ limit, cursor }) => {
        const rows = await api.audit.list({ limit: limit + 1, beforeId: typeof cursor === 'number' ? cursor : undefined });
        const page = rows.slice(0, limit).map((r) => ({ ...r, input: parseAuditInput(r.inputSummary) }));
        return { rows: page, next: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
      },
    },
    [version],
  );

  const rows = list.state.rows;
  const refs = useMemo(() => rows.map((r) => auditRefs(r.method, r.input)), [rows]);
  const numbers = useRefNumbers(refs);
  const toggle = (id: number) => setOpen((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));

  async function verify() {
    setVerifying(true);
    try {
      setVerdict(await api.audit.verify({}));
    } catch (e) {
      report(e);
    } finally {
      setVerifying(false);
    }
  }

  return (
    <>
      {verdict && <VerdictAlert verdict={verdict} />}
      <DataTable<object, AuditView>
        list={list}
        rowKey="id"
        testId="audit-table"
        columns={useAuditColumns(numbers, toggle)}
        table={{
          expandable: {
            expandedRowKeys: open,
            showExpandColumn: false,
            expandedRowRender: (r) => <FullRecord row={r} numbers={numbers} />,
          },
        }}
        empty={{ none: t('list.empty.audit'), filtered: t('list.empty.audit') }}
        toolbar={
          <>
            {can(SUPERVISORS) && <ExportButton list="audit" filter={{}} />}
            {can(ADMINS) && (
              <Button icon={<SafetyCertificateOutlined />} loading={verifying} onClick={() => void verify()} data-testid="verify-audit">
                {t('audit.verify')}
              </Button>
            )}
          </>
        }
      />
    </>
  );
}

/** Whether the audit log's hash chain holds, or the first row where it breaks and why (in words; the core's English reason is the CLI's). */
function VerdictAlert({ verdict }: { verdict: Verdict }) {
  const i18n = useI18n();
  return (
    <Alert
      style={{ marginBottom: 12 }}
      showIcon
      data-testid="audit-verdict"
      type={verdict.ok ? 'success' : 'error'}
      data-code={verdict.broken?.code}
      message={auditVerdictText(i18n, verdict)}
    />
  );
}

function useAuditColumns(numbers: RefNumbers, onDetails: (id: number) => void): DataColumn<AuditView>[] {
  const i18n = useI18n();
  const { t, maybe } = i18n;
  return [
    { key: 'id', title: '#', dataIndex: 'id', width: 70 },
    { key: 'at', title: t('audit.at'), dataIndex: 'at', width: 170, render: (at: number) => formatTime(at) },
    {
      key: 'operator',
      title: t('audit.operator'),
      width: 120,
      // The row recorded the login (it is part of the row's hash); people know each other by name.
      render: (_, r) =>
        r.operatorName === null ? (
          t('audit.system')
        ) : (
          <Tooltip title={t('audit.login', { name: r.operatorName })}>
            <span data-testid={`audit-operator-${r.id}`}>{r.operatorDisplayName ?? r.operatorName}</span>
          </Tooltip>
        ),
    },
    { key: 'transport', title: t('audit.transport'), dataIndex: 'transport', width: 90, render: (tr: string) => maybe(`audit.transport.${tr}`) ?? tr },
    {
      key: 'method',
      title: t('audit.method'),
      dataIndex: 'method',
      width: 190,
      render: (m: string, r) => {
        const words = maybe(`audit.action.${m}`);
        // An action the dictionaries do not know yet is shown as the method it is.
        return words ? (
          <Tooltip title={m}>
            <span data-testid={`audit-action-${r.id}`}>{words}</span>
          </Tooltip>
        ) : (
          <Typography.Text code data-testid={`audit-action-${r.id}`}>
            {m}
          </Typography.Text>
        );
      },
    },
    {
      key: 'input',
      title: t('audit.input'),
      render: (_, r) => (
        <Flex gap="small" align="baseline" justify="space-between">
          <Typography.Text ellipsis={{ tooltip: true }} data-testid={`audit-input-${r.id}`}>
            {auditInputText(i18n, r.method, r.input, numbers) || '—'}
          </Typography.Text>
          <Typography.Link onClick={() => onDetails(r.id)} style={{ whiteSpace: 'nowrap' }} data-testid={`audit-details-${r.id}`}>
            {t('audit.details')}
          </Typography.Link>
        </Flex>
      ),
    },
    {
      key: 'result',
      title: t('audit.result'),
      dataIndex: 'result',
      width: 130,
      render: (r: string) => <StateTag tone={r === 'ok' ? 'success' : 'error'}>{maybe(r === 'ok' ? 'audit.result.ok' : `error.${r}`) ?? r}</StateTag>,
    },
  ];
}

/**
 * Every field the row recorded, as a form: labels in the operator's language, values in words,
 * secrets as •••. A record cut at 1000 characters cannot be read field by field; it is shown as
 * stored, said to be cut.
 */
function FullRecord({ row, numbers }: { row: AuditView; numbers: AuditNumbers }) {
  const i18n = useI18n();
  const { t } = i18n;
  const lines = auditInputLines(i18n, row.method, row.input, numbers);
  return (
    <Flex vertical gap={4} data-testid={`audit-record-${row.id}`}>
      <Typography.Text type="secondary">{t(row.input ? 'audit.detailsTitle' : 'audit.detailsCut')}</Typography.Text>
      {!row.input ? (
        <pre style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12 }}>{row.inputSummary}</pre>
      ) : lines.length === 0 ? (
        <Typography.Text>{t('audit.detailsNone')}</Typography.Text>
      ) : (
        <Descriptions size="small" column={1} bordered styles={{ label: { width: 160 } }}>
          {lines.map((l) => (
            <Descriptions.Item key={l.key} label={l.label}>
              <span data-testid={`audit-field-${l.key}`}>{l.value}</span>
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
    </Flex>
  );
}
