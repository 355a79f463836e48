import type React from 'react';
import { Collapse, Descriptions, Drawer, Empty, Flex, Tag, Timeline, Typography } from 'antd';
import { api, isApiError } from '../../api';
import { useI18n } from '../../i18n';
import { JobError, kindName, QueueLabel } from './names';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { JobActions } from './JobActions';
import { STATE_COLOR, stateLabel, stateTime, type JobDetail } from './model';
import { jobOriginText, jobSubjects, jobSubjectText, type JobSubject, type SubjectFound } from './subject';

const PRE: React.CSSProperties = { margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12, maxHeight: 240, overflow: 'auto' };

const time = (t: number | null | undefined) => (t === null || t === undefined ? '—' : formatTime(t));

/** The thing an argument names, looked up; a thing the depot no longer has is null (worded as gone). */
async function lookUp(s: JobSubject): Promise<SubjectFound> {
  try {
    switch (s.type) {
      case 'refundTask': {
        const task = await api.refunds.get({ taskId: s.id });
        return { orderNumber: task.orderNumber, amountFen: task.amount.fen };
      }
      case 'session': {
        const numbers = await api.sessions.numbers({ ids: [s.id] });
        return numbers[s.id] ? { number: numbers[s.id] } : null;
      }
      case 'order': {
        const numbers = await api.payments.orderNumbers({ ids: [s.id] });
        return numbers[s.id] ? { number: numbers[s.id] } : null;
      }
      case 'campaign':
        return { name: (await api.compensation.get({ campaignId: s.id })).name };
      case 'export':
        return { kind: (await api.reports.exportStatus({ exportId: s.id })).kind };
      default:
        return null;
    }
  } catch (e) {
    if (isApiError(e) && e.code === 'not_found') return null;
    throw e;
  }
}

function SubjectLine({ subject }: { subject: JobSubject }) {
  const i18n = useI18n();
  const needsLookUp = subject.type !== 'day' && subject.type !== 'other';
  const found = useQuery(() => (needsLookUp ? lookUp(subject) : Promise.resolve(null)), [JSON.stringify(subject)]);
  if (needsLookUp && found.data === undefined) return <span>…</span>;
  return <span>{jobSubjectText(i18n, subject, found.data ?? null)}</span>;
}

/** For support: the job's id, its unique key and its arguments and origin as the queue recorded them. */
function Technical({ job }: { job: JobDetail }) {
  const { t } = useI18n();
  return (
    <Descriptions size="small" column={1} bordered>
      <Descriptions.Item label={t('jobs.col.id')}>
        <Typography.Text copyable code data-testid="job-drawer-id">
          {job.id}
        </Typography.Text>
      </Descriptions.Item>
      {job.uniqueKey && (
        <Descriptions.Item label={t('jobs.detail.uniqueKey')}>
          <Typography.Text code>{job.uniqueKey}</Typography.Text>
        </Descriptions.Item>
      )}
      <Descriptions.Item label={t('jobs.detail.rawArgs')}>
        <pre style={PRE}>{JSON.stringify(job.args, null, 2)}</pre>
      </Descriptions.Item>
      {Object.keys(job.meta).length > 0 && (
        <Descriptions.Item label={t('jobs.detail.rawMeta')}>
          <pre style={PRE}>{JSON.stringify(job.meta, null, 2)}</pre>
        </Descriptions.Item>
      )}
    </Descriptions>
  );
}

/** One job: what it is, when it ran, and every failed attempt with its error. */
export function JobDrawer({ id, version, onClose, onChanged }: { id: string | null; version: number; onClose(): void; onChanged(): void }) {
  const i18n = useI18n();
  const { t, maybe } = i18n;
  const detail = useQuery(() => (id ? api.jobs.get({ id }) : Promise.resolve(null)), [id, version]);
  const job = id && detail.data?.id === id ? detail.data : null;
  const subjects = job ? jobSubjects(job.args) : [];
  const origin = job ? jobOriginText(i18n, job.meta) : null;
  return (
    <Drawer
      open={id !== null}
      onClose={onClose}
      width={640}
      title={job ? kindName(maybe, job.kind) : t('jobs.detail.title')}
      loading={!job && detail.loading}
      extra={job && <JobActions job={job} size="middle" onDone={onChanged} />}
      data-testid="job-drawer"
    >
      {job && (
        <Flex vertical gap="middle">
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t('jobs.col.state')}>
              <Tag color={STATE_COLOR[job.state]} data-testid="job-drawer-state">
                {t(stateLabel(job.state))}
              </Tag>{' '}
              <span data-testid="job-drawer-state-time">{time(stateTime(job))}</span>
            </Descriptions.Item>
            {/* What the job is about and where it came from, in words; a job with neither shows neither. */}
            {subjects.length > 0 && (
              <Descriptions.Item label={t('jobs.detail.args')}>
                <Flex vertical gap={2} data-testid="job-drawer-about">
                  {subjects.map((s, i) => (
                    <SubjectLine key={i} subject={s} />
                  ))}
                </Flex>
              </Descriptions.Item>
            )}
            {origin && (
              <Descriptions.Item label={t('jobs.detail.meta')}>
                <span data-testid="job-drawer-origin">{origin}</span>
              </Descriptions.Item>
            )}
            <Descriptions.Item label={t('jobs.col.queue')}>
              <QueueLabel maybe={maybe} queue={job.queue} />
            </Descriptions.Item>
            <Descriptions.Item label={t('jobs.col.attempt')}>{t('jobs.attemptOf', { attempt: job.attempt, max: job.maxAttempts })}</Descriptions.Item>
            <Descriptions.Item label={t('jobs.detail.priority')}>{job.priority}</Descriptions.Item>
            <Descriptions.Item label={t('jobs.detail.insertedAt')}>{time(job.insertedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('jobs.detail.scheduledAt')}>{time(job.scheduledAt)}</Descriptions.Item>
            <Descriptions.Item label={t('jobs.detail.attemptedAt')}>{time(job.attemptedAt)}</Descriptions.Item>
          </Descriptions>
          <Collapse size="small" items={[{ key: 'technical', label: t('jobs.detail.technical'), children: <Technical job={job} /> }]} data-testid="job-technical" />
          <Typography.Title level={5} style={{ margin: 0 }}>
            {t('jobs.detail.errors')}
          </Typography.Title>
          {job.errors.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('jobs.detail.noErrors')} />
          ) : (
            <Timeline
              data-testid="job-errors"
              items={[...job.errors].reverse().map((e) => ({
                color: 'red',
                children: (
                  <Flex vertical gap={4}>
                    <Typography.Text type="secondary">{t('jobs.detail.errorAt', { attempt: e.attempt, time: formatTime(e.at) })}</Typography.Text>
                    <JobError maybe={maybe} error={e.error} />
                    {e.stack && <pre style={{ ...PRE, color: '#8c8c8c' }}>{e.stack}</pre>}
                  </Flex>
                ),
              }))}
            />
          )}
        </Flex>
      )}
    </Drawer>
  );
}
