import { useState } from 'react';
import { App as AntApp, Alert, Button, DatePicker, Input, Modal, Space, Typography } from 'antd';
import { CheckCircleOutlined, SyncOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { useSession } from '../../session';
import { addDays, FINANCE, signOffBlock, type Day } from './model';

/** Runs one finished day again (recon.run); finance, supervisors and admins only. */
export function RunDayButton({ day, today, onDone }: { day: string; today: string; onDone(): void }) {
  const { t } = useI18n();
  const session = useSession();
  const run = useRun(onDone);
  if (!session.can(FINANCE)) return null;
  return (
    <Button icon={<SyncOutlined />} disabled={day >= today} loading={run.running} onClick={() => void run.run(day, day)} data-testid="recon-run-day">
      {t('recon.run.day')}
    </Button>
  );
}

function useRun(onDone: () => void) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const report = useReportError();
  const [running, setRunning] = useState(false);
  async function run(from: string, to: string) {
    setRunning(true);
    try {
      const days = await api.recon.run({ date: from, to });
      const breaks = days.reduce((s, d) => s + d.breaksOpened, 0);
      message.success(t('recon.run.done', { days: days.length, breaks }));
      onDone();
    } catch (e) {
      report(e);
    } finally {
      setRunning(false);
    }
  }
  return { running, run };
}

/** A date or a range to reconcile again: finished days only (yesterday at the latest). */
export function RunRange({ today, onDone }: { today: string; onDone(): void }) {
  const { t } = useI18n();
  const session = useSession();
  const [range, setRange] = useState<[Dayjs, Dayjs] | null>(null);
  const run = useRun(onDone);
  if (!session.can(FINANCE)) return null;
  const yesterday = addDays(today, -1);
  return (
    <Space.Compact>
      <DatePicker.RangePicker
        value={range}
        onChange={(v) => setRange(v && v[0] && v[1] ? [v[0], v[1]] : null)}
        disabledDate={(d) => d.format('YYYY-MM-DD') > yesterday}
        placeholder={[t('recon.run.from'), t('recon.run.to')]}
        data-testid="recon-run-range"
        style={{ width: 260 }}
      />
      <Button
        icon={<SyncOutlined />}
        disabled={!range}
        loading={run.running}
        onClick={() => range && void run.run(range[0].format('YYYY-MM-DD'), range[1].format('YYYY-MM-DD'))}
        data-testid="recon-run"
      >
        {t('recon.run.range')}
      </Button>
    </Space.Compact>
  );
}

/**
 * 签字确认: enabled only when the day allows it (run, window passed, every break resolved); otherwise
 * the reason is written next to it. The confirmation says that a signed-off day is closed.
 */
export function SignOffButton({ day, today, record, onDone }: { day: string; today: string; record: Day | undefined; onDone(): void }) {
  const { t } = useI18n();
  const session = useSession();
  const { message } = AntApp.useApp();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const block = signOffBlock(record, today, day);
  const { submitting, submit } = useModalSubmit({
    run: () => api.recon.signOff({ date: day, note: note.trim() || undefined }),
    onDone: () => {
      message.success(t('recon.signOff.done', { day }));
      setOpen(false);
      onDone();
    },
  });
  if (!session.can(FINANCE) || record?.state === 'signed_off') return null;
  return (
    <Space>
      {block && (
        <Typography.Text type="secondary" data-testid="recon-signoff-why">
          {t(block.key, block.params)}
        </Typography.Text>
      )}
      <Button type="primary" icon={<CheckCircleOutlined />} disabled={block !== null} onClick={() => (setNote(''), setOpen(true))} data-testid="recon-signoff">
        {t('recon.signOff.button')}
      </Button>
      <Modal
        open={open}
        title={t('recon.signOff.title', { day })}
        okText={t('recon.signOff.button')}
        onOk={() => void submit()}
        okButtonProps={{ loading: submitting, 'data-testid': 'recon-signoff-ok' }}
        onCancel={() => setOpen(false)}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('recon.signOff.confirm', { day })} />
        <Typography.Text>{t('recon.signOff.note')}</Typography.Text>
        <Input.TextArea rows={2} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} data-testid="recon-signoff-note" />
      </Modal>
    </Space>
  );
}
