import { useCallback, useEffect, useRef, useState, type MouseEvent } from 'react';
import { App, Card, Flex, Progress, Table, Tag, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../../api';
import { downloadFile } from '../../api/download';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatBytes } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { EXPORT_STATE_COLOR, type ExportRow } from './model';

/** While an export runs, its state is asked for this often too, in case a push event was missed. */
const POLL_MS = 1_500;

/** Fetches a finished export: the save dialog in the desktop window, the browser's download otherwise. */
function useDownload() {
  const report = useReportError();
  const { message } = App.useApp();
  const { t } = useI18n();
  return useCallback(
    async (e: ExportRow) => {
      if (!e.downloadUrl) return;
      try {
        const how = await downloadFile(e.downloadUrl, e.fileName);
        if (how === 'saved') void message.success(t('reports.export.saved', { file: e.fileName }));
      } catch (err) {
        report(err);
      }
    },
    [report, message, t],
  );
}

/** A link to a finished export: an ordinary `<a download>` in the browser, the save dialog in the desktop window. */
export function DownloadLink({ row, testId }: { row: ExportRow; testId?: string }) {
  const { t } = useI18n();
  const download = useDownload();
  if (!row.downloadUrl) return null;
  const onClick = (ev: MouseEvent) => {
    if (!window.depot) return; // the browser follows the link itself, with its cookies
    ev.preventDefault();
    void download(row);
  };
  return (
    <Typography.Link href={row.downloadUrl} download={row.fileName} onClick={onClick} data-testid={testId}>
      <DownloadOutlined /> {t('reports.export.download')}
    </Typography.Link>
  );
}

/**
 * Runs one export: asks reports.export, follows its job (job.progress and job.changed pushes, and
 * a poll of reports.exportStatus while it runs), and fetches the file once when it is done.
 */
export function useExportRun(onChanged: () => void) {
  const report = useReportError();
  const download = useDownload();
  const [row, setRow] = useState<ExportRow | null>(null);
  const [progress, setProgress] = useState(0);
  const fetched = useRef<string | null>(null);
  const running = row !== null && (row.state === 'queued' || row.state === 'running');

  const refresh = useCallback(async () => {
    if (!row) return;
    try {
      setRow(await api.reports.exportStatus({ exportId: row.id }));
    } catch (e) {
      report(e);
    }
  }, [row, report]);

  useEffect(() => {
    if (!running) return;
    const id = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(id);
  }, [running, refresh]);

  useDepotEvents(['job.progress', 'job.changed'], (e) => {
    if (!row) return;
    if (e.type === 'job.progress' && e.payload.id === row.jobId) setProgress(e.payload.progress);
    if (e.type === 'job.changed' && e.payload.id === row.jobId) void refresh();
  });

  useEffect(() => {
    if (row?.state === 'done' && fetched.current !== row.id) {
      fetched.current = row.id;
      setProgress(1);
      onChanged();
      void download(row);
    }
    if (row?.state === 'failed') onChanged();
  }, [row, download, onChanged]);

  const start = async (input: Parameters<typeof api.reports.export>[0]) => {
    try {
      setProgress(0);
      setRow(await api.reports.export(input));
      onChanged();
    } catch (e) {
      report(e);
    }
  };
  return { row, progress, running, start };
}

/** The export under way (or just finished): a progress bar, then its download link or its error. */
export function ExportStatus({ row, progress }: { row: ExportRow | null; progress: number }) {
  const { t } = useI18n();
  if (!row) return null;
  const percent = row.state === 'done' ? 100 : Math.round(progress * 100);
  return (
    <Flex align="center" gap="middle" data-testid="export-status" data-state={row.state} style={{ minWidth: 320 }}>
      <Typography.Text ellipsis style={{ maxWidth: 320 }}>
        {row.fileName}
      </Typography.Text>
      <Progress
        percent={percent}
        size="small"
        status={row.state === 'failed' ? 'exception' : row.state === 'done' ? 'success' : 'active'}
        style={{ width: 160, margin: 0 }}
      />
      <Tag color={EXPORT_STATE_COLOR[row.state]}>{t(`reports.exportState.${row.state}`)}</Tag>
      {row.state === 'done' && <DownloadLink row={row} testId="export-download" />}
      {row.state === 'failed' && <Typography.Text type="danger">{row.error}</Typography.Text>}
    </Flex>
  );
}

/** 我的导出: the operator's exports, newest first, with their state and a download link when done. */
export function MyExports({ version }: { version: number }) {
  const { t, maybe } = useI18n();
  const [events, setEvents] = useState(0);
  const list = useQuery(() => api.reports.exports({ limit: 50 }), [version, events]);
  useDepotEvents(['job.changed'], (e) => {
    if (e.type === 'job.changed' && e.payload.kind === 'reports.export') setEvents((n) => n + 1);
  });
  return (
    <Card size="small" title={t('reports.myExports')} data-testid="my-exports">
      <Table<ExportRow>
        size="small"
        rowKey="id"
        loading={list.loading && !list.data}
        dataSource={list.data ?? []}
        pagination={false}
        scroll={{ y: 320 }}
        locale={{ emptyText: t('reports.myExports.empty') }}
        columns={[
          { title: t('reports.col.file'), dataIndex: 'fileName', ellipsis: true },
          { title: t('reports.col.kind'), dataIndex: 'kind', width: 120, render: (k: string) => maybe(`reports.kind.${k}`) ?? k },
          {
            title: t('reports.col.state'),
            dataIndex: 'state',
            width: 100,
            render: (s: ExportRow['state'], r) => (
              <Tag color={EXPORT_STATE_COLOR[s]} title={r.error ?? undefined}>
                {t(`reports.exportState.${s}`)}
              </Tag>
            ),
          },
          { title: t('reports.col.rows'), dataIndex: 'rows', width: 80, align: 'right', render: (n: number | null) => n ?? '—' },
          { title: t('reports.col.size'), dataIndex: 'bytes', width: 90, align: 'right', render: (b: number | null) => (b === null ? '—' : formatBytes(b)) },
          { title: t('reports.col.createdAt'), dataIndex: 'createdAt', width: 150, render: (at: number) => formatTime(at, 'YYYY-MM-DD HH:mm') },
          { title: '', key: 'download', width: 90, render: (_, r) => <DownloadLink row={r} testId={`export-link-${r.id}`} /> },
        ]}
      />
    </Card>
  );
}
