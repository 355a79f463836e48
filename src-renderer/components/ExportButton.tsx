import { useEffect, useRef, useState } from 'react';
import { App, Button, Tooltip } from 'antd';
import { FileExcelOutlined } from '@ant-design/icons';
import type { MethodInput, MethodOutput } from '../../src-main/contract/types';
import { api, useDepotEvents } from '../api';
import { downloadFile } from '../api/download';
import { useI18n } from '../i18n';
import { useReportError } from '../lib/errors';

/** The lists that export (reports.export with kind 'list'); each takes its own filter keys (src-main/reports/lists.ts LIST_FILTERS). */
export type ExportList = NonNullable<MethodInput<'reports.export'>['list']>;
type ExportRow = MethodOutput<'reports.exportStatus'>;

/** An export's state is asked for this often while it runs (the job.progress push moves the bar in between). */
const POLL_MS = 1_000;

/** The filter as the contract takes it: no empty values (an empty select is "all", not a key). */
export function exportFilter(filter: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}

/**
 * Runs one list export: reports.export, then reports.exportStatus every second (and the job's
 * progress pushes) until it is done, then fetches the file once: the desktop window's save dialog,
 * or the browser's own download of an `<a download>` (its cookies go with it).
 */
function useListExport(list: ExportList) {
  const { t, locale } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const [row, setRow] = useState<ExportRow | null>(null);
  const [progress, setProgress] = useState(0);
  const fetched = useRef<string | null>(null);
  const running = row !== null && (row.state === 'queued' || row.state === 'running');

  const polling = running ? row.id : null;
  useEffect(() => {
    if (!polling) return;
    const id = setInterval(() => {
      api.reports.exportStatus({ exportId: polling }).then(setRow, (e: unknown) => {
        setRow(null);
        report(e);
      });
    }, POLL_MS);
    return () => clearInterval(id);
  }, [polling, report]);

  useDepotEvents(['job.progress'], (e) => {
    if (e.type === 'job.progress' && row?.jobId && e.payload.id === row.jobId) setProgress(e.payload.progress);
  });

  useEffect(() => {
    if (!row || fetched.current === row.id) return;
    if (row.state === 'failed') {
      fetched.current = row.id;
      void message.error(t('listExport.failed', { error: row.error ?? '' }));
    }
    if (row.state === 'done' && row.downloadUrl) {
      fetched.current = row.id;
      downloadFile(row.downloadUrl, row.fileName).then(
        (how) => void message.success(t(how === 'cancelled' ? 'listExport.cancelled' : 'listExport.done', { rows: row.rows ?? 0, file: row.fileName })),
        report,
      );
    }
  }, [row, message, report, t]);

  const start = async (filter: Record<string, unknown>) => {
    setProgress(0);
    try {
      setRow(await api.reports.export({ kind: 'list', list, filter: exportFilter(filter), locale }));
    } catch (e) {
      report(e);
    }
  };
  return { running, progress, start };
}

/**
 * 导出 Excel on a list page: every row the list's current filter matches (not only the page on
 * screen), in the operator's language. `unsupported` names a filter on screen that the export
 * cannot apply: the button is then disabled and says so, rather than export more than is shown.
 */
export function ExportButton({ list, filter, unsupported, testId }: { list: ExportList; filter: Record<string, unknown>; unsupported?: string; testId?: string }) {
  const { t } = useI18n();
  const { running, progress, start } = useListExport(list);
  const label = running ? t('listExport.running', { percent: Math.round(progress * 100) }) : t('listExport.button');
  const button = (
    <Button icon={<FileExcelOutlined />} loading={running} disabled={Boolean(unsupported)} onClick={() => void start(filter)} data-testid={testId ?? `export-${list}`}>
      {label}
    </Button>
  );
  return unsupported ? <Tooltip title={t('listExport.unsupported', { filter: unsupported })}>{button}</Tooltip> : button;
}
