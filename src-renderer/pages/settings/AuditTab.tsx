import { useState } from 'react';
import { Alert, Button, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { ReloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../../api';
import type { MethodOutput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { ADMINS, SUPERVISORS, useSession } from '../../session';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { ExportButton } from '../../components/ExportButton';

type AuditRow = MethodOutput<'audit.list'>[number];
type Verdict = MethodOutput<'audit.verify'>;
const PAGE = 100;

export default function AuditTab() {
  const { t } = useI18n();
  const { can } = useSession();
  const report = useReportError();
  const [older, setOlder] = useState<AuditRow[]>([]);
  const [more, setMore] = useState(true);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [verifying, setVerifying] = useState(false);
  const latest = useQuery(() => api.audit.list({ limit: PAGE }));
  useDepotEvents(['audit.appended'], () => void latest.reload());
  const columns = useAuditColumns();

  const rows = [...(latest.data ?? []), ...older.filter((r) => !latest.data?.some((l) => l.id === r.id))];

  async function loadMore() {
    const last = rows[rows.length - 1];
    if (!last) return;
    try {
      const page = await api.audit.list({ limit: PAGE, beforeId: last.id });
      setOlder((prev) => [...prev, ...page]);
      setMore(page.length === PAGE);
    } catch (e) {
      report(e);
    }
  }

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
      <Flex justify="flex-end" gap="small" style={{ marginBottom: 12 }}>
        <Button icon={<ReloadOutlined />} onClick={() => void latest.reload()}>
          {t('common.refresh')}
        </Button>
        {can(SUPERVISORS) && <ExportButton list="audit" filter={{}} />}
        {can(ADMINS) && (
          <Button icon={<SafetyCertificateOutlined />} loading={verifying} onClick={() => void verify()} data-testid="verify-audit">
            {t('audit.verify')}
          </Button>
        )}
      </Flex>
      {verdict && <VerdictAlert verdict={verdict} />}
      <Table<AuditRow>
        rowKey="id"
        size="small"
        loading={latest.loading && !latest.data}
        dataSource={rows}
        pagination={false}
        data-testid="audit-table"
        columns={columns}
      />
      {more && rows.length >= PAGE && (
        <Flex justify="center" style={{ marginTop: 12 }}>
          <Button onClick={() => void loadMore()}>{t('common.loadMore')}</Button>
        </Flex>
      )}
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

function useAuditColumns(): TableColumnsType<AuditRow> {
  const { t, maybe } = useI18n();
  return [
    { title: '#', dataIndex: 'id', width: 70 },
    { title: t('audit.at'), dataIndex: 'at', width: 170, render: (at: number) => formatTime(at) },
    { title: t('audit.operator'), dataIndex: 'operatorName', width: 120, render: (n: string | null) => n ?? t('audit.system') },
    { title: t('audit.transport'), dataIndex: 'transport', width: 80, render: (tr: string) => maybe(`audit.transport.${tr}`) ?? tr },
    { title: t('audit.method'), dataIndex: 'method', width: 190, render: (m: string) => <Typography.Text code>{m}</Typography.Text> },
    {
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
      title: t('audit.result'),
      dataIndex: 'result',
      width: 130,
      render: (r: string) => <Tag color={r === 'ok' ? 'green' : 'red'}>{maybe(r === 'ok' ? 'audit.result.ok' : `error.${r}`) ?? r}</Tag>,
    },
  ];
}
