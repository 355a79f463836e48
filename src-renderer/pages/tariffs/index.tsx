import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Empty, Flex, Form, Input, Modal, Select, Space, Table, Tag, Typography, Upload } from 'antd';
import { DownloadOutlined, LinkOutlined, ReloadOutlined, SaveOutlined, UndoOutlined, UploadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api, isApiError, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { dayPeriods, depotWallNow, download, fileIssues, fileText, PERIOD_COLOURS, PERIODS, type Period, type TariffFile } from './model';
import { QuoteCalculator } from './QuoteCalculator';
import { RulesList } from './RulesList';
import { SlotStrip } from './SlotStrip';

type Issue = { field: string; reason: string };

/**
 * Settings → Tariffs. Shows a plan's version in force; supervisors paint slots and edit prices in
 * a draft, then save it as a new version from a future date (history is never rewritten), add
 * date overrides, assign stations, and import or export the plan file. Everyone can quote.
 */
export default function TariffsTab() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const { can } = useSession();
  const canEdit = can(SUPERVISORS);
  const list = useQuery(() => api.tariffs.list({}));
  const [planId, setPlanId] = useState<string | null>(null);
  const plans = list.data ?? [];
  const activeId = planId && plans.some((p) => p.id === planId) ? planId : (plans[0]?.id ?? null);
  const detail = useQuery(() => (activeId ? api.tariffs.get({ id: activeId }) : Promise.resolve(null)), [activeId]);
  const d = detail.data ?? null;
  const version = d ? (d.versions.find((v) => v.id === d.currentVersionId) ?? d.versions[0]) : null;

  const [draft, setDraft] = useState<TariffFile | null>(null);
  const [brush, setBrush] = useState<Period>('peak');
  const [preview, setPreview] = useState<Dayjs>(() => depotWallNow());
  const [issues, setIssues] = useState<Issue[]>([]);
  const [saving, setSaving] = useState(false);
  const [assigning, setAssigning] = useState(false);

  // A fresh plan (or a reload after someone else's change) starts a clean draft.
  useEffect(() => setDraft(version ? structuredClone(version.file) : null), [version?.id, d?.overrides.length]); // eslint-disable-line react-hooks/exhaustive-deps

  useDepotEvents(['tariffs.changed'], () => {
    void list.reload();
    void detail.reload();
  });

  const dirty = Boolean(draft && version && JSON.stringify(draft) !== JSON.stringify(version.file));
  const reloadAll = () => {
    void list.reload();
    void detail.reload();
  };

  async function importFile(text: string, name: string) {
    setIssues([]);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      setIssues([{ field: name, reason: `${t('tariffs.import.notJson')}: ${(e as Error).message}` }]);
      return;
    }
    try {
      const r = await api.tariffs.import({ file: json });
      message.success(r.unchanged ? t('tariffs.import.unchanged', { name: r.name }) : t('tariffs.import.done', { name: r.name, from: r.effectiveFrom }));
      setPlanId(r.planId);
      reloadAll();
    } catch (e) {
      if (isApiError(e) && fileIssues(e.details).length > 0) setIssues(fileIssues(e.details));
      else report(e);
    }
  }

  async function exportPlan() {
    if (!version) return;
    try {
      const r = await api.tariffs.export({ id: version.id });
      download(`tariff-${r.file.effectiveFrom}.json`, fileText(r.file));
    } catch (e) {
      report(e);
    }
  }

  const [saveForm] = Form.useForm<{ name: string; effectiveFrom: Dayjs }>();
  async function saveDraft(v: { name: string; effectiveFrom: Dayjs }) {
    if (!draft) return;
    setSaving(true);
    setIssues([]);
    try {
      const r = await api.tariffs.import({ file: { ...draft, name: v.name.trim(), effectiveFrom: v.effectiveFrom.format('YYYY-MM-DD') } });
      message.success(t('tariffs.import.done', { name: r.name, from: r.effectiveFrom }));
      saveForm.resetFields();
      setSaveOpen(false);
      setPlanId(r.planId);
      reloadAll();
    } catch (e) {
      if (isApiError(e) && fileIssues(e.details).length > 0) {
        setIssues(fileIssues(e.details));
        setSaveOpen(false);
      } else report(e);
    } finally {
      setSaving(false);
    }
  }
  const [saveOpen, setSaveOpen] = useState(false);

  const uploadButton = canEdit && (
    <Upload
      accept=".json,application/json"
      showUploadList={false}
      beforeUpload={(f) => {
        void f.text().then((text) => importFile(text, f.name));
        return false;
      }}
    >
      <Button icon={<UploadOutlined />} data-testid="tariff-import">
        {t('tariffs.import')}
      </Button>
    </Upload>
  );

  const issueList = issues.length > 0 && (
    <Alert
      type="error"
      showIcon
      closable
      onClose={() => setIssues([])}
      data-testid="tariff-issues"
      message={t('tariffs.import.invalid')}
      description={
        <ul style={{ margin: 0, paddingLeft: 20 }}>
          {issues.map((i) => (
            <li key={`${i.field}:${i.reason}`}>
              <Typography.Text code>{i.field}</Typography.Text> {i.reason}
            </li>
          ))}
        </ul>
      }
    />
  );

  if (!list.loading && plans.length === 0) {
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        {issueList}
        <Empty description={t('tariffs.none')} data-testid="tariffs-empty">
          {uploadButton}
        </Empty>
      </Space>
    );
  }

  const file = draft ?? version?.file ?? null;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="tariffs-tab">
      <Flex gap="small" wrap align="center">
        <Select
          style={{ minWidth: 280 }}
          value={activeId ?? undefined}
          loading={list.loading}
          onChange={(id: string) => setPlanId(id)}
          options={plans.map((p) => ({ value: p.id, label: p.name }))}
          data-testid="tariff-plan"
        />
        <Button icon={<ReloadOutlined />} onClick={reloadAll}>
          {t('common.refresh')}
        </Button>
        {uploadButton}
        <Button icon={<DownloadOutlined />} onClick={() => void exportPlan()} disabled={!version} data-testid="tariff-export">
          {t('tariffs.export')}
        </Button>
      </Flex>
      {issueList}

      {d && version && file && (
        <>
          <Card size="small" title={t('tariffs.versions')}>
            <Space direction="vertical">
              <Space wrap>
                {d.versions.map((v) => (
                  <Tag key={v.id} color={v.id === d.currentVersionId ? 'blue' : undefined}>
                    {t('tariffs.versionFrom', { from: v.effectiveFrom })} · {v.timeZone}
                    {v.id === d.currentVersionId ? ` · ${t('tariffs.inForce')}` : ''}
                  </Tag>
                ))}
              </Space>
              <Space wrap>
                <Typography.Text type="secondary">{t('tariffs.stations')}</Typography.Text>
                {(plans.find((p) => p.id === d.id)?.stations ?? []).map((s) => (
                  <Tag key={`${s.stationId}-${s.from}`}>
                    {s.stationId} · {formatTime(s.from, 'YYYY-MM-DD HH:mm')}
                  </Tag>
                ))}
                {canEdit && (
                  <Button size="small" icon={<LinkOutlined />} onClick={() => setAssigning(true)} data-testid="tariff-assign">
                    {t('tariffs.assign')}
                  </Button>
                )}
              </Space>
            </Space>
          </Card>

          <Card
            size="small"
            title={t('tariffs.slots')}
            extra={
              canEdit && dirty ? (
                <Space>
                  <Button size="small" icon={<UndoOutlined />} onClick={() => setDraft(structuredClone(version.file))}>
                    {t('tariffs.draft.discard')}
                  </Button>
                  <Button
                    size="small"
                    type="primary"
                    icon={<SaveOutlined />}
                    onClick={() => {
                      saveForm.setFieldsValue({ name: file.name, effectiveFrom: depotWallNow().add(1, 'day') });
                      setSaveOpen(true);
                    }}
                    data-testid="tariff-save"
                  >
                    {t('tariffs.draft.save')}
                  </Button>
                </Space>
              ) : null
            }
          >
            <Space direction="vertical" style={{ width: '100%' }}>
              <SlotStrip
                slots={file.slots}
                brush={canEdit ? brush : undefined}
                onBrush={setBrush}
                onPaint={canEdit ? (slot, p) => setDraft((f) => (f ? { ...f, slots: f.slots.map((x, i) => (i === slot ? p : x)) } : f)) : undefined}
              />
              <Flex align="center" gap="small" style={{ marginTop: 12 }}>
                <Typography.Text type="secondary">{t('tariffs.preview')}</Typography.Text>
                <DatePicker value={preview} onChange={(v) => v && setPreview(v)} allowClear={false} size="small" data-testid="tariff-preview-date" />
              </Flex>
              <SlotStrip slots={dayPeriods(file, d.overrides, preview.format('YYYY-MM-DD'))} testId="day-strip" />
              {/* Below the strips, so its appearance on the first stroke never moves a cell under the pointer. */}
              {dirty && <Alert type="info" showIcon message={t('tariffs.draft.hint')} data-testid="tariff-draft-hint" />}
            </Space>
          </Card>

          <Card size="small" title={t('tariffs.prices')}>
            <Table<{ period: Period }>
              size="small"
              pagination={false}
              rowKey="period"
              data-testid="tariff-prices"
              dataSource={PERIODS.map((period) => ({ period }))}
              columns={[
                { title: t('tariffs.period'), dataIndex: 'period', render: (p: Period) => <Tag color={PERIOD_COLOURS[p]}>{t(`tariffs.period.${p}`)}</Tag> },
                ...(['electricity', 'service'] as const).map((kind) => ({
                  title: t(`tariffs.${kind}`),
                  key: kind,
                  render: (_: unknown, row: { period: Period }) =>
                    canEdit ? (
                      <Input
                        style={{ maxWidth: 160 }}
                        value={file.prices[row.period][kind]}
                        suffix={t('tariffs.perKwh')}
                        data-testid={`price-${row.period}-${kind}`}
                        onChange={(e) => {
                          const value = e.target.value;
                          setDraft((f) => (f ? { ...f, prices: { ...f.prices, [row.period]: { ...f.prices[row.period], [kind]: value } } } : f));
                        }}
                      />
                    ) : (
                      `${file.prices[row.period][kind]} ${t('tariffs.perKwh')}`
                    ),
                })),
              ]}
            />
          </Card>

          <Card size="small" title={t('tariffs.rules')}>
            <RulesList file={file} overrides={d.overrides} planId={d.id} canEdit={canEdit} onChanged={reloadAll} />
          </Card>

          <Card size="small" title={t('tariffs.quote')}>
            <QuoteCalculator source={dirty && draft ? { file: draft } : { planId: d.id }} timeZone={file.timezone} />
          </Card>
        </>
      )}

      <Modal
        title={t('tariffs.draft.save')}
        open={saveOpen}
        onCancel={() => setSaveOpen(false)}
        onOk={() => saveForm.submit()}
        okText={t('tariffs.draft.saveOk')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        okButtonProps={{ 'data-testid': 'tariff-save-submit' }}
        forceRender
      >
        <Typography.Paragraph type="secondary">{t('tariffs.draft.saveHint')}</Typography.Paragraph>
        <Form form={saveForm} layout="vertical" onFinish={(v) => void saveDraft(v)}>
          <Form.Item name="name" label={t('tariffs.name')} rules={[{ required: true, message: t('common.required') }]}>
            <Input />
          </Form.Item>
          <Form.Item name="effectiveFrom" label={t('tariffs.effectiveFrom')} rules={[{ required: true, message: t('common.required') }]}>
            <DatePicker />
          </Form.Item>
        </Form>
      </Modal>

      {d && <AssignModal open={assigning} planId={d.id} onClose={() => setAssigning(false)} onDone={() => { setAssigning(false); reloadAll(); }} />}
    </Space>
  );
}

function AssignModal({ open, planId, onClose, onDone }: { open: boolean; planId: string; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const [form] = Form.useForm<{ stationId: string; effectiveFrom?: Dayjs }>();
  const [saving, setSaving] = useState(false);
  async function submit(v: { stationId: string; effectiveFrom?: Dayjs }) {
    setSaving(true);
    try {
      const a = await api.tariffs.assign({ stationId: v.stationId.trim(), planId, effectiveFrom: v.effectiveFrom?.format('YYYY-MM-DD') });
      message.success(t('tariffs.assigned', { station: a.stationId, from: formatTime(a.effectiveFromAt, 'YYYY-MM-DD HH:mm') }));
      form.resetFields();
      onDone();
    } catch (e) {
      report(e);
    } finally {
      setSaving(false);
    }
  }
  return (
    <Modal
      title={t('tariffs.assign')}
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('tariffs.assign')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      forceRender
    >
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)}>
        <Form.Item name="stationId" label={t('tariffs.station')} rules={[{ required: true, message: t('common.required') }]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="effectiveFrom" label={t('tariffs.assignFrom')} extra={t('tariffs.assignFromHint')}>
          <DatePicker />
        </Form.Item>
      </Form>
    </Modal>
  );
}
