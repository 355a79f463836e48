import { useState } from 'react';
import { Alert, Button, Typography } from 'antd';
import { SafetyCertificateOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../../api';
import type { MethodOutput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { ADMINS, SUPERVISORS, useSession } from '../../session';
import { formatTime } from '../../lib/time';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { ExportButton } from '../../components/ExportButton';
import { StateTag } from '../../components/StateTag';

type AuditRow = MethodOutput<'audit.list'>[number];
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
  const list = useList<object, AuditRow>(
    {
      id: 'settings.audit',
      defaults: {},
      load: async ({ limit, cursor }) => {
        const rows = await api.audit.list({ limit: limit + 1, beforeId: typeof cursor === 'number' ? cursor : undefined });
        const page = rows.slice(0, limit);
        return { rows: page, next: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
      },
    },
    [version],
  );

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
      <DataTable<object, AuditRow>
        list={list}
        rowKey="id"
        testId="audit-table"
        columns={useAuditColumns()}
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

/** Whether the audit log's hash chain holds, or the first row where it breaks and why. */
function VerdictAlert({ verdict }: { verdict: Verdict }) {
  const { t } = useI18n();
  return (
    <Alert
      style={{ marginBottom: 12 }}
      showIcon
      data-testid="audit-verdict"
      type={verdict.ok ? 'success' : 'error'}
      message={
        verdict.ok || !verdict.broken ? t('audit.verifyOk', { rows: verdict.rows }) : t('audit.verifyBroken', { id: verdict.broken.id, reason: verdict.broken.reason })
      }
    />
  );
}

function useAuditColumns(): DataColumn<AuditRow>[] {
  const { t, maybe } = useI18n();
  return [
    { key: 'id', title: '#', dataIndex: 'id', width: 70 },
    { key: 'at', title: t('audit.at'), dataIndex: 'at', width: 170, render: (at: number) => formatTime(at) },
    { key: 'operator', title: t('audit.operator'), dataIndex: 'operatorName', width: 120, render: (n: string | null) => n ?? t('audit.system') },
    { key: 'transport', title: t('audit.transport'), dataIndex: 'transport', width: 80, render: (tr: string) => maybe(`audit.transport.${tr}`) ?? tr },
    { key: 'method', title: t('audit.method'), dataIndex: 'method', width: 190, render: (m: string) => <Typography.Text code>{m}</Typography.Text> },
    {
      key: 'input',
      title: t('audit.input'),
      dataIndex: 'inputSummary',
      ellipsis: true,
      // The input as recorded (field names and values), a literal record like the method name.
      render: (s: string) => (
        <Typography.Text type="secondary" code>
          {s}
        </Typography.Text>
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
