import { useEffect, useMemo, useRef, useState } from 'react';
import { Button, Card, Col, Flex, Form, Row, Steps } from 'antd';
import type { FormInstance } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { fieldIssues } from '../../lib/errors';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { useQuery } from '../../lib/useQuery';
import { STEP_OF_FIELD, wizardField, type PreviewSpec } from './campaignModel';
import { CriteriaStep, PreviewCard, ReviewStep, RuleStep, type Preview } from './WizardSteps';
import { initialValues, memoExample, PREVIEW_DEBOUNCE_MS, specOf, type Values } from './wizardModel';

/**
 * The campaign wizard: criteria → rule, target and memo → review and submit, with the live
 * preview (compensation.preview, nothing stored) beside every step so the numbers move as the
 * supervisor narrows the criteria. Submitting drafts the campaign and runs its first dry run, the
 * one an approver will confirm.
 */
export default function CampaignWizard({ onCancel, onCreated }: { onCancel: () => void; onCreated: (campaignId: string) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [step, setStep] = useState(0);
  const values = Form.useWatch([], form) as Partial<Values> | undefined;
  const spec = useMemo(() => (values ? specOf(values) : null), [values]);
  const initial = useMemo(initialValues, []);
  const showIssues = useIssuesOnFields(form);
  const preview = useLivePreview(spec, showIssues);
  const { stationOptions, chargerOptions } = usePlaceOptions(values?.stationIds ?? []);
  const create = useCreateCampaign({ form, spec, showIssues, setStep, onCreated });

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

  const target = values?.target ?? 'wallet';
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
      <WizardProgress step={step} onBack={setStep} />
      <Row gutter={24}>
        <Col xs={24} xl={13}>
          <Form form={form} layout="vertical" initialValues={initial} requiredMark="optional" data-testid="comp-wizard-form">
            <CriteriaStep style={shown(0)} stationOptions={stationOptions} chargerOptions={chargerOptions} />
            <RuleStep style={shown(1)} ruleKind={values?.ruleKind} target={target} example={example} />
            <ReviewStep style={shown(2)} spec={spec} target={target} memo={example?.text} />
          </Form>
          <WizardNav
            step={step}
            onBack={() => setStep(step - 1)}
            onNext={() => void next()}
            onSubmit={() => void create.submit()}
            submitting={create.submitting}
            canSubmit={Boolean(preview.report && preview.report.drivers > 0)}
          />
        </Col>
        <Col xs={24} xl={11}>
          <PreviewCard preview={preview} target={target} />
        </Col>
      </Row>
    </Card>
  );
}

interface CreateCampaignOptions {
  form: FormInstance<Values>;
  spec: PreviewSpec | null;
  showIssues: ShowIssues;
  setStep(step: number): void;
  onCreated(campaignId: string): void;
}

/**
 * Submitting: the whole form validated (back to the first step with a missing field), then the
 * campaign drafted with its first dry run. The core's complaints go beside their fields, and the
 * wizard returns to the first step that has one.
 */
function useCreateCampaign({ form, spec, showIssues, setStep, onCreated }: CreateCampaignOptions) {
  const create = useModalSubmit({
    run: async (s: PreviewSpec) => {
      const created = await api.compensation.create({ spec: s });
      await api.compensation.dryRun({ campaignId: created.id, limit: 0, top: 0 });
      return created.id;
    },
    onDone: onCreated,
    onError: (e) => {
      const rest = showIssues(e, { skipName: false });
      const first = fieldIssues(e)
        .map((i) => wizardField(i.field))
        .find((f): f is string => f !== null);
      if (first) setStep(STEP_OF_FIELD[first] ?? 0);
      return Boolean(first) && rest.length === 0;
    },
  });

  const submit = async () => {
    if (!spec) return;
    try {
      await form.validateFields();
    } catch {
      const firstBad = form.getFieldsError().find((f) => f.errors.length > 0);
      if (firstBad) setStep(STEP_OF_FIELD[String(firstBad.name[0])] ?? 0);
      return;
    }
    await create.submit(spec);
  };
  return { submit, submitting: create.submitting };
}

/** Where the supervisor is; an earlier step can be revisited, a later one only through Next. */
function WizardProgress({ step, onBack }: { step: number; onBack(step: number): void }) {
  const { t } = useI18n();
  return (
    <Steps
      size="small"
      current={step}
      onChange={(s) => (s < step ? onBack(s) : undefined)}
      style={{ marginBottom: 24 }}
      items={[{ title: t('comp.wizard.step.criteria') }, { title: t('comp.wizard.step.rule') }, { title: t('comp.wizard.step.review') }]}
    />
  );
}

function WizardNav({
  step,
  onBack,
  onNext,
  onSubmit,
  submitting,
  canSubmit,
}: {
  step: number;
  onBack(): void;
  onNext(): void;
  onSubmit(): void;
  submitting: boolean;
  canSubmit: boolean;
}) {
  const { t } = useI18n();
  return (
    <Flex gap="small" justify="flex-end" style={{ marginTop: 16 }}>
      {step > 0 && (
        <Button onClick={onBack} data-testid="comp-wizard-back">
          {t('comp.wizard.back')}
        </Button>
      )}
      {step < 2 ? (
        <Button type="primary" onClick={onNext} data-testid="comp-wizard-next">
          {t('comp.wizard.next')}
        </Button>
      ) : (
        <Button type="primary" loading={submitting} onClick={onSubmit} disabled={!canSubmit} data-testid="comp-wizard-submit">
          {t('comp.wizard.submit')}
        </Button>
      )}
    </Flex>
  );
}

type ShowIssues = (e: unknown, opts: { skipName: boolean }) => string[];

/**
 * Puts the core's complaints on the fields they name (clearing the ones it no longer names) and
 * returns those that found no field.
 */
function useIssuesOnFields(form: FormInstance<Values>): ShowIssues {
  const flagged = useRef<Set<string>>(new Set());
  return (e, opts) => {
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
    form.setFields([...clear.map((name) => ({ name, errors: [] as string[] })), ...[...byField].map(([name, errors]) => ({ name, errors }))] as Parameters<
      typeof form.setFields
    >[0]);
    flagged.current = new Set(byField.keys());
    return rest;
  };
}

/** The live preview: debounced, and only the answer to the latest spec is shown. */
function useLivePreview(spec: PreviewSpec | null, showIssues: ShowIssues): Preview {
  const { t } = useI18n();
  const [preview, setPreview] = useState<Preview>({ report: null, error: null, loading: false });
  const specKey = JSON.stringify(spec);
  const seq = useRef(0);
  useEffect(() => {
    if (!spec) return;
    const mine = ++seq.current;
    // Never rejects: a failed preview is shown in its place.
    const load = async () => {
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
    };
    const timer = setTimeout(() => void load(), PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- specKey is the spec's value
  }, [specKey]);
  return preview;
}

/** The stations, and the chargers of the stations chosen (all of them while none is). */
function usePlaceOptions(chosenStations: readonly string[]) {
  const stations = useQuery(() => api.stations.list({}), []);
  const chargers = useQuery(() => api.chargers.list({}), []);
  const stationOptions = (stations.data ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.id})` }));
  const chargerOptions = (chargers.data ?? [])
    .filter((c) => chosenStations.length === 0 || (c.stationId !== null && chosenStations.includes(c.stationId)))
    .map((c) => ({ value: c.id, label: c.stationName ? `${c.id} · ${c.stationName}` : c.id }));
  return { stationOptions, chargerOptions };
}
