import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Card, Col, DatePicker, Descriptions, Empty, Flex, Form, Input, InputNumber, Radio, Row, Select, Space, Spin, Steps, Switch, TimePicker, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api } from '../../api';
import { useI18n, type I18nKey } from '../../i18n';
import { fieldIssues, useReportError } from '../../lib/errors';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { STEP_OF_FIELD, formatQuantity, targetLabel, wizardField, type PreviewSpec, type Report, type Target } from './campaignModel';
import { Distribution, DriverTable, ReportFigures } from './ReportView';

/**
 * The campaign wizard: criteria → rule, target and memo → review and submit, with the live
 * preview (compensation.preview, nothing stored) beside every step so the numbers move as the
 * supervisor narrows the criteria. Submitting drafts the campaign and runs its first dry run, the
 * one an approver will confirm.
 */

const DEFAULT_MEMO = '系统补偿：{date} 启动失败补偿（共{count}次）';
const SESSION_STATES = ['FAILED', 'CANCELLED', 'UNPAID', 'PAID', 'FINISHED'] as const;
const FAILURE_CODES = ['start_timeout', 'remote_start_refused', 'cancelled'] as const;
const PREVIEW_DEBOUNCE_MS = 400;

interface Values {
  name: string;
  dates: [Dayjs, Dayjs] | null;
  window: [Dayjs, Dayjs] | null;
  stationIds: string[];
  chargerIds: string[];
  states: string[];
  failureCodes: string[];
  minFailures: number | null;
  includeCompensated: boolean;
  ruleKind: 'fixed' | 'per_failure';
  amount: string;
  cap: string;
  target: Target;
  couponValidDays: number | null;
  memo: string;
}

function specOf(v: Partial<Values>): PreviewSpec | null {
  if (!v.dates?.[0] || !v.dates[1]) return null;
  const amount = (v.amount ?? '').trim();
  const cap = (v.cap ?? '').trim();
  return {
    name: v.name?.trim() ?? '',
    criteria: {
      from: v.dates[0].format('YYYY-MM-DD'),
      to: v.dates[1].format('YYYY-MM-DD'),
      ...(v.window?.[0] && v.window[1] ? { timeWindow: { start: v.window[0].format('HH:mm'), end: v.window[1].format('HH:mm') } } : {}),
      ...(v.stationIds?.length ? { stationIds: v.stationIds } : {}),
      ...(v.chargerIds?.length ? { chargerIds: v.chargerIds } : {}),
      states: (v.states?.length ? v.states : ['FAILED']) as PreviewSpec['criteria']['states'],
      ...(v.failureCodes?.length ? { failureCodes: v.failureCodes as NonNullable<PreviewSpec['criteria']['failureCodes']> } : {}),
      minFailures: v.minFailures ?? 1,
      includeCompensated: v.includeCompensated ?? false,
    },
    rule: v.ruleKind === 'per_failure' ? { kind: 'per_failure', amount, ...(cap ? { cap } : {}) } : { kind: 'fixed', amount },
    target: v.target ?? 'wallet',
    couponValidDays: v.couponValidDays ?? 90,
    memo: v.memo ?? DEFAULT_MEMO,
  };
}

/** The memo a driver will read, filled the way the core fills it (campaigns.ts memoFor). */
function memoExample(spec: PreviewSpec, report: Report | null, t: (k: I18nKey, p?: Record<string, string | number>) => string): { who: string; text: string } {
  const row = report?.top[0];
  const count = row?.failures ?? 3;
  const { from, to } = spec.criteria;
  const stamp = formatTime(Date.now(), 'YYYYMMDDHHmmss');
  const amount = row ? formatQuantity(spec.target ?? 'wallet', row.amount.value, t) : spec.target === 'points' ? `${spec.rule?.amount ?? ''} 积分` : `¥${spec.rule?.amount ?? ''}`;
  const values: Record<string, string> = {
    date: from === to ? from : `${from}至${to}`,
    count: String(count),
    amount,
    name: spec.name || t('comp.wizard.unnamed'),
    batch: `COMP-${stamp}-${row?.driverId ?? 'DRIVER'}`,
  };
  const text = (spec.memo ?? DEFAULT_MEMO).replace(/\{(\w+)\}/g, (whole, k: string) => values[k] ?? whole);
  return { who: row ? `${row.name} (${t('comp.report.times', { n: count })})` : t('comp.report.times', { n: count }), text };
}

export default function CampaignWizard({ onCancel, onCreated }: { onCancel: () => void; onCreated: (campaignId: string) => void }) {
  const { t } = useI18n();
  const report = useReportError();
  const [form] = Form.useForm<Values>();
  const [step, setStep] = useState(0);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<{ report: Report | null; error: string | null; loading: boolean }>({ report: null, error: null, loading: false });
  const flagged = useRef<Set<string>>(new Set());
  const stations = useQuery(() => api.stations.list({}), []);
  const chargers = useQuery(() => api.chargers.list({}), []);
  const values = Form.useWatch([], form) as Partial<Values> | undefined;
  const spec = useMemo(() => (values ? specOf(values) : null), [values]);
  const specKey = JSON.stringify(spec);

  const initial = useMemo<Partial<Values>>(() => {
    const yesterday = dayjs(formatTime(Date.now() - 86_400_000, 'YYYY-MM-DD'));
    return {
      dates: [yesterday, yesterday],
      window: null,
      stationIds: [],
      chargerIds: [],
      states: ['FAILED'],
      failureCodes: [],
      minFailures: 1,
      includeCompensated: false,
      ruleKind: 'fixed',
      amount: '10.00',
      cap: '',
      target: 'wallet',
      couponValidDays: 90,
      memo: DEFAULT_MEMO,
    };
  }, []);

  /** Puts the core's complaints on the fields they name; returns those that found no field. */
  const showIssues = (e: unknown, opts: { skipName: boolean }): string[] => {
    const byField = new Map<string, string[]>();
    const rest: string[] = [];
    for (const issue of fieldIssues(e)) {
      const f = wizardField(issue.field);
      if (!f || (opts.skipName && f === 'name')) {
        if (!f) rest.push(`${issue.field}: ${issue.message}`);
        continue;
      }
      byField.set(f, [...(byField.get(f) ?? []), issue.message]);
    }
    const clear = [...flagged.current].filter((f) => !byField.has(f));
    form.setFields([...clear.map((name) => ({ name, errors: [] as string[] })), ...[...byField].map(([name, errors]) => ({ name, errors }))] as Parameters<typeof form.setFields>[0]);
    flagged.current = new Set(byField.keys());
    return rest;
  };

  // The live preview: debounced, and only the answer to the latest spec is shown.
  const seq = useRef(0);
  useEffect(() => {
    if (!spec) return;
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      setPreview((p) => ({ ...p, loading: true }));
      try {
        // The name does not change what matches; a placeholder lets the preview run before it is typed.
        const r = await api.compensation.preview({ spec: { ...spec, name: spec.name || '—' }, limit: 0, top: 10 });
        if (mine !== seq.current) return;
        showIssues(null, { skipName: true });
        setPreview({ report: r, error: null, loading: false });
      } catch (e) {
        if (mine !== seq.current) return;
        const rest = showIssues(e, { skipName: true });
        setPreview({ report: null, error: rest.length > 0 ? rest.join('; ') : t('comp.wizard.previewFix'), loading: false });
      }
    }, PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- specKey is the spec's value
  }, [specKey]);

  const next = async () => {
    const names = Object.entries(STEP_OF_FIELD)
      .filter(([, s]) => s === step)
      .map(([f]) => f);
    try {
      await form.validateFields(names as (keyof Values)[]);
      setStep(step + 1);
    } catch {
      // The form shows what is missing beside each field.
    }
  };

  const submit = async () => {
    if (!spec) return;
    try {
      await form.validateFields();
    } catch {
      const firstBad = form.getFieldsError().find((f) => f.errors.length > 0);
      if (firstBad) setStep(STEP_OF_FIELD[String(firstBad.name[0])] ?? 0);
      return;
    }
    setBusy(true);
    try {
      const created = await api.compensation.create({ spec });
      await api.compensation.dryRun({ campaignId: created.id, limit: 0, top: 0 });
      onCreated(created.id);
    } catch (e) {
      const rest = showIssues(e, { skipName: false });
      const first = fieldIssues(e).map((i) => wizardField(i.field)).find((f): f is string => f !== null);
      if (first) setStep(STEP_OF_FIELD[first] ?? 0);
      if (!first || rest.length > 0) report(e);
    } finally {
      setBusy(false);
    }
  };

  const stationOptions = (stations.data ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.id})` }));
  const chosenStations = values?.stationIds ?? [];
  const chargerOptions = (chargers.data ?? [])
    .filter((c) => chosenStations.length === 0 || (c.stationId !== null && chosenStations.includes(c.stationId)))
    .map((c) => ({ value: c.id, label: c.stationName ? `${c.id} · ${c.stationName}` : c.id }));
  const target = values?.target ?? 'wallet';
  const money = target !== 'points';
  const example = spec ? memoExample(spec, preview.report, t) : null;
  const shown = (s: number) => ({ display: step === s ? undefined : 'none' });

  return (
    <Card
      data-testid="comp-wizard"
      title={t('comp.wizard.title')}
      extra={
        <Button onClick={onCancel} data-testid="comp-wizard-close">
          {t('comp.wizard.close')}
        </Button>
      }
    >
      <Steps
        size="small"
        current={step}
        onChange={(s) => (s < step ? setStep(s) : undefined)}
        style={{ marginBottom: 24 }}
        items={[{ title: t('comp.wizard.step.criteria') }, { title: t('comp.wizard.step.rule') }, { title: t('comp.wizard.step.review') }]}
      />
      <Row gutter={24}>
        <Col xs={24} xl={13}>
          <Form form={form} layout="vertical" initialValues={initial} requiredMark="optional" data-testid="comp-wizard-form">
            <div style={shown(0)} data-testid="comp-step-criteria">
              <Form.Item name="name" label={t('comp.wizard.name')} rules={[{ required: true, whitespace: true, message: t('comp.wizard.nameRequired') }]}>
                <Input maxLength={100} placeholder={t('comp.wizard.namePlaceholder')} data-testid="comp-name" />
              </Form.Item>
              <Row gutter={12}>
                <Col span={14}>
                  <div data-testid="comp-dates">
                    <Form.Item name="dates" label={t('comp.wizard.dates')} rules={[{ required: true, message: t('comp.wizard.datesRequired') }]}>
                      <DatePicker.RangePicker style={{ width: '100%' }} allowClear={false} />
                    </Form.Item>
                  </div>
                </Col>
                <Col span={10}>
                  <div data-testid="comp-window">
                    <Form.Item name="window" label={t('comp.wizard.window')} extra={t('comp.wizard.windowHint')}>
                      <TimePicker.RangePicker format="HH:mm" order style={{ width: '100%' }} />
                    </Form.Item>
                  </div>
                </Col>
              </Row>
              <Row gutter={12}>
                <Col span={12}>
                  <Form.Item name="stationIds" label={t('comp.wizard.stations')}>
                    <Select mode="multiple" allowClear optionFilterProp="label" placeholder={t('comp.wizard.all')} options={stationOptions} data-testid="comp-stations" />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="chargerIds" label={t('comp.wizard.chargers')}>
                    <Select mode="multiple" allowClear optionFilterProp="label" placeholder={t('comp.wizard.all')} options={chargerOptions} data-testid="comp-chargers" />
                  </Form.Item>
                </Col>
              </Row>
              <Row gutter={12}>
                <Col span={12}>
                  <Form.Item name="states" label={t('comp.wizard.states')} rules={[{ required: true, type: 'array', min: 1, message: t('comp.wizard.statesRequired') }]}>
                    <Select mode="multiple" options={SESSION_STATES.map((s) => ({ value: s, label: `${t(`comp.sessionState.${s}` as I18nKey)} (${s})` }))} data-testid="comp-states" />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="failureCodes" label={t('comp.wizard.failureCodes')}>
                    <Select mode="multiple" allowClear placeholder={t('comp.wizard.all')} options={FAILURE_CODES.map((c) => ({ value: c, label: t(`comp.failure.${c}` as I18nKey) }))} data-testid="comp-failure-codes" />
                  </Form.Item>
                </Col>
              </Row>
              <Row gutter={12}>
                <Col span={12}>
                  <Form.Item name="minFailures" label={t('comp.wizard.minFailures')} rules={[{ required: true, message: t('comp.wizard.minFailures') }]}>
                    <InputNumber min={1} max={1000} precision={0} style={{ width: '100%' }} data-testid="comp-min-failures" />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="includeCompensated" label={t('comp.wizard.includeCompensated')} valuePropName="checked" extra={t('comp.wizard.includeCompensatedHint')}>
                    <Switch data-testid="comp-include-compensated" />
                  </Form.Item>
                </Col>
              </Row>
            </div>

            <div style={shown(1)} data-testid="comp-step-rule">
              <Form.Item name="target" label={t('comp.wizard.target')}>
                <Radio.Group data-testid="comp-target" optionType="button" options={(['wallet', 'coupon', 'points'] as const).map((x) => ({ value: x, label: t(targetLabel(x)) }))} />
              </Form.Item>
              <Form.Item name="ruleKind" label={t('comp.wizard.rule')}>
                <Radio.Group data-testid="comp-rule-kind">
                  <Radio value="fixed">{t('comp.rule.fixed')}</Radio>
                  <Radio value="per_failure">{t('comp.rule.per_failure')}</Radio>
                </Radio.Group>
              </Form.Item>
              <Row gutter={12}>
                <Col span={12}>
                  <Form.Item
                    name="amount"
                    label={values?.ruleKind === 'per_failure' ? t('comp.wizard.amountPerFailure') : t('comp.wizard.amountPerDriver')}
                    rules={[
                      { required: true, whitespace: true, message: t('comp.wizard.amountRequired') },
                      { pattern: money ? /^\d+(\.\d{1,2})?$/ : /^\d+$/, message: money ? t('comp.wizard.amountYuan') : t('comp.wizard.amountPoints') },
                    ]}
                  >
                    <Input prefix={money ? '¥' : undefined} suffix={money ? undefined : t('comp.points')} placeholder={money ? '10.00' : '100'} data-testid="comp-amount" />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  {values?.ruleKind === 'per_failure' && (
                    <Form.Item name="cap" label={t('comp.wizard.cap')} extra={t('comp.wizard.capHint')} rules={[{ pattern: money ? /^\d+(\.\d{1,2})?$/ : /^\d+$/, message: money ? t('comp.wizard.amountYuan') : t('comp.wizard.amountPoints') }]}>
                      <Input prefix={money ? '¥' : undefined} suffix={money ? undefined : t('comp.points')} data-testid="comp-cap" />
                    </Form.Item>
                  )}
                  {target === 'coupon' && (
                    <Form.Item name="couponValidDays" label={t('comp.wizard.couponValidDays')}>
                      <InputNumber min={1} max={3650} precision={0} addonAfter={t('comp.wizard.days')} style={{ width: '100%' }} data-testid="comp-coupon-days" />
                    </Form.Item>
                  )}
                </Col>
              </Row>
              <Form.Item name="memo" label={t('comp.wizard.memo')} extra={t('comp.wizard.memoHint')} rules={[{ required: true, whitespace: true, message: t('comp.wizard.memoRequired') }]}>
                <Input maxLength={200} data-testid="comp-memo" />
              </Form.Item>
              {example && (
                <Alert
                  type="info"
                  showIcon
                  data-testid="comp-memo-example"
                  message={t('comp.wizard.memoExample', { who: example.who })}
                  description={<Typography.Text strong>{example.text}</Typography.Text>}
                />
              )}
            </div>

            <div style={shown(2)} data-testid="comp-step-review">
              {spec && (
                <Descriptions size="small" column={1} bordered data-testid="comp-review">
                  <Descriptions.Item label={t('comp.wizard.name')}>{spec.name || <Typography.Text type="danger">{t('comp.wizard.nameRequired')}</Typography.Text>}</Descriptions.Item>
                  <Descriptions.Item label={t('comp.wizard.dates')}>
                    {spec.criteria.from === spec.criteria.to ? spec.criteria.from : `${spec.criteria.from} – ${spec.criteria.to}`}
                    {spec.criteria.timeWindow ? ` · ${spec.criteria.timeWindow.start}–${spec.criteria.timeWindow.end}` : ` · ${t('comp.wizard.allDay')}`}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('comp.wizard.where')}>
                    {[...(spec.criteria.stationIds ?? []), ...(spec.criteria.chargerIds ?? [])].join(', ') || t('comp.wizard.all')}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('comp.wizard.states')}>
                    {(spec.criteria.states ?? []).map((x) => t(`comp.sessionState.${x}` as I18nKey)).join(', ')}
                    {spec.criteria.failureCodes ? ` · ${spec.criteria.failureCodes.map((c) => t(`comp.failure.${c}` as I18nKey)).join(', ')}` : ''}
                    {` · ${t('comp.wizard.minFailuresShort', { n: spec.criteria.minFailures ?? 1 })}`}
                    {spec.criteria.includeCompensated ? ` · ${t('comp.wizard.includeCompensated')}` : ''}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('comp.wizard.rule')}>
                    {spec.rule?.kind === 'per_failure'
                      ? t('comp.rule.perFailureText', { amount: money ? `¥${spec.rule.amount}` : `${spec.rule.amount}`, cap: spec.rule.cap ? (money ? `¥${spec.rule.cap}` : spec.rule.cap) : t('comp.rule.noCap') })
                      : t('comp.rule.fixedText', { amount: money ? `¥${spec.rule?.amount ?? ''}` : `${spec.rule?.amount ?? ''} ${t('comp.points')}` })}
                    {' → '}
                    {t(targetLabel(target))}
                    {target === 'coupon' ? ` (${t('comp.wizard.validFor', { n: spec.couponValidDays ?? 90 })})` : ''}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('comp.wizard.memo')}>{example?.text}</Descriptions.Item>
                </Descriptions>
              )}
              <Alert style={{ marginTop: 12 }} type="warning" showIcon message={t('comp.wizard.submitHint')} />
            </div>
          </Form>
          <Flex gap="small" justify="flex-end" style={{ marginTop: 16 }}>
            {step > 0 && (
              <Button onClick={() => setStep(step - 1)} data-testid="comp-wizard-back">
                {t('comp.wizard.back')}
              </Button>
            )}
            {step < 2 ? (
              <Button type="primary" onClick={next} data-testid="comp-wizard-next">
                {t('comp.wizard.next')}
              </Button>
            ) : (
              <Button type="primary" loading={busy} onClick={submit} disabled={!preview.report || preview.report.drivers === 0} data-testid="comp-wizard-submit">
                {t('comp.wizard.submit')}
              </Button>
            )}
          </Flex>
        </Col>
        <Col xs={24} xl={11}>
          <Card
            size="small"
            title={
              <Space>
                {t('comp.wizard.preview')}
                {preview.loading && <Spin size="small" />}
              </Space>
            }
            data-testid="comp-preview"
            style={{ position: 'sticky', top: 8 }}
          >
            {preview.error && <Alert type="error" showIcon message={preview.error} data-testid="comp-preview-error" style={{ marginBottom: 12 }} />}
            {preview.report ? (
              <Flex vertical gap="middle">
                <ReportFigures report={preview.report} target={target} testId="comp-preview-figures" />
                {preview.report.drivers === 0 ? (
                  <Empty description={t('comp.wizard.nothingMatches')} />
                ) : (
                  <>
                    <Distribution report={preview.report} target={target} />
                    <Typography.Text strong>{t('comp.report.top')}</Typography.Text>
                    <DriverTable rows={preview.report.top.slice(0, 5)} target={target} testId="comp-preview-top" />
                  </>
                )}
              </Flex>
            ) : (
              !preview.error && <Empty description={t('comp.wizard.previewWaiting')} />
            )}
          </Card>
        </Col>
      </Row>
    </Card>
  );
}
