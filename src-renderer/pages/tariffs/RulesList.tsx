import { useState } from 'react';
import { App, Button, DatePicker, Form, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatTime } from '../../lib/time';
import { depotWallNow, PERIOD_COLOURS, PERIODS, rangesOf, slotTime, SLOTS, type Override, type Period, type TariffFile } from './model';

interface RuleRow {
  key: string;
  kind: 'months' | 'dates' | 'override';
  when: string;
  slots: Partial<Record<string, Period>>;
  addedAt?: number;
}

/** The file's month and date rules, then the operator's date overrides (which win: they came later). */
export function RulesList({
  file,
  overrides,
  planId,
  canEdit,
  onChanged,
}: {
  file: TariffFile;
  overrides: readonly Override[];
  planId: string | null;
  canEdit: boolean;
  onChanged(): void;
}) {
  const { t } = useI18n();
  const [adding, setAdding] = useState(false);
  const rows: RuleRow[] = [
    ...file.rules.map((r, i) => ({
      key: `rule-${i}`,
      kind: 'months' in r ? ('months' as const) : ('dates' as const),
      when: 'months' in r ? r.months.map((m) => t('tariffs.month', { m })).join(' ') : r.dates.join(', '),
      slots: r.slots,
    })),
    ...overrides.map((o) => ({ key: o.id, kind: 'override' as const, when: o.date, slots: o.slots, addedAt: o.createdAt })),
  ];
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('tariffs.rules.hint')}</Typography.Text>
      <Table<RuleRow>
        size="small"
        pagination={false}
        dataSource={rows}
        data-testid="rules-table"
        locale={{ emptyText: t('tariffs.rules.none') }}
        columns={[
          { title: '#', key: 'n', width: 48, render: (_: unknown, __: RuleRow, i: number) => i + 1 },
          { title: t('tariffs.rules.kind'), dataIndex: 'kind', render: (k: RuleRow['kind']) => t(`tariffs.rules.kind.${k}`) },
          { title: t('tariffs.rules.when'), dataIndex: 'when' },
          {
            title: t('tariffs.rules.slots'),
            dataIndex: 'slots',
            render: (slots: RuleRow['slots']) =>
              rangesOf(slots).map((r) => (
                <Tag key={r.from} color={PERIOD_COLOURS[r.period]}>
                  {slotTime(r.from)}–{slotTime(r.to)} {t(`tariffs.period.${r.period}`)}
                </Tag>
              )),
          },
          { title: t('tariffs.rules.addedAt'), dataIndex: 'addedAt', render: (at?: number) => (at ? formatTime(at, 'YYYY-MM-DD HH:mm') : '') },
        ]}
      />
      {canEdit && planId && (
        <Button icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="add-override">
          {t('tariffs.override.add')}
        </Button>
      )}
      {planId && (
        <AddOverrideModal
          open={adding}
          planId={planId}
          onClose={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            onChanged();
          }}
        />
      )}
    </Space>
  );
}

interface OverrideForm {
  date: Dayjs;
  from: number;
  to: number;
  period: Period;
}

function AddOverrideModal({ open, planId, onClose, onAdded }: { open: boolean; planId: string; onClose(): void; onAdded(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<OverrideForm>();
  const times = Array.from({ length: SLOTS + 1 }, (_, i) => ({ value: i, label: slotTime(i) }));
  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: OverrideForm) => {
      const slots: Record<string, Period> = {};
      for (let s = v.from; s < v.to; s += 1) slots[String(s)] = v.period;
      return api.tariffs.addDateOverride({ planId, date: v.date.format('YYYY-MM-DD'), slots });
    },
    onDone: (_, v) => {
      message.success(t('tariffs.override.added', { date: v.date.format('YYYY-MM-DD') }));
      onAdded();
    },
    fieldErrors: 'ignore',
  });

  function finish(v: OverrideForm) {
    if (v.to <= v.from) form.setFields([{ name: 'to', errors: [t('tariffs.override.toAfterFrom')] }]);
    else void submit(v);
  }

  return (
    <Modal
      title={t('tariffs.override.add')}
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('tariffs.override.save')}
      cancelText={t('common.cancel')}
      confirmLoading={submitting}
      okButtonProps={{ 'data-testid': 'override-submit' }}
      forceRender
    >
      <Typography.Paragraph type="secondary">{t('tariffs.override.hint')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        onFinish={finish}
        initialValues={{ date: depotWallNow().add(1, 'day'), from: 30, to: 34, period: 'sharp' }}
        data-testid="override-form"
      >
        <Form.Item name="date" label={t('tariffs.override.date')} rules={[{ required: true, message: t('common.required') }]}>
          <DatePicker />
        </Form.Item>
        <Space>
          <Form.Item name="from" label={t('tariffs.override.from')}>
            <Select options={times.slice(0, SLOTS)} style={{ width: 110 }} />
          </Form.Item>
          <Form.Item name="to" label={t('tariffs.override.to')}>
            <Select options={times.slice(1)} style={{ width: 110 }} />
          </Form.Item>
          <Form.Item name="period" label={t('tariffs.period')}>
            <Select style={{ width: 120 }} options={PERIODS.map((p) => ({ value: p, label: t(`tariffs.period.${p}`) }))} />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}
