import type { CSSProperties } from 'react';
import { Alert, Card, Col, DatePicker, Descriptions, Empty, Flex, Form, Input, InputNumber, Radio, Row, Select, Space, Spin, Switch, TimePicker, Typography } from 'antd';
import { useI18n, type I18nKey } from '../../i18n';
import { targetLabel, type PreviewSpec, type Report, type Target } from './campaignModel';
import { Distribution, DriverTable, ReportFigures } from './ReportView';
import { FAILURE_CODES, sessionStateOptions, type Values } from './wizardModel';

/**
 * The wizard's three steps and its live preview. The steps are parts of one antd Form (the
 * wizard's), hidden rather than unmounted so every field keeps its value and its rules.
 */

type Option = { value: string; label: string };

export function CriteriaStep({ style, stationOptions, chargerOptions }: { style: CSSProperties; stationOptions: Option[]; chargerOptions: Option[] }) {
  const { t } = useI18n();
  return (
    <div style={style} data-testid="comp-step-criteria">
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
            <Select mode="multiple" options={sessionStateOptions(t)} data-testid="comp-states" />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="failureCodes" label={t('comp.wizard.failureCodes')}>
            <Select
              mode="multiple"
              allowClear
              placeholder={t('comp.wizard.all')}
              options={FAILURE_CODES.map((c) => ({ value: c, label: t(`comp.failure.${c}` as I18nKey) }))}
              data-testid="comp-failure-codes"
            />
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
  );
}

export function RuleStep({
  style,
  ruleKind,
  target,
  example,
}: {
  style: CSSProperties;
  ruleKind: Values['ruleKind'] | undefined;
  target: Target;
  example: { who: string; text: string } | null;
}) {
  const { t } = useI18n();
  const money = target !== 'points';
  return (
    <div style={style} data-testid="comp-step-rule">
      <Form.Item name="target" label={t('comp.wizard.target')}>
        <Radio.Group
          data-testid="comp-target"
          optionType="button"
          options={(['wallet', 'coupon', 'points'] as const).map((x) => ({ value: x, label: t(targetLabel(x)) }))}
        />
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
            label={ruleKind === 'per_failure' ? t('comp.wizard.amountPerFailure') : t('comp.wizard.amountPerDriver')}
            rules={[
              { required: true, whitespace: true, message: t('comp.wizard.amountRequired') },
              { pattern: money ? /^\d+(\.\d{1,2})?$/ : /^\d+$/, message: money ? t('comp.wizard.amountYuan') : t('comp.wizard.amountPoints') },
            ]}
          >
            <Input prefix={money ? '¥' : undefined} suffix={money ? undefined : t('comp.points')} placeholder={money ? '10.00' : '100'} data-testid="comp-amount" />
          </Form.Item>
        </Col>
        <Col span={12}>
          {ruleKind === 'per_failure' && (
            <Form.Item
              name="cap"
              label={t('comp.wizard.cap')}
              extra={t('comp.wizard.capHint')}
              rules={[{ pattern: money ? /^\d+(\.\d{1,2})?$/ : /^\d+$/, message: money ? t('comp.wizard.amountYuan') : t('comp.wizard.amountPoints') }]}
            >
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
      <Form.Item
        name="memo"
        label={t('comp.wizard.memo')}
        extra={t('comp.wizard.memoHint')}
        rules={[{ required: true, whitespace: true, message: t('comp.wizard.memoRequired') }]}
      >
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
  );
}

export function ReviewStep({ style, spec, target, memo }: { style: CSSProperties; spec: PreviewSpec | null; target: Target; memo: string | undefined }) {
  const { t } = useI18n();
  return (
    <div style={style} data-testid="comp-step-review">
      {spec && <ReviewList spec={spec} target={target} memo={memo} />}
      <Alert style={{ marginTop: 12 }} type="warning" showIcon message={t('comp.wizard.submitHint')} />
    </div>
  );
}

/** The spec in the operator's words, as the approver will read it. */
function ReviewList({ spec, target, memo }: { spec: PreviewSpec; target: Target; memo: string | undefined }) {
  const { t } = useI18n();
  const money = target !== 'points';
  return (
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
          ? t('comp.rule.perFailureText', {
              amount: money ? `¥${spec.rule.amount}` : `${spec.rule.amount}`,
              cap: spec.rule.cap ? (money ? `¥${spec.rule.cap}` : spec.rule.cap) : t('comp.rule.noCap'),
            })
          : t('comp.rule.fixedText', { amount: money ? `¥${spec.rule?.amount ?? ''}` : `${spec.rule?.amount ?? ''} ${t('comp.points')}` })}
        {' → '}
        {t(targetLabel(target))}
        {target === 'coupon' ? ` (${t('comp.wizard.validFor', { n: spec.couponValidDays ?? 90 })})` : ''}
      </Descriptions.Item>
      <Descriptions.Item label={t('comp.wizard.memo')}>{memo}</Descriptions.Item>
    </Descriptions>
  );
}

export interface Preview {
  report: Report | null;
  error: string | null;
  loading: boolean;
}

/** Who matches so far and what they would get: nothing stored, recomputed as the spec changes. */
export function PreviewCard({ preview, target }: { preview: Preview; target: Target }) {
  const { t } = useI18n();
  return (
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
  );
}
