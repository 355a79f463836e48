import type React from 'react';
import { Descriptions, Drawer, Empty, Flex, Tag, Timeline, Typography } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { JobError, kindName, QueueLabel } from './names';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { JobActions } from './JobActions';
import { STATE_COLOR, stateLabel, stateTime } from './model';

const PRE: React.CSSProperties = { margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12, maxHeight: 240, overflow: 'auto' };

const time = (t: number | null | undefined) => (t === null || t === undefined ? '—' : formatTime(t));

/** One job: what it is, when it ran, and every failed attempt with its error. */
export function JobDrawer({ id, version, onClose, onChanged }: { id: string | null; version: number; onClose(): void; onChanged(): void }) {
  const { t, maybe } = useI18n();
  const detail = useQuery(() => (id ? api.jobs.get({ id }) : Promise.resolve(null)), [id, version]);
  const job = id && detail.data?.id === id ? detail.data : null;
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
            <Descriptions.Item label={t('jobs.col.id')}>
              <Typography.Text copyable code>
                {job.id}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('jobs.col.state')}>
              <Tag color={STATE_COLOR[job.state]} data-testid="job-drawer-state">
                {t(stateLabel(job.state))}
              </Tag>
              {time(stateTime(job))}
            </Descriptions.Item>
            <Descriptions.Item label={t('jobs.col.queue')}>
              <QueueLabel maybe={maybe} queue={job.queue} />
            </Descriptions.Item>
            <Descriptions.Item label={t('jobs.col.attempt')}>{t('jobs.attemptOf', { attempt: job.attempt, max: job.maxAttempts })}</Descriptions.Item>
            <Descriptions.Item label={t('jobs.detail.priority')}>{job.priority}</Descriptions.Item>
            <Descriptions.Item label={t('jobs.detail.insertedAt')}>{time(job.insertedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('jobs.detail.scheduledAt')}>{time(job.scheduledAt)}</Descriptions.Item>
            <Descriptions.Item label={t('jobs.detail.attemptedAt')}>{time(job.attemptedAt)}</Descriptions.Item>
            {job.uniqueKey && (
              <Descriptions.Item label={t('jobs.detail.uniqueKey')}>
                <Typography.Text code>{job.uniqueKey}</Typography.Text>
              </Descriptions.Item>
            )}
            <Descriptions.Item label={t('jobs.detail.args')}>
              <pre style={PRE}>{JSON.stringify(job.args, null, 2)}</pre>
            </Descriptions.Item>
            {Object.keys(job.meta).length > 0 && (
              <Descriptions.Item label={t('jobs.detail.meta')}>
                <pre style={PRE}>{JSON.stringify(job.meta, null, 2)}</pre>
              </Descriptions.Item>
            )}
          </Descriptions>
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
