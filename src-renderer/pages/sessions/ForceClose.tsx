import { useState } from 'react';
import { Alert, App, Button, Flex, Form, Input, Modal, Tag, Typography } from 'antd';
import { ThunderboltOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatFen, formatWh } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { SUPERVISORS, useSession } from '../../session';
import { stateLabel, type SessionDetail } from './model';

type ForceClose = NonNullable<SessionDetail['forceClose']>;

/**
 * 强制结束: a supervisor asks to close a stuck session at its last reading (with a reason); a
 * second supervisor approves (the session settles at once) or rejects it. The requester sees
 * why they cannot decide their own request; the core refuses it anyway.
 */
export function ForceCloseButton({ detail, onDone }: { detail: SessionDetail; onDone(): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: { reason: string }) => api.sessions.requestForceClose({ sessionId: detail.session.id, reason: v.reason }),
    onDone: () => {
      void message.success(t('sessions.forceCloseRequested'));
      setOpen(false);
      onDone();
    },
  });
  const open_ = detail.forceClose && detail.forceClose.state !== 'rejected';
  if (!can(SUPERVISORS) || !detail.stuck || open_) return null;
  const s = detail.session;

  return (
    <>
      <Button danger icon={<ThunderboltOutlined />} onClick={() => setOpen(true)} data-testid="force-close-open">
        {t('sessions.forceClose')}
      </Button>
      <Modal
        open={open}
        title={t('sessions.forceCloseTitle', { id: s.id })}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        okText={t('sessions.forceCloseSubmit')}
        okButtonProps={{ danger: true, 'data-testid': 'force-close-submit' }}
        cancelText={t('common.cancel')}
        confirmLoading={submitting}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t('sessions.forceCloseHint')}</Typography.Paragraph>
        <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="force-close-form">
          <Form.Item name="reason" label={t('sessions.forceCloseReason')} rules={[{ required: true, whitespace: true, message: t('sessions.forceCloseReasonRequired') }]}>
            <Input.TextArea rows={3} maxLength={500} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

const STATE_COLOR: Record<ForceClose['state'], string> = { requested: 'orange', approved: 'green', rejected: 'default' };

/** The session's force-close: who asked and why, the reading it closes at, the decision, and a re-settlement. */
export function ForceClosePanel({ detail, onDone }: { detail: SessionDetail; onDone(): void }) {
  const { t } = useI18n();
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const [note, setNote] = useState('');
  const fc = detail.forceClose;
  if (!fc) return null;
  const pending = fc.state === 'requested';
  return (
    <Alert
      type={pending ? 'warning' : fc.state === 'approved' ? 'info' : 'success'}
      showIcon
      data-testid="force-close-panel"
      message={
        <Flex gap={8} align="center">
          <Typography.Text strong>{t('sessions.fc.title')}</Typography.Text>
          <Tag color={STATE_COLOR[fc.state]} data-testid="force-close-state">
            {t(`sessions.fc.state.${fc.state}`)}
          </Tag>
        </Flex>
      }
      description={
        <Flex vertical gap={4}>
          <ForceCloseStory fc={fc} />
          {pending && <DecisionButtons fc={fc} onDecide={(d) => (setNote(''), setDeciding(d))} />}
          <DecideModal fc={fc} deciding={deciding} note={note} onNote={setNote} onClose={() => setDeciding(null)} onDone={onDone} />
        </Flex>
      }
    />
  );
}

type Decision = 'approve' | 'reject';

/** Who asked and why, the reading it closes at, who decided, and what the re-settlement changed. */
function ForceCloseStory({ fc }: { fc: ForceClose }) {
  const { t } = useI18n();
  const r = fc.resettle;
  return (
    <>
      <Typography.Text>{t('sessions.fc.requestedBy', { name: fc.requestedBy.name, time: formatTime(fc.requestedAt), reason: fc.reason })}</Typography.Text>
      <Typography.Text type="secondary">{t('sessions.fc.reading', { energy: formatWh(fc.meterWh), time: formatTime(fc.readingAt) })}</Typography.Text>
      {fc.decidedBy && (
        <Typography.Text>
          {t(fc.state === 'approved' ? 'sessions.fc.approvedBy' : 'sessions.fc.rejectedBy', { name: fc.decidedBy.name, time: formatTime(fc.decidedAt ?? 0) })}
          {fc.decisionNote ? ` · ${t('sessions.fc.note', { note: fc.decisionNote })}` : ''}
        </Typography.Text>
      )}
      {fc.state === 'approved' && !r && <Typography.Text type="secondary">{t('sessions.fc.waitingStop')}</Typography.Text>}
      {r && (
        <Typography.Text data-testid="force-close-resettle">
          {t('sessions.fc.resettled', { before: formatFen(r.beforeFen), after: formatFen(r.afterFen) })}
          {r.differenceFen > 0 && ` · ${t('sessions.fc.resettleMore', { amount: formatFen(r.differenceFen) })}`}
          {r.debtFen > 0 && ` · ${t('sessions.fc.resettleDebt', { debt: formatFen(r.debtFen) })}`}
          {r.returnedFen > 0 && ` · ${t('sessions.fc.resettleLess', { amount: formatFen(r.returnedFen) })}`}
        </Typography.Text>
      )}
    </>
  );
}

/** A second supervisor's approve and reject; the requester sees why both are disabled for them. */
function DecisionButtons({ fc, onDecide }: { fc: ForceClose; onDecide(d: Decision): void }) {
  const { t } = useI18n();
  const { can, operator } = useSession();
  if (!can(SUPERVISORS)) return null;
  const own = fc.requestedBy.id === operator.id;
  return (
    <Flex vertical gap={4} style={{ marginTop: 4 }}>
      <Flex gap={8}>
        <Button type="primary" disabled={own} onClick={() => onDecide('approve')} data-testid="force-close-approve">
          {t('sessions.fc.approve')}
        </Button>
        <Button danger disabled={own} onClick={() => onDecide('reject')} data-testid="force-close-reject">
          {t('sessions.fc.reject')}
        </Button>
      </Flex>
      {own && (
        <Typography.Text type="secondary" data-testid="force-close-own">
          {t('sessions.fc.ownRequest')}
        </Typography.Text>
      )}
    </Flex>
  );
}

interface DecideProps {
  fc: ForceClose;
  deciding: Decision | null;
  note: string;
  onNote(note: string): void;
  onClose(): void;
  onDone(): void;
}

function DecideModal({ fc, deciding, note, onNote, onClose, onDone }: DecideProps) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { submitting, submit } = useModalSubmit({
    run: async (d: Decision) => {
      if (d === 'approve') {
        const s = await api.sessions.approveForceClose({ sessionId: fc.sessionId, note: note.trim() || undefined });
        void message.success(t('sessions.fc.approved', { state: t(stateLabel(s.state)) }));
      } else {
        await api.sessions.rejectForceClose({ sessionId: fc.sessionId, note });
        void message.success(t('sessions.fc.rejected'));
      }
    },
    onDone: () => {
      onClose();
      onDone();
    },
  });
  return (
    <Modal
      open={deciding !== null}
      title={t(deciding === 'reject' ? 'sessions.fc.rejectTitle' : 'sessions.fc.approveTitle')}
      onOk={() => {
        if (deciding) void submit(deciding);
      }}
      onCancel={onClose}
      okText={t(deciding === 'reject' ? 'sessions.fc.reject' : 'sessions.fc.approve')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: submitting, danger: deciding === 'reject', disabled: deciding === 'reject' && !note.trim(), 'data-testid': 'force-close-decide' }}
      destroyOnHidden
    >
      {deciding === 'approve' && <Typography.Paragraph type="secondary">{t('sessions.fc.approveHint')}</Typography.Paragraph>}
      <Typography.Text>{t(deciding === 'reject' ? 'sessions.fc.rejectNoteRequired' : 'sessions.note')}</Typography.Text>
      <Input.TextArea rows={2} maxLength={500} value={note} onChange={(e) => onNote(e.target.value)} data-testid="force-close-note" />
    </Modal>
  );
}
