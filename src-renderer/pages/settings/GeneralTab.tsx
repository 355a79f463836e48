import { useState } from 'react';
import { Alert, Button, Card, Descriptions, Space, Typography } from 'antd';
import { CloudDownloadOutlined } from '@ant-design/icons';
import { api } from '../../api';
import type { MethodOutput } from '../../../src-main/contract/types';
import { BrokerBadge } from '../../components/BrokerBadge';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatBytes } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { schemaText } from './schemaText';
import { uplinkText } from './uplinkText';

type Backup = MethodOutput<'system.backup'>;

export default function GeneralTab() {
  const i18n = useI18n();
  const { t, maybe } = i18n;
  const { can } = useSession();
  const report = useReportError();
  const about = useQuery(() => api.system.about({}));
  const [backingUp, setBackingUp] = useState(false);
  const [backup, setBackup] = useState<Backup | null>(null);

  async function runBackup() {
    setBackingUp(true);
    try {
      setBackup(await api.system.backup({}));
    } catch (e) {
      report(e);
    } finally {
      setBackingUp(false);
    }
  }

  const a = about.data;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('about.title')} size="small" loading={!a && about.loading} data-testid="about">
        {a && (
          <Descriptions size="small" column={1} bordered styles={{ label: { width: 180 } }}>
            <Descriptions.Item label={t('about.version')}>{a.version}</Descriptions.Item>
            <Descriptions.Item label={t('about.dataDir')}>
              <Typography.Text copyable>{a.dataDir}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('about.dbFile')}>
              <Typography.Text copyable>{a.dbFile}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('about.schema')}>
              <span data-testid="about-schema">{schemaText(i18n, a.schema)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('about.timeZone')}>{a.timeZone}</Descriptions.Item>
            <Descriptions.Item label={t('about.mode')}>{maybe(`about.mode.${a.mode}`) ?? a.mode}</Descriptions.Item>
            <Descriptions.Item label={t('about.broker')}>
              <Space>
                <BrokerBadge state={a.broker.state} />
                {a.broker.url && <Typography.Text type="secondary">{a.broker.url}</Typography.Text>}
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label={t('about.startedAt')}>{formatTime(a.startedAt)}</Descriptions.Item>
            {can(SUPERVISORS) && (
              <Descriptions.Item label={t('about.hq')}>
                <UplinkLine />
              </Descriptions.Item>
            )}
          </Descriptions>
        )}
      </Card>
      {can(SUPERVISORS) && (
        <Card title={t('about.backupTitle')} size="small">
          <Space direction="vertical" style={{ width: '100%' }}>
            <Typography.Text type="secondary">{t('about.backupHint')}</Typography.Text>
            <Button icon={<CloudDownloadOutlined />} loading={backingUp} onClick={() => void runBackup()} data-testid="backup">
              {t('about.backup')}
            </Button>
            {backup && (
              <Alert type="success" showIcon data-testid="backup-result" message={t('about.backupDone', { file: backup.file, size: formatBytes(backup.bytes) })} />
            )}
          </Space>
        </Card>
      )}
    </Space>
  );
}

/** The uplink to headquarters in one line (headquarters.status is for supervisors and admins). */
function UplinkLine() {
  const i18n = useI18n();
  const status = useQuery(() => api.headquarters.status({}));
  return <span data-testid="about-hq">{status.data ? uplinkText(i18n, status.data) : ''}</span>;
}
