import { useMemo, useState } from 'react';
import { App as AntApp, Button, Col, Flex, Row, Table, Tabs, Tag } from 'antd';
import type { TableColumnsType } from 'antd';
import { FileExcelOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { displayFen } from '../../lib/format';
import { useHashParam } from '../../lib/route';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { useSession } from '../../session';
import { downloadBase64 } from '../compensation/campaignModel';
import { BreakDrawer } from './BreakDrawer';
import { BreakQueue } from './BreakQueue';
import { DayCalendar } from './DayCalendar';
import { RunRange } from './DayActions';
import { DayDetailCard } from './DayDetail';
import { ImportButton, ImportOutcomeAlert, useStatementImport } from './ImportStatement';
import { addDays, calendarWeeks, channelKey, FINANCE, type Break, type Statement } from './model';
import { useCrumb } from '../../components/Breadcrumbs';

/**
 * 对账 Reconciliation: the recent days at a glance (a calendar coloured by each day's state), one
 * day's figures, pending items, breaks and energy check, the queue of breaks with a drawer to work
 * each one, the statements imported; import, run and export for finance. The rules live in the
 * core (src-main/reconciliation); the page shows them and asks before money moves.
 */
export default function ReconciliationPage() {
  const { t, maybe } = useI18n();
  const session = useSession();
  const today = formatTime(Date.now(), 'YYYY-MM-DD');
  const [view, setView] = useHashParam('view', 'days');
  useCrumb(maybe(`recon.tab.${view}`) ?? null);
  const [selected, setSelected] = useHashParam('day', addDays(today, -1));
  const [openBreak, setOpenBreak] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);
  // Another operator's import, run or resolution (every command is audited): the page follows.
  useDepotEvents(['audit.appended'], (e) => e.type === 'audit.appended' && e.payload.method.startsWith('recon.') && bump());
  const imports = useStatementImport(bump);
  const first = calendarWeeks(today)[0][0];
  const days = useQuery(() => api.recon.days({ from: first, to: today }), [first, today, version]);
  const byDay = useMemo(() => new Map((days.data ?? []).map((d) => [d.day, d])), [days.data]);
  const open = (b: Break) => setOpenBreak(b.id);
  return (
    <Flex vertical gap="middle" data-testid="recon-page">
      <Flex gap="small" wrap align="center">
        {session.can(FINANCE) && <ImportButton importing={imports.importing} onFile={(f) => void imports.upload(f)} />}
        <RunRange today={today} onDone={bump} />
        <ExportButton day={selected} today={today} />
        <Button icon={<ReloadOutlined />} onClick={bump}>
          {t('common.refresh')}
        </Button>
      </Flex>
      {imports.outcome && <ImportOutcomeAlert outcome={imports.outcome} onClose={imports.clear} />}
      <Tabs
        activeKey={view}
        onChange={setView}
        items={[
          {
            key: 'days',
            label: t('recon.tab.days'),
            children: (
              <Row gutter={16}>
                <Col flex="380px">
                  <DayCalendar today={today} days={byDay} selected={selected} onSelect={setSelected} />
                </Col>
                <Col flex="1" style={{ minWidth: 0 }}>
                  <DayDetailCard day={selected} today={today} record={byDay.get(selected)} version={version} onOpenBreak={open} onChanged={bump} />
                </Col>
              </Row>
            ),
          },
          { key: 'breaks', label: t('recon.tab.breaks'), children: <BreakQueue version={version} onOpen={open} /> },
          { key: 'statements', label: t('recon.tab.statements'), children: <StatementsTable version={version} /> },
        ]}
      />
      <BreakDrawer breakId={openBreak} version={version} onClose={() => setOpenBreak(null)} onChanged={bump} />
    </Flex>
  );
}

/** 导出报表: the selected day's finance report (recon.reportFile) as an Excel workbook. */
function ExportButton({ day, today }: { day: string; today: string }) {
  const { t, locale } = useI18n();
  const { message } = AntApp.useApp();
  const report = useReportError();
  const [busy, setBusy] = useState(false);
  async function exportDay() {
    setBusy(true);
    try {
      const f = await api.recon.reportFile({ date: day, locale });
      downloadBase64(f.fileName, f.base64);
      message.success(t('recon.export.done', { file: f.fileName }));
    } catch (e) {
      report(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button icon={<FileExcelOutlined />} loading={busy} disabled={day >= today} onClick={() => void exportDay()} data-testid="recon-export">
      {t('recon.export', { day })}
    </Button>
  );
}

function StatementsTable({ version }: { version: number }) {
  const { t } = useI18n();
  const list = useQuery(() => api.recon.statements({ limit: 200 }), [version]);
  const columns: TableColumnsType<Statement> = [
    { title: t('recon.st.importedAt'), render: (_, s) => formatTime(s.importedAt) },
    { title: t('recon.st.file'), dataIndex: 'fileName' },
    { title: t('recon.ch.channel'), render: (_, s) => <Tag>{t(channelKey(s.channel))}</Tag> },
    { title: t('recon.st.dates'), render: (_, s) => s.billDates.join(', ') },
    { title: t('recon.st.rows'), dataIndex: 'rowCount', align: 'right' },
    { title: t('recon.ch.gatewayPayments'), align: 'right', render: (_, s) => displayFen(s.paymentTotal.fen) },
    { title: t('recon.ch.gatewayRefunds'), align: 'right', render: (_, s) => displayFen(s.refundTotal.fen) },
    { title: t('recon.ch.fees'), align: 'right', render: (_, s) => displayFen(s.fees.fen) },
    { title: t('recon.st.by'), render: (_, s) => s.importedBy?.name ?? '—' },
  ];
  return <Table<Statement> rowKey="id" size="small" loading={list.loading} dataSource={list.data ?? []} columns={columns} data-testid="recon-statements" />;
}
