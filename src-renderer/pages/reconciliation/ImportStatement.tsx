import { useState } from 'react';
import { Alert, Button, Upload } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { api, isApiError } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { displayFen } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { channelKey, fileBase64, refusalOf, type ImportResult } from './model';

export type ImportOutcome = { kind: 'done'; result: ImportResult } | { kind: 'refused'; fileName: string; message: string; line: number | null; reason: string | null };

/**
 * 导入对账单: the file the operator picks is read in the browser, sent as base64 to recon.import
 * (the HTTP door takes up to 88 MB for that method alone), and the answer stays on screen: imported
 * with its figures and the days it ran, already imported (same content), or the importer's refusal
 * with the line and the reason.
 */
export function useStatementImport(onImported: () => void) {
  const report = useReportError();
  const [importing, setImporting] = useState(false);
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  async function upload(file: File) {
    setImporting(true);
    try {
      const result = await api.recon.import({ fileName: file.name, base64: await fileBase64(file) });
      setOutcome({ kind: 'done', result });
      onImported();
    } catch (e) {
      if (isApiError(e) && e.code === 'invalid_input') {
        const r = refusalOf(e.details);
        setOutcome({ kind: 'refused', fileName: r.file ?? file.name, message: e.message, line: r.line, reason: r.reason });
      } else report(e);
    } finally {
      setImporting(false);
    }
  }
  return { importing, outcome, upload, clear: () => setOutcome(null) };
}

export function ImportButton({ importing, onFile }: { importing: boolean; onFile(file: File): void }) {
  const { t } = useI18n();
  return (
    <Upload
      accept=".csv,.txt,.gz,.zip"
      showUploadList={false}
      beforeUpload={(f) => {
        onFile(f);
        return false;
      }}
    >
      <Button type="primary" icon={<UploadOutlined />} loading={importing} data-testid="recon-import">
        {t('recon.import')}
      </Button>
    </Upload>
  );
}

export function ImportOutcomeAlert({ outcome, onClose }: { outcome: ImportOutcome; onClose(): void }) {
  const { t, maybe } = useI18n();
  if (outcome.kind === 'refused') {
    const where = outcome.line === null ? t('recon.import.wholeFile') : t('recon.import.line', { line: outcome.line });
    const reason = outcome.reason ? (maybe(`recon.reason.${outcome.reason}`) ?? outcome.reason) : '';
    return (
      <Alert
        type="error"
        showIcon
        closable
        onClose={onClose}
        data-testid="recon-import-result"
        data-outcome="refused"
        message={t('recon.import.refused', { file: outcome.fileName, where, reason })}
        description={outcome.message}
      />
    );
  }
  const { result: r } = outcome;
  const s = r.statement;
  const figures = t('recon.import.figures', {
    channel: t(channelKey(s.channel)),
    layout: s.layout,
    rows: s.rowCount,
    payments: displayFen(s.paymentTotal.fen),
    refunds: displayFen(s.refundTotal.fen),
    fees: displayFen(s.fees.fen),
    dates: s.billDates.join(', ') || '—',
  });
  const ran = r.runs.length > 0 ? t('recon.import.ran', { days: r.runs.map((d) => `${d.day} ${t(`recon.dayState.${d.state}` as I18nKey)}`).join('，') }) : '';
  return (
    <Alert
      type={r.imported ? 'success' : 'info'}
      showIcon
      closable
      onClose={onClose}
      data-testid="recon-import-result"
      data-outcome={r.imported ? 'imported' : 'already'}
      message={
        r.imported
          ? t('recon.import.imported', { file: s.fileName })
          : t('recon.import.already', { file: s.fileName, at: formatTime(s.importedAt), by: s.importedBy?.name ?? '—' })
      }
      description={`${figures}${s.repeatedRows > 0 ? ` ${t('recon.import.repeated', { count: s.repeatedRows })}` : ''} ${ran}`}
    />
  );
}
