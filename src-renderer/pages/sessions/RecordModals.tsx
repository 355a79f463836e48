import { App, AutoComplete, Descriptions, Flex, Form, Input, Modal, Tag, Tooltip, Typography } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { formatWh } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { byNumber, numberMatches } from '../../lib/typedNumber';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { useQuery } from '../../lib/useQuery';
import { STATE_COLOR, stateLabel } from './model';
import { attachableTo, KIND_LABEL, reasonText, type ParkedRecord } from './records';

/**
 * The two decisions on a parked charger record (充电桩记录), each in a modal that shows the record
 * first: attach it to a session of its charger, or discard it with a reason.
 */

/** The core's reason, in the operator's language where records.ts knows it. */
export function Reason({ reason }: { reason: string }) {
  const { t } = useI18n();
  const known = reasonText(reason);
  if (!known) return <Typography.Text>{reason}</Typography.Text>;
  return (
    <Tooltip title={reason}>
      <Typography.Text>{t(known.key, known.params)}</Typography.Text>
    </Tooltip>
  );
}

function RecordSummary({ record: r }: { record: ParkedRecord }) {
  const { t } = useI18n();
  return (
    <Descriptions size="small" bordered column={2} styles={{ label: { whiteSpace: 'nowrap' } }}>
      <Descriptions.Item label={t('sessions.col.charger')}>{r.connectorId === null ? r.chargerId : `${r.chargerId} / ${r.connectorId}`}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.records.col.kind')}>{t(KIND_LABEL[r.kind])}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.transactionId')}>{r.transactionId ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.records.col.meter')}>{r.meterWh === null ? '—' : formatWh(r.meterWh)}</Descriptions.Item>
      <Descriptions.Item label={t('sessions.records.col.chargerAt')} span={2}>
        {formatTime(r.chargerAt)}
      </Descriptions.Item>
      <Descriptions.Item label={t('sessions.records.col.reason')} span={2}>
        <Reason reason={r.reason} />
      </Descriptions.Item>
    </Descriptions>
  );
}

/**
 * 关联到订单: the sessions of the record's charger the core would accept are offered (newest
 * first); an older one can be given by its id. The note says why, for the timeline and the audit.
 */
/**
 * People pick or type a session's number (CD…); the core is told its id. Anything typed that is not
 * one of the charger's sessions goes as typed, and the core's refusal names it.
 */
function sessionIdOf(candidates: readonly { id: string; number: string }[], typed: string): string {
  return byNumber(candidates, typed)?.id ?? typed.trim();
}

export function AttachModal({ record, onClose, onDone }: { record: ParkedRecord | null; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ sessionId: string; note: string }>();
  const sessions = useQuery(() => (record ? api.sessions.list({ chargerId: record.chargerId, limit: 100 }) : Promise.resolve(null)), [record?.id]);
  const candidates = record ? (sessions.data?.items ?? []).filter((s) => attachableTo(record.kind, s.state)) : [];
  const { submitting, submit } = useModalSubmit({
    form,
    // The form is rendered only while there is a record, so a submit always has one.
    run: (v: { sessionId: string; note: string }) =>
      api.sessions.attachRecord({ recordId: record!.id, sessionId: sessionIdOf(candidates, v.sessionId), note: v.note.trim() }),
    onDone: (r) => {
      const said = { id: r.recordId, session: candidates.find((s) => s.id === r.sessionId)?.number ?? r.sessionId };
      // A stop finishes the session; when it is not settled too, it waits for review (or the sweeper).
      if (r.settled) void message.success(t('sessions.records.attachedSettled', said));
      else if (record?.kind === 'stop') void message.warning(t('sessions.records.attachedNotSettled', said));
      else void message.success(t('sessions.records.attached', said));
      onDone();
    },
  });

  return (
    <Modal
      open={record !== null}
      title={record ? t('sessions.records.attachTitle', { id: record.id }) : ''}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('sessions.records.attach')}
      cancelText={t('common.cancel')}
      confirmLoading={submitting}
      okButtonProps={{ 'data-testid': 'record-attach-submit' }}
      width={640}
      destroyOnHidden
    >
      {record && (
        <Flex vertical gap="middle">
          <RecordSummary record={record} />
          <Typography.Text type="secondary">
            {record.kind === 'stop'
              ? t('sessions.records.attachHint.stop', { charger: record.chargerId, meter: record.meterWh === null ? '—' : formatWh(record.meterWh) })
              : t('sessions.records.attachHint.meter', { charger: record.chargerId })}
          </Typography.Text>
          <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="record-attach-form">
            <Form.Item
              name="sessionId"
              label={t('sessions.records.session')}
              extra={t('sessions.records.sessionHelp', { charger: record.chargerId })}
              rules={[{ required: true, whitespace: true, message: t('sessions.records.sessionRequired') }]}
            >
              <AutoComplete
                data-testid="record-attach-session"
                placeholder={t('sessions.records.sessionPlaceholder')}
                filterOption={(input, option) => numberMatches(String(option?.value ?? ''), input)}
                notFoundContent={sessions.loading ? null : t('sessions.records.noSession', { charger: record.chargerId })}
                options={candidates.map((s) => ({
                  value: s.number,
                  label: (
                    <Flex gap={6} align="center" data-testid="record-attach-option">
                      <Typography.Text code>{s.number}</Typography.Text>
                      <Tag color={STATE_COLOR[s.state]} style={{ marginInlineEnd: 0 }}>
                        {t(stateLabel(s.state))}
                      </Tag>
                      <Typography.Text type="secondary">
                        {t('sessions.records.sessionOption', {
                          n: s.connectorId,
                          time: s.startedAt === null ? '—' : formatTime(s.startedAt, 'MM-DD HH:mm'),
                          tag: s.idTag,
                        })}
                      </Typography.Text>
                    </Flex>
                  ),
                }))}
              />
            </Form.Item>
            <Form.Item name="note" label={t('sessions.records.note')} rules={[{ required: true, whitespace: true, message: t('sessions.records.noteRequired') }]}>
              <Input.TextArea rows={2} maxLength={500} />
            </Form.Item>
          </Form>
        </Flex>
      )}
    </Modal>
  );
}

/** 丢弃: the record is kept and marked with the reason, and never applied. */
export function DiscardModal({ record, onClose, onDone }: { record: ParkedRecord | null; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ reason: string }>();
  const { submitting, submit } = useModalSubmit({
    form,
    // As in AttachModal: no record, no form, no submit.
    run: (v: { reason: string }) => api.sessions.discardRecord({ recordId: record!.id, reason: v.reason.trim() }),
    onDone: (r) => {
      void message.success(t('sessions.records.discarded', { id: r.recordId }));
      onDone();
    },
  });

  return (
    <Modal
      open={record !== null}
      title={record ? t('sessions.records.discardTitle', { id: record.id }) : ''}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('sessions.records.discard')}
      cancelText={t('common.cancel')}
      confirmLoading={submitting}
      okButtonProps={{ danger: true, 'data-testid': 'record-discard-submit' }}
      width={640}
      destroyOnHidden
    >
      {record && (
        <Flex vertical gap="middle">
          <RecordSummary record={record} />
          <Typography.Text type="secondary">{t('sessions.records.discardHint')}</Typography.Text>
          <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} data-testid="record-discard-form">
            <Form.Item
              name="reason"
              label={t('sessions.records.discardReason')}
              required
              // The core wants at least 3 characters once trimmed; say so before the round trip.
              rules={[
                {
                  validator: (_, v: unknown) =>
                    typeof v === 'string' && v.trim().length >= 3 ? Promise.resolve() : Promise.reject(new Error(t('sessions.records.discardReasonRequired'))),
                },
              ]}
            >
              <Input.TextArea rows={3} maxLength={500} />
            </Form.Item>
          </Form>
        </Flex>
      )}
    </Modal>
  );
}
