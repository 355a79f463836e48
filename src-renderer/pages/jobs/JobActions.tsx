import { useState } from 'react';
import { App, Button, Popconfirm, Space } from 'antd';
import { RedoOutlined, StopOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { kindName } from './names';
import { useReportError } from '../../lib/errors';
import { SUPERVISORS, useSession } from '../../session';
import { CAN_CANCEL, CAN_RETRY, type JobSummary } from './model';

/** Retry and cancel, for supervisors and admins, each behind a confirmation. */
export function JobActions({ job, onDone, size = 'small' }: { job: Pick<JobSummary, 'id' | 'kind' | 'state'>; onDone(): void; size?: 'small' | 'middle' }) {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const report = useReportError();
  const [busy, setBusy] = useState<'retry' | 'cancel' | null>(null);
  if (!can(SUPERVISORS)) return null;

  async function act(kind: 'retry' | 'cancel') {
    setBusy(kind);
    try {
      if (kind === 'retry') await api.jobs.retry({ id: job.id });
      else await api.jobs.cancel({ id: job.id });
      void message.success(t(kind === 'retry' ? 'jobs.retried' : 'jobs.cancelled', { kind: kindName(maybe, job.kind) }));
      onDone();
    } catch (e) {
      report(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <Space size="small" onClick={(e) => e.stopPropagation()}>
      {CAN_RETRY.includes(job.state) && (
        <Popconfirm
          title={t('jobs.confirmRetry', { kind: kindName(maybe, job.kind) })}
          onConfirm={() => void act('retry')}
          okText={t('jobs.retry')}
          cancelText={t('common.cancel')}
        >
          <Button size={size} icon={<RedoOutlined />} loading={busy === 'retry'} data-testid={`job-retry-${job.id}`}>
            {t('jobs.retry')}
          </Button>
        </Popconfirm>
      )}
      {CAN_CANCEL.includes(job.state) && (
        <Popconfirm
          title={t('jobs.confirmCancel', { kind: kindName(maybe, job.kind) })}
          onConfirm={() => void act('cancel')}
          okText={t('jobs.cancel')}
          cancelText={t('common.cancel')}
          okButtonProps={{ danger: true }}
        >
          <Button size={size} danger icon={<StopOutlined />} loading={busy === 'cancel'} data-testid={`job-cancel-${job.id}`}>
            {t('jobs.cancel')}
          </Button>
        </Popconfirm>
      )}
    </Space>
  );
}
