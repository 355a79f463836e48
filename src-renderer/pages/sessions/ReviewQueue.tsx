import { useState } from 'react';
import { App, Button, Form, Input, Modal, Typography } from 'antd';
import { CheckOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatFen } from '../../lib/format';
import { formatTime } from '../../lib/time';
import { SUPERVISORS, useSession } from '../../session';
import { DriverName, DriverSelect } from './DriverSelect';
import { STATE_TONE, stateLabel, type Session } from './model';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { StateTag } from '../../components/StateTag';

/**
 * Approve a session waiting for a supervisor; a finished one is settled on approval. A session
 * started with an unknown card needs the driver who pays for it.
 */
export function ReviewButton({ session, onDone }: { session: Session; onDone(): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ driverId?: string; note?: string }>();
  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: { driverId?: string; note?: string }) => api.sessions.approveReview({ sessionId: session.id, driverId: v.driverId, note: v.note || undefined }),
    onDone: (s) => {
      void message.success(t('sessions.approved', { state: t(stateLabel(s.state)) }));
      setOpen(false);
      onDone();
    },
  });
  if (!can(SUPERVISORS)) return null;
  const needsDriver = session.driverId === null;

  return (
    <>
      <Button type="primary" icon={<CheckOutlined />} onClick={() => setOpen(true)} data-testid="review-approve">
        {t('sessions.approve')}
      </Button>
      <Modal
        open={open}
        title={t('sessions.approveTitle', { id: session.id })}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        okText={t('sessions.approve')}
        cancelText={t('common.cancel')}
        confirmLoading={submitting}
        okButtonProps={{ 'data-testid': 'review-approve-submit' }}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t('sessions.approveHint')}</Typography.Paragraph>
        <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
          {needsDriver && (
            <Form.Item name="driverId" label={t('sessions.driver')} rules={[{ required: true, message: t('common.required') }]} extra={t('sessions.approveDriverHelp')}>
              <DriverSelect />
            </Form.Item>
          )}
          <Form.Item name="note" label={t('sessions.note')}>
            <Input.TextArea rows={2} maxLength={500} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

/** The review queue: large amounts not charged yet, late starts, unknown cards, readings that could not be priced; oldest first. */
export function ReviewQueue({ version, onOpen, onChanged }: { version: number; onOpen(id: string): void; onChanged(): void }) {
  const { t } = useI18n();
  const list = useList<object, Session>(
    {
      id: 'sessions.reviewQueue',
      defaults: {},
      load: ({ limit, offset }) => api.sessions.reviewQueue({ limit, offset }).then((r) => ({ rows: r.sessions, total: r.total })),
    },
    [version],
  );
  return (
    <DataTable<object, Session>
      list={list}
      rowKey="id"
      testId="review-queue"
      columns={useReviewColumns(onChanged)}
      empty={{ none: t('list.empty.sessionReviews'), filtered: t('list.empty.sessionReviews') }}
      table={{ onRow: (s) => ({ onClick: () => onOpen(s.id), style: { cursor: 'pointer' } }) }}
    />
  );
}

function useReviewColumns(onChanged: () => void): DataColumn<Session>[] {
  const { t, maybe } = useI18n();
  return [
    {
      key: 'reason',
      title: t('sessions.reviewReason'),
      dataIndex: 'reviewReason',
      render: (r: string | null) => <StateTag tone="warning">{r ? (maybe(`sessions.reviewReason.${r}`) ?? r) : '—'}</StateTag>,
    },
    {
      key: 'state',
      title: t('sessions.col.state'),
      dataIndex: 'state',
      width: 100,
      render: (s: Session['state']) => <StateTag tone={STATE_TONE[s]}>{t(stateLabel(s))}</StateTag>,
    },
    { key: 'charger', title: t('sessions.col.charger'), render: (_: unknown, s) => `${s.chargerId} / ${s.connectorId}` },
    {
      key: 'driver',
      title: t('sessions.col.driver'),
      dataIndex: 'driverId',
      render: (d: string | null, s) => (d ? <DriverName id={d} /> : <Typography.Text type="warning">{s.idTag}</Typography.Text>),
    },
    { key: 'amount', title: t('sessions.col.amount'), dataIndex: 'amountFen', align: 'right', render: (f: number | null) => (f === null ? '—' : formatFen(f)) },
    { key: 'created', title: t('sessions.col.created'), dataIndex: 'createdAt', width: 170, render: (at: number) => formatTime(at) },
    {
      key: 'actions',
      title: t('common.actions'),
      width: 120,
      render: (_: unknown, s) => (
        <span onClick={(e) => e.stopPropagation()}>
          <ReviewButton session={s} onDone={onChanged} />
        </span>
      ),
    },
  ];
}
