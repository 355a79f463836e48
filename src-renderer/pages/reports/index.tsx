import { useCallback, useState } from 'react';
import { Alert, Button, Card, DatePicker, Flex, Segmented, Select, Skeleton } from 'antd';
import { FileExcelOutlined, ReloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useHashParam } from '../../lib/route';
import { depotDate } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { useSession } from '../../session';
import { AdjustmentsView } from './AdjustmentsView';
import { ExportStatus, MyExports, useExportRun } from './exports';
import { LiabilitiesView } from './LiabilitiesView';
import { FINANCE_ROLES, PERIOD_MODES, periodFrom, REPORT_KINDS, type Liabilities, type Period, type PeriodMode, type ReportKind } from './model';
import { RevenueView } from './RevenueView';
import { TrialBalanceView } from './TrialBalanceView';

/** The report and period on screen, kept in the address (#/reports?kind=revenue&mode=day&from=…) so a reload or a link shows the same. */
function useReportChoice() {
  const [kindParam, setKind] = useHashParam('kind', 'revenue');
  const [mode, setMode] = useHashParam('mode', 'day');
  const [from, setFrom] = useHashParam('from', '');
  const [to, setTo] = useHashParam('to', '');
  const [station, setStation] = useHashParam('station', '');
  const kind: ReportKind = (REPORT_KINDS as readonly string[]).includes(kindParam) ? (kindParam as ReportKind) : 'revenue';
  const period = periodFrom(mode, from, to, dayjs(depotDate(Date.now())));
  return { kind, setKind, period, setMode, setFrom, setTo, station, setStation };
}

type Choice = ReturnType<typeof useReportChoice>;

function PeriodPicker({ choice }: { choice: Choice }) {
  const { t } = useI18n();
  const { period } = choice;
  const setRange = (from: string, to: string) => {
    choice.setFrom(from);
    choice.setTo(to);
  };
  return (
    <Flex gap="small" align="center" data-testid="report-period">
      <Segmented<PeriodMode> value={period.mode} onChange={choice.setMode} options={PERIOD_MODES.map((m) => ({ value: m, label: t(`reports.mode.${m}`) }))} />
      {period.mode === 'range' ? (
        <DatePicker.RangePicker
          allowClear={false}
          value={[dayjs(period.from), dayjs(period.to)]}
          onChange={(r) => r?.[0] && r[1] && setRange(r[0].format('YYYY-MM-DD'), r[1].format('YYYY-MM-DD'))}
          data-testid="report-range"
        />
      ) : (
        <DatePicker
          allowClear={false}
          picker={period.mode === 'month' ? 'month' : 'date'}
          value={dayjs(period.from)}
          onChange={(d) => d && choice.setFrom(d.format('YYYY-MM-DD'))}
          data-testid="report-date"
        />
      )}
    </Flex>
  );
}

function StationPicker({ choice }: { choice: Choice }) {
  const { t } = useI18n();
  const stations = useQuery(() => api.stations.list({}));
  return (
    <Select<string>
      style={{ width: 200 }}
      value={choice.station}
      onChange={choice.setStation}
      data-testid="report-station"
      options={[{ value: '', label: t('reports.allStations') }, ...(stations.data ?? []).map((s) => ({ value: s.id, label: s.name }))]}
    />
  );
}

/** The chosen report for the chosen period, loaded from the contract. */
function ReportBody({ kind, period, station, version }: { kind: ReportKind; period: Period; station: string; version: number }) {
  const { t } = useI18n();
  const range = { from: period.from, to: period.to };
  const q = useQuery(async () => {
    if (kind === 'revenue') return { kind, revenue: await api.reports.revenue({ ...range, stationId: station || undefined }) };
    if (kind === 'liabilities') return { kind, liabilities: (await api.reports.liabilities(range)) as unknown as Liabilities };
    if (kind === 'adjustments') return { kind, adjustments: await api.reports.adjustments(range) };
    return { kind, trial: await api.reports.trialBalance(range) };
  }, [kind, period.from, period.to, station, version]);
  const data = q.data?.kind === kind ? q.data : undefined;
  if (!data) return q.error ? <Alert type="error" showIcon message={t('reports.loadFailed')} /> : <Skeleton active />;
  return (
    <div style={{ opacity: q.loading ? 0.6 : 1 }} data-testid="report-body" data-loading={q.loading ? 'yes' : 'no'}>
      {'revenue' in data && data.revenue && <RevenueView report={data.revenue} />}
      {'liabilities' in data && data.liabilities && <LiabilitiesView report={data.liabilities} />}
      {'adjustments' in data && data.adjustments && <AdjustmentsView lines={data.adjustments} />}
      {'trial' in data && data.trial && <TrialBalanceView lines={data.trial} />}
    </div>
  );
}

function ReportCard({ onExported }: { onExported: () => void }) {
  const { t, locale } = useI18n();
  const choice = useReportChoice();
  const [version, setVersion] = useState(0);
  const run = useExportRun(onExported);
  const { kind, period, station } = choice;
  const exportIt = () =>
    void run.start({
      kind,
      from: period.from,
      to: period.to,
      stationId: kind === 'revenue' && station ? station : undefined,
      locale: locale === 'en-US' ? 'en-US' : 'zh-CN',
    });
  return (
    <Card
      size="small"
      data-testid="report-card"
      title={
        <Segmented<ReportKind>
          value={kind}
          onChange={choice.setKind}
          data-testid="report-kind"
          options={REPORT_KINDS.map((k) => ({ value: k, label: t(`reports.kind.${k}`) }))}
        />
      }
    >
      <Flex gap="small" wrap align="center" justify="space-between" style={{ marginBottom: 16 }}>
        <Flex gap="small" wrap align="center">
          <PeriodPicker choice={choice} />
          {kind === 'revenue' && <StationPicker choice={choice} />}
          <Button icon={<ReloadOutlined />} onClick={() => setVersion((v) => v + 1)}>
            {t('common.refresh')}
          </Button>
        </Flex>
        <Flex gap="middle" align="center" wrap>
          <ExportStatus row={run.row} progress={run.progress} />
          <Button type="primary" icon={<FileExcelOutlined />} loading={run.running} onClick={exportIt} data-testid="report-export">
            {t('reports.export')}
          </Button>
        </Flex>
      </Flex>
      <ReportBody kind={kind} period={period} station={station} version={version} />
    </Card>
  );
}

/**
 * The 报表 page: a report (营收, 余额与负债, 调账与核销, 试算平衡) for a day, a month or a range
 * on screen, its Excel export written by a background job with its progress and downloaded when
 * done, and the operator's own exports. The money reports are finance's (finance, supervisors,
 * admins); everyone else sees their exports only.
 */
export default function ReportsPage() {
  const { t } = useI18n();
  const session = useSession();
  const [exports, setExports] = useState(0);
  const bump = useCallback(() => setExports((n) => n + 1), []);
  return (
    <Flex vertical gap="middle" data-testid="reports-page">
      {session.can(FINANCE_ROLES) ? <ReportCard onExported={bump} /> : <Alert type="info" showIcon message={t('reports.financeOnly')} />}
      <MyExports version={exports} />
    </Flex>
  );
}
