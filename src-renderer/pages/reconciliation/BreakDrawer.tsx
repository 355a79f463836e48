import { useState } from 'react';
import { App as AntApp, Button, Descriptions, Drawer, Flex, Space, Tag, Timeline, Typography } from 'antd';
import { UserAddOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { displayFen } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { useSession } from '../../session';
import { ActionModal } from './ActionModal';
import {
  allowedActions,
  BREAK_STATE_COLOR,
  breakStateKey,
  channelKey,
  FINANCE,
  kindKey,
  KIND_COLOR,
  lossFen,
  type Break,
  type BreakAction,
  type BreakEvent,
} from './model';

/**
 * One break in full: the two sides and what a write-off would cost, who works it, its history, and
 * the actions its kind and state allow (finance, supervisors and admins). Each action that moves
 * money opens a confirmation with the amount and what will happen.
 */
export function BreakDrawer({ breakId, version, onClose, onChanged }: { breakId: string | null; version: number; onClose(): void; onChanged(): void }) {
  const { t } = useI18n();
  const detail = useQuery(() => (breakId ? api.recon.break({ breakId }) : Promise.resolve(null)), [breakId, version]);
  const d = breakId && detail.data?.break.id === breakId ? detail.data : null;
  const [acting, setActing] = useState<BreakAction | null>(null);
  const changed = () => {
    void detail.reload();
    onChanged();
  };
  return (
    <Drawer
      open={breakId !== null}
      onClose={onClose}
      width={720}
      title={d ? t('recon.break.title', { kind: t(kindKey(d.break.kind)), day: d.break.day }) : t('recon.break.loading')}
      loading={!d && detail.loading}
      data-testid="recon-break-drawer"
    >
      {d && (
        <Flex vertical gap="large">
          <BreakFacts b={d.break} />
          <BreakActions b={d.break} onAct={setActing} onChanged={changed} />
          <section>
            <Typography.Title level={5}>{t('recon.break.history')}</Typography.Title>
            <History events={d.history} />
          </section>
          {acting && <ActionModal b={d.break} action={acting} onClose={() => setActing(null)} onDone={changed} />}
        </Flex>
      )}
    </Drawer>
  );
}

function BreakFacts({ b }: { b: Break }) {
  const { t } = useI18n();
  const loss = lossFen(b);
  return (
    <Descriptions size="small" column={2} bordered data-testid="recon-break-facts">
      <Descriptions.Item label={t('recon.col.kind')}>
        <Tag color={KIND_COLOR[b.kind]}>{t(kindKey(b.kind))}</Tag>
      </Descriptions.Item>
      <Descriptions.Item label={t('recon.col.state')}>
        <Tag color={BREAK_STATE_COLOR[b.state]} data-testid="recon-break-state">
          {t(breakStateKey(b.state))}
        </Tag>
      </Descriptions.Item>
      <Descriptions.Item label={t('recon.kindHelp')} span={2}>
        {t(`recon.kindHelp.${b.kind}` as I18nKey)}
      </Descriptions.Item>
      <Descriptions.Item label={t('recon.ch.channel')}>{t(channelKey(b.channel))}</Descriptions.Item>
      <Descriptions.Item label={t('recon.col.day')}>{b.day}</Descriptions.Item>
      <Descriptions.Item label={t('recon.col.order')}>{b.orderNumber ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('recon.col.trade')}>{b.tradeNo ?? b.refundNo ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('recon.col.gateway')}>{displayFen(b.gateway.fen)}</Descriptions.Item>
      <Descriptions.Item label={t('recon.col.ours')}>{displayFen(b.ours.fen)}</Descriptions.Item>
      <Descriptions.Item label={t('recon.col.diff')}>{displayFen(b.diff.fen)}</Descriptions.Item>
      <Descriptions.Item label={t('recon.col.loss')}>{loss > 0 ? displayFen(loss) : t('recon.break.noLoss')}</Descriptions.Item>
      <Descriptions.Item label={t('recon.col.owner')}>{b.owner?.name ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('recon.break.opened')}>{formatTime(b.openedAt)}</Descriptions.Item>
      {b.requestedBy && (
        <Descriptions.Item label={t('recon.break.requestedBy')} span={2}>
          <span data-testid="recon-break-requester">
            {b.requestedBy.name} · {formatTime(b.requestedAt ?? 0)} · {b.note}
          </span>
        </Descriptions.Item>
      )}
      {b.resolution && (
        <Descriptions.Item label={t('recon.break.resolution')} span={2}>
          <span data-testid="recon-break-resolution">
            {t(`recon.resolution.${b.resolution}` as I18nKey)}
            {b.resolvedBy ? ` · ${b.resolvedBy.name}` : ''} · {formatTime(b.resolvedAt ?? 0)}
            {b.note ? ` · ${b.note}` : ''}
            {b.reference ? ` (${b.reference})` : ''}
          </span>
        </Descriptions.Item>
      )}
    </Descriptions>
  );
}

function BreakActions({ b, onAct, onChanged }: { b: Break; onAct(a: BreakAction): void; onChanged(): void }) {
  const { t } = useI18n();
  const session = useSession();
  const { message } = AntApp.useApp();
  const report = useReportError();
  const [assigning, setAssigning] = useState(false);
  const actions = allowedActions(b);
  if (!session.can(FINANCE) || (actions.length === 0 && b.state !== 'open')) return null;
  const mine = b.owner?.id === session.operator.id;
  async function assign() {
    setAssigning(true);
    try {
      await api.recon.assign({ breakId: b.id });
      message.success(t('recon.assign.done'));
      onChanged();
    } catch (e) {
      report(e);
    } finally {
      setAssigning(false);
    }
  }
  return (
    <Space wrap data-testid="recon-break-actions">
      {!mine && (
        <Button icon={<UserAddOutlined />} loading={assigning} onClick={() => void assign()} data-testid="recon-assign">
          {t('recon.assign')}
        </Button>
      )}
      {actions.map((a) => (
        <Button
          key={a}
          type={a === 'approve' ? 'primary' : 'default'}
          danger={a === 'reject' || a === 'requestWriteOff'}
          onClick={() => onAct(a)}
          data-testid={`recon-action-${a}`}
        >
          {t(`recon.action.${a}` as I18nKey)}
        </Button>
      ))}
    </Space>
  );
}

// Notes the core writes itself (in English, for the log) rather than a person's words: the facts are shown above.
const MACHINE_NOTES = new Set(['opened', 'assigned', 'matched_late']);

function History({ events }: { events: BreakEvent[] }) {
  const { t, maybe } = useI18n();
  return (
    <Timeline
      data-testid="recon-break-history"
      items={events.map((e) => ({
        key: e.id,
        children: (
          <div>
            <Typography.Text strong>{maybe(`recon.event.${e.action}`) ?? e.action}</Typography.Text>
            <Typography.Text type="secondary">
              {' '}
              · {formatTime(e.at)} · {e.by?.name ?? t('recon.event.system')}
            </Typography.Text>
            {e.note && !MACHINE_NOTES.has(e.action) && <div>{e.note}</div>}
          </div>
        ),
      }))}
    />
  );
}
