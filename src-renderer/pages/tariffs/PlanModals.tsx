import { App, DatePicker, Form, Input, Modal, Select, Typography } from 'antd';
import type { FormInstance } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, isApiError } from '../../api';
import { useI18n } from '../../i18n';
import { formatTime } from '../../lib/time';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { fileIssues, stationName, type TariffFile } from './model';

export type Issue = { field: string; reason: string };
export interface SaveValues {
  name: string;
  effectiveFrom: Dayjs;
}

/**
 * Saves the draft as a new version from a future date. The tab fills the form when it opens it;
 * a file the core refuses closes the modal and lists the core's issues on the tab instead.
 */
export function SaveDraftModal({
  open,
  form,
  draft,
  onClose,
  onSaved,
  onIssues,
}: {
  open: boolean;
  form: FormInstance<SaveValues>;
  draft: TariffFile | null;
  onClose(): void;
  onSaved(planId: string): void;
  onIssues(issues: Issue[]): void;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: SaveValues & { draft: TariffFile }) => {
      onIssues([]);
      return api.tariffs.import({ file: { ...v.draft, name: v.name.trim(), effectiveFrom: v.effectiveFrom.format('YYYY-MM-DD') } });
    },
    onDone: (r) => {
      message.success(t('tariffs.import.done', { name: r.name, from: r.effectiveFrom }));
      form.resetFields();
      onClose();
      onSaved(r.planId);
    },
    onError: (e) => {
      if (!isApiError(e) || fileIssues(e.details).length === 0) return false;
      onIssues(fileIssues(e.details));
      onClose();
      return true;
    },
    fieldErrors: 'ignore',
  });
  return (
    <Modal
      title={t('tariffs.draft.save')}
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('tariffs.draft.saveOk')}
      cancelText={t('common.cancel')}
      confirmLoading={submitting}
      okButtonProps={{ 'data-testid': 'tariff-save-submit' }}
      forceRender
    >
      <Typography.Paragraph type="secondary">{t('tariffs.draft.saveHint')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => {
          if (draft) void submit({ ...v, draft });
        }}
      >
        <Form.Item name="name" label={t('tariffs.name')} rules={[{ required: true, message: t('common.required') }]}>
          <Input />
        </Form.Item>
        <Form.Item name="effectiveFrom" label={t('tariffs.effectiveFrom')} rules={[{ required: true, message: t('common.required') }]}>
          <DatePicker />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface AssignValues {
  stationId: string;
  effectiveFrom?: Dayjs;
}

type StationRef = { id: string; name: string };

export function AssignModal({
  open,
  planId,
  stations,
  onClose,
  onDone,
}: {
  open: boolean;
  planId: string;
  stations: readonly StationRef[] | undefined;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<AssignValues>();
  const { submitting, submit } = useModalSubmit({
    form,
    run: (v: AssignValues) => api.tariffs.assign({ stationId: v.stationId.trim(), planId, effectiveFrom: v.effectiveFrom?.format('YYYY-MM-DD') }),
    onDone: (a) => {
      message.success(t('tariffs.assigned', { station: stationName(stations, a.stationId), from: formatTime(a.effectiveFromAt, 'YYYY-MM-DD HH:mm') }));
      form.resetFields();
      onDone();
    },
    fieldErrors: 'ignore',
  });
  return (
    <Modal
      title={t('tariffs.assign')}
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('tariffs.assign')}
      cancelText={t('common.cancel')}
      confirmLoading={submitting}
      forceRender
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
        <Form.Item name="stationId" label={t('tariffs.station')} rules={[{ required: true, message: t('common.required') }]}>
          <Select
            showSearch
            optionFilterProp="label"
            loading={!stations}
            options={(stations ?? []).map((s) => ({ value: s.id, label: s.name }))}
            data-testid="tariff-assign-station"
          />
        </Form.Item>
        <Form.Item name="effectiveFrom" label={t('tariffs.assignFrom')} extra={t('tariffs.assignFromHint')}>
          <DatePicker />
        </Form.Item>
      </Form>
    </Modal>
  );
}
