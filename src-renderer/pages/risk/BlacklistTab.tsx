import { useState } from 'react';
import { App, Alert, Button, Flex, Form, Input, InputNumber, Modal, Radio, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { DriverSelect } from '../sessions/DriverSelect';
import { ListingDrawer } from './ListingDrawer';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { StateTag, type Tone } from '../../components/StateTag';

const LISTING_TONE: Record<ListingState, Tone> = { active: 'error', lifted: 'default', expired: 'default' };
import { LISTING_STATES, listingReason, listingStateLabel, maskPhone, ruleName, type Listing, type ListingState } from './model';

/**
 * The blacklist (黑名单): who is listed, why, by whom or by which rule and version, until when.
 * Supervisors list a driver by hand and lift a listing with a note; a row opens the listing's
 * "why" drawer.
 */
type Filters = { state?: ListingState };

export default function BlacklistTab({ version }: { version: number }) {
  const { t } = useI18n();
  const { can } = useSession();
  const [mine, setMine] = useState(0);
  const [adding, setAdding] = useState(false);
  const [lifting, setLifting] = useState<Listing | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const list = useList<Filters, Listing>(
    {
      id: 'risk.blacklist',
      defaults: {},
      load: ({ filters, limit, offset }) => api.risk.blacklist({ state: filters.state, limit, offset }).then((r) => ({ rows: r.listings, total: r.total })),
    },
    [version, mine],
  );
  const changed = () => setMine((v) => v + 1);
  const columns = useColumns(setOpenId, setLifting);
  return (
    <Flex vertical gap="middle" data-testid="risk-blacklist-tab">
      <DataTable<Filters, Listing>
        list={list}
        rowKey="id"
        testId="bl-table"
        columns={columns}
        totalText={(total) => t('risk.bl.total', { total })}
        empty={{ none: t('risk.bl.empty'), filtered: t('list.empty.blacklist.filtered') }}
        table={{ onRow: (l) => ({ onClick: () => setOpenId(l.id), style: { cursor: 'pointer' } }) }}
        filters={
          <Form.Item name="state">
            <Select<ListingState | undefined>
              allowClear
              style={{ width: 160 }}
              placeholder={t('risk.bl.filterState')}
              data-testid="bl-state-filter"
              options={LISTING_STATES.map((s) => ({ value: s, label: t(listingStateLabel(s)) }))}
            />
          </Form.Item>
        }
        toolbar={
          can(SUPERVISORS) && (
            <Button type="primary" danger icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="bl-add-open">
              {t('risk.bl.add')}
            </Button>
          )
        }
      />
      <AddModal open={adding} onClose={() => setAdding(false)} onDone={changed} />
      <LiftModal listing={lifting} onClose={() => setLifting(null)} onDone={changed} />
      <ListingDrawer id={openId} version={version + mine} onClose={() => setOpenId(null)} onLift={(l) => setLifting(l)} />
    </Flex>
  );
}

/** Where a listing came from: 手动 by hand, or the rule's name and the version it ran under. */
export function SourceTag({ listing: l }: { listing: Pick<Listing, 'source' | 'ruleCode' | 'ruleVersion'> }) {
  const { t, maybe } = useI18n();
  if (l.source === 'manual' || !l.ruleCode) return <Tag>{t('risk.bl.source.manual')}</Tag>;
  return (
    <Tooltip title={l.ruleCode}>
      <Tag color="purple">{t('risk.bl.source.rule', { rule: ruleName(maybe, l.ruleCode), version: l.ruleVersion ?? 0 })}</Tag>
    </Tooltip>
  );
}

export function ExpiresText({ listing: l }: { listing: Pick<Listing, 'expiresAt'> }) {
  const { t } = useI18n();
  return l.expiresAt === null ? <Typography.Text type="danger">{t('risk.bl.permanent')}</Typography.Text> : <span>{formatTime(l.expiresAt, 'YYYY-MM-DD HH:mm')}</span>;
}

function useColumns(onOpen: (id: string) => void, onLift: (l: Listing) => void): DataColumn<Listing>[] {
  const { t, maybe } = useI18n();
  const { can } = useSession();
  return [
    {
      key: 'driver',
      title: t('risk.bl.col.driver'),
      render: (_, l) => (
        <span>
          {l.driverName} <Typography.Text type="secondary">{maskPhone(l.driverPhone)}</Typography.Text>
        </span>
      ),
    },
    { key: 'reason', title: t('risk.bl.col.reason'), dataIndex: 'reason', ellipsis: true, render: (_, l) => listingReason(maybe, l) },
    { key: 'source', title: t('risk.bl.col.source'), render: (_, l) => <SourceTag listing={l} /> },
    {
      key: 'listed',
      title: t('risk.bl.col.listed'),
      render: (_, l) => (
        <Typography.Text type="secondary">
          {l.listedBy?.name ?? t('risk.bl.byRule')} · {formatTime(l.listedAt, 'YYYY-MM-DD HH:mm')}
        </Typography.Text>
      ),
    },
    { key: 'expires', title: t('risk.bl.col.expires'), render: (_, l) => <ExpiresText listing={l} /> },
    {
      key: 'state',
      title: t('risk.bl.col.state'),
      render: (_, l) => (
        <Tooltip title={l.endNote ? `${l.endedBy?.name ?? ''} · ${l.endNote}` : undefined}>
          <StateTag tone={LISTING_TONE[l.state]}>{t(listingStateLabel(l.state))}</StateTag>
        </Tooltip>
      ),
    },
    {
      key: 'actions',
      title: t('common.actions'),
      render: (_, l) => (
        <Space onClick={(e) => e.stopPropagation()}>
          <Button size="small" type="link" onClick={() => onOpen(l.id)} data-testid={`bl-why-${l.id}`}>
            {t('risk.bl.why')}
          </Button>
          {l.state === 'active' && can(SUPERVISORS) && (
            <Button size="small" onClick={() => onLift(l)} data-testid={`bl-lift-${l.id}`}>
              {t('risk.bl.lift')}
            </Button>
          )}
        </Space>
      ),
    },
  ];
}

type AddValues = { driverId: string; reason: string; duration: 'permanent' | 'days'; days?: number };

function AddModal({ open, onClose, onDone }: { open: boolean; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<AddValues>();
  const driverId = Form.useWatch('driverId', form);
  const duration = Form.useWatch('duration', form);
  const days = Form.useWatch('days', form);
  const driver = useQuery(() => (driverId ? api.drivers.get({ driverId }) : Promise.resolve(null)), [driverId]);
  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: AddValues) => api.risk.blacklistAdd({ driverId: v.driverId, reason: v.reason.trim(), days: v.duration === 'days' ? v.days : 0 }),
    onDone: (l) => {
      void message.success(t('risk.bl.added', { driver: l.driverName }));
      form.resetFields();
      onClose();
      onDone();
    },
  });
  const name = driver.data && driver.data.id === driverId ? driver.data.name : null;
  const until = duration === 'days' && days ? dayjs().add(days, 'day').format('YYYY-MM-DD HH:mm') : null;
  return (
    <Modal
      open={open}
      title={t('risk.bl.addTitle')}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={t('risk.bl.addConfirm')}
      okButtonProps={{ danger: true, loading: submitting, 'data-testid': 'bl-add-submit' }}
      cancelText={t('common.cancel')}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ duration: 'permanent' }} preserve={false}>
        <Form.Item name="driverId" label={t('risk.bl.col.driver')} rules={[{ required: true, message: t('common.required') }]}>
          <DriverSelect testId="bl-add-driver" />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('risk.bl.reason')}
          extra={t('risk.bl.reasonHelp')}
          rules={[{ required: true, whitespace: true, message: t('common.required') }]}
        >
          <Input.TextArea rows={2} maxLength={1000} data-testid="bl-add-reason" />
        </Form.Item>
        <Form.Item label={t('risk.bl.duration')}>
          <Space>
            <Form.Item name="duration" noStyle>
              <Radio.Group data-testid="bl-add-duration">
                <Radio.Button value="permanent">{t('risk.bl.permanent')}</Radio.Button>
                <Radio.Button value="days">{t('risk.bl.forDays')}</Radio.Button>
              </Radio.Group>
            </Form.Item>
            {duration === 'days' && (
              <Form.Item name="days" noStyle rules={[{ required: true, message: t('common.required') }]}>
                <InputNumber min={1} max={3650} precision={0} addonAfter={t('risk.days')} data-testid="bl-add-days" />
              </Form.Item>
            )}
          </Space>
        </Form.Item>
      </Form>
      <Alert
        type="warning"
        showIcon
        data-testid="bl-add-effect"
        message={t('risk.bl.addEffect', { driver: name ?? t('risk.bl.theDriver') })}
        description={until ? t('risk.bl.addUntil', { until }) : t('risk.bl.addPermanent')}
      />
    </Modal>
  );
}

function LiftModal({ listing, onClose, onDone }: { listing: Listing | null; onClose(): void; onDone(): void }) {
  const { t, maybe } = useI18n();
  const { message } = App.useApp();
  const [note, setNote] = useState('');
  const { submitting, submit } = useModalSubmit({
    run: (l: Listing) => api.risk.blacklistLift({ listingId: l.id, note: note.trim() }),
    onDone: (l) => {
      void message.success(t('risk.bl.lifted', { driver: l.driverName }));
      setNote('');
      onClose();
      onDone();
    },
  });
  return (
    <Modal
      open={listing !== null}
      title={listing ? t('risk.bl.liftTitle', { driver: listing.driverName }) : ''}
      onCancel={onClose}
      onOk={() => listing && void submit(listing)}
      okText={t('risk.bl.liftConfirm')}
      okButtonProps={{ loading: submitting, disabled: !note.trim(), 'data-testid': 'bl-lift-submit' }}
      cancelText={t('common.cancel')}
      destroyOnHidden
    >
      {listing && (
        <Flex vertical gap="small">
          <Alert
            type="info"
            showIcon
            message={t('risk.bl.liftEffect', { driver: listing.driverName })}
            description={t('risk.bl.liftWas', { reason: listingReason(maybe, listing) })}
          />
          <Typography.Text>{t('risk.bl.liftNote')}</Typography.Text>
          <Input.TextArea rows={2} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} data-testid="bl-lift-note" />
        </Flex>
      )}
    </Modal>
  );
}
