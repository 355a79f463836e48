import { useEffect, useState, type ReactNode } from 'react';
import {
  App as AntApp,
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Empty,
  Flex,
  Input,
  Modal,
  Popconfirm,
  Progress,
  Row,
  Segmented,
  Space,
  Statistic,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { api, isApiError, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { maskPhone } from '../../lib/phone';
import { useReportError, wordError } from '../../lib/errors';
import { useModalSubmit } from '../../lib/useModalSubmit';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession, type Role } from '../../session';
import {
  ITEM_COLOR,
  ITEM_STATES,
  STATE_COLOR,
  downloadBase64,
  formatQuantity,
  itemLabel,
  campaignStateLabel,
  targetLabel,
  type Campaign,
  type Item,
  type ItemState,
} from './campaignModel';
import { Distribution, DriverTable, ReportFigures } from './ReportView';
import { describeSpec } from './specText';

/**
 * One campaign, from draft to results. A draft shows its latest dry run and, to a supervisor who
 * did not create it, the approval checklist bound to that dry run's fingerprint; an approved one
 * the Execute button; an executing one its progress (pushed by compensation.progress, polled as a
 * fallback); a completed one what happened to each driver. The core enforces every rule the
 * screen explains (creator cannot approve, stale data refused, each driver credited once).
 */

const FINANCE: readonly Role[] = ['finance', 'supervisor', 'admin'];
const PAGE = 20;
const POLL_MS = 1_000;

export default function CampaignDetail({ campaignId, onBack, onOpen }: { campaignId: string; onBack: () => void; onOpen: (id: string) => void }) {
  const { t } = useI18n();
  const session = useSession();
  const [version, setVersion] = useState(0);
  const [progress, setProgress] = useState<{ done: number; drivers: number } | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [reversing, setReversing] = useState(false);
  const got = useQuery(() => api.compensation.get({ campaignId }), [campaignId, version]);
  const c = got.data;

  useDepotEvents(['compensation.changed', 'compensation.progress'], (e) => {
    if (e.type === 'compensation.progress' && e.payload.campaignId === campaignId) setProgress({ done: e.payload.done, drivers: e.payload.drivers });
    if (e.type === 'compensation.changed' && e.payload.campaignId === campaignId) setVersion((v) => v + 1);
  });

  // Events can be missed (a reconnecting stream); while executing, polling keeps the bar honest.
  const executing = c?.state === 'executing';
  useEffect(() => {
    if (!executing) return;
    const timer = setInterval(() => setVersion((v) => v + 1), POLL_MS);
    return () => clearInterval(timer);
  }, [executing]);

  const { busy, dryRun, execute, exportFile } = useCampaignActions(campaignId, () => setVersion((v) => v + 1));

  if (!c) return <Card loading={got.loading} data-testid="comp-detail" />;
  const supervisor = session.can(SUPERVISORS);
  return (
    <Flex vertical gap="middle" data-testid="comp-detail">
      <CampaignHeader
        campaign={c}
        busy={busy}
        onBack={onBack}
        onDryRun={dryRun}
        onExport={exportFile}
        onCancel={() => setCancelling(true)}
        onReverse={() => setReversing(true)}
      />

      <Row gutter={16}>
        <Col xs={24} xl={10}>
          <Card size="small" title={t('comp.detail.spec')} data-testid="comp-description">
            <Descriptions size="small" column={1} bordered labelStyle={{ width: 180 }}>
              {describeSpec(c.spec, t).map((d) => (
                <Descriptions.Item key={d.label} label={d.label}>
                  {d.value}
                </Descriptions.Item>
              ))}
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} xl={14}>
          {c.state === 'draft' ? (
            <Flex vertical gap="middle">
              <ApprovalCard campaign={c} onChanged={() => setVersion((v) => v + 1)} onDryRun={dryRun} dryRunBusy={busy === 'dryRun'} />
            </Flex>
          ) : c.state === 'cancelled' ? (
            <Card size="small">
              <Empty description={t('comp.detail.cancelledNothing')} />
            </Card>
          ) : (
            <ExecutionCard campaign={c} progress={progress} onExecute={execute} executeBusy={busy === 'execute'} canExecute={supervisor} />
          )}
        </Col>
      </Row>

      {c.state === 'draft' ? <DryRunReport campaign={c} version={version} /> : c.state !== 'cancelled' && <ItemsCard campaign={c} version={version} />}

      <CancelModal campaign={c} open={cancelling} onClose={() => setCancelling(false)} onCancelled={() => (setCancelling(false), setVersion((v) => v + 1))} />
      <ReversalModal campaign={c} open={reversing} onClose={() => setReversing(false)} onCreated={(id) => (setReversing(false), onOpen(id))} />
    </Flex>
  );
}

/** The page's buttons that call the core: each shows busy while it runs and reports its own failure. */
function useCampaignActions(campaignId: string, onChanged: () => void) {
  const { t } = useI18n();
  const report = useReportError();
  const { message } = AntApp.useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const act = async (name: string, fn: () => Promise<unknown>) => {
    setBusy(name);
    try {
      await fn();
      onChanged();
    } catch (e) {
      report(e);
    } finally {
      setBusy(null);
    }
  };

  // act reports its own failure and never rejects, so the buttons start it and move on.
  const dryRun = () => void act('dryRun', () => api.compensation.dryRun({ campaignId, limit: 0, top: 0 }));
  // Also resumes a run that stopped (the job is unique per campaign, so a second click adds nothing) and retries failed credits.
  const execute = (retryFailed = false) => void act('execute', () => api.compensation.execute({ campaignId, retryFailed }));
  const exportFile = (kind: 'dry_run' | 'results') =>
    void act(`export-${kind}`, async () => {
      const f = await api.compensation.exportFile({ campaignId, kind });
      downloadBase64(f.fileName, f.base64);
      message.success(t('comp.detail.exported', { file: f.fileName, rows: f.rows }));
    });

  return { busy, dryRun, execute, exportFile };
}

/** The campaign's name and state, who made and approved it, and what can be done to it now. */
interface HeaderProps {
  campaign: Campaign;
  busy: string | null;
  onBack(): void;
  onDryRun(): void;
  onExport(kind: 'dry_run' | 'results'): void;
  onCancel(): void;
  onReverse(): void;
}

function CampaignHeader({ onBack, ...actions }: HeaderProps) {
  const { t } = useI18n();
  const c = actions.campaign;
  return (
    <Card
      size="small"
      title={
        <Space wrap>
          <Button size="small" onClick={onBack} data-testid="comp-detail-back">
            {t('comp.detail.back')}
          </Button>
          <Typography.Text strong data-testid="comp-detail-name">
            {c.name}
          </Typography.Text>
          <Tag color={STATE_COLOR[c.state]} data-testid="comp-detail-state">
            {t(campaignStateLabel(c))}
          </Tag>
          {c.kind === 'reversal' && <Tag color="magenta">{t('comp.kind.reversal')}</Tag>}
        </Space>
      }
      extra={<HeaderActions {...actions} />}
    >
      <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }}>
        <Descriptions.Item label={t('comp.col.target')}>{t(targetLabel(c.target))}</Descriptions.Item>
        <Descriptions.Item label={t('comp.col.creator')}>
          {c.createdBy.name} · {formatTime(c.createdAt)}
        </Descriptions.Item>
        {c.approvedBy && (
          <Descriptions.Item label={t('comp.detail.approvedBy')}>
            {c.approvedBy.name} · {c.approvedAt === null ? t('comp.state.approving') : formatTime(c.approvedAt)}
          </Descriptions.Item>
        )}
        {c.batchStamp && <Descriptions.Item label={t('comp.detail.batch')}>{`COMP-${c.batchStamp}-…`}</Descriptions.Item>}
        <Descriptions.Item label={t('comp.detail.id')}>
          <Typography.Text copyable type="secondary">
            {c.id}
          </Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      {c.state === 'cancelled' && (
        <Alert type="warning" showIcon message={t('comp.detail.cancelled', { when: formatTime(c.cancelledAt ?? 0), note: c.cancelNote ?? '' })} />
      )}
    </Card>
  );
}

/** Dry run, export and cancel, each shown to whom and when it applies. */
function HeaderActions({ campaign: c, busy, onDryRun, onExport, onCancel, onReverse }: Omit<HeaderProps, 'onBack'>) {
  const { t } = useI18n();
  const session = useSession();
  const supervisor = session.can(SUPERVISORS);
  const finance = session.can(FINANCE);
  return (
    <Space wrap>
      {c.state === 'draft' && (
        <Button onClick={onDryRun} loading={busy === 'dryRun'} data-testid="comp-dry-run">
          {c.dryRun ? t('comp.detail.dryRunAgain') : t('comp.detail.dryRun')}
        </Button>
      )}
      {finance && (c.state === 'draft' ? c.dryRun !== null : c.state !== 'cancelled') && (
        <Button onClick={() => onExport(c.state === 'draft' ? 'dry_run' : 'results')} loading={busy?.startsWith('export') ?? false} data-testid="comp-export">
          {c.state === 'draft' ? t('comp.detail.exportDryRun') : t('comp.detail.exportResults')}
        </Button>
      )}
      {supervisor && (c.state === 'draft' || c.state === 'approved') && (
        <Button danger onClick={onCancel} data-testid="comp-cancel">
          {t('comp.detail.cancel')}
        </Button>
      )}
      {supervisor && c.state === 'completed' && c.kind !== 'reversal' && (c.summary?.credited ?? 0) > 0 && (
        <Button danger onClick={onReverse} data-testid="comp-reverse">
          {t('comp.reverse.button')}
        </Button>
      )}
    </Space>
  );
}

function CancelModal({ campaign: c, open, onClose, onCancelled }: { campaign: Campaign; open: boolean; onClose(): void; onCancelled(): void }) {
  const { t } = useI18n();
  return (
    <Modal open={open} title={t('comp.detail.cancelTitle', { name: c.name })} onCancel={onClose} destroyOnHidden footer={null}>
      <CancelForm campaignId={c.id} onCancelled={onCancelled} />
    </Modal>
  );
}

/** Inside the modal, so each opening starts with an empty note. */
function CancelForm({ campaignId, onCancelled }: { campaignId: string; onCancelled(): void }) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const { submitting, submit } = useModalSubmit({
    run: () => api.compensation.cancel({ campaignId, note: note.trim() }),
    onDone: onCancelled,
  });
  return (
    <Flex vertical gap="small">
      <Typography.Text>{t('comp.detail.cancelNote')}</Typography.Text>
      <Input.TextArea rows={2} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} data-testid="comp-cancel-note" />
      <Flex justify="flex-end">
        <Button danger type="primary" disabled={!note.trim()} loading={submitting} onClick={() => void submit()} data-testid="comp-cancel-confirm">
          {t('comp.detail.cancelConfirm')}
        </Button>
      </Flex>
    </Flex>
  );
}

/**
 * Drafting the reversal of a completed campaign: it takes back what each driver was credited (what
 * they have not spent). The draft goes the way of every campaign: dry run, then another supervisor
 * approves, then it is executed; nothing moves when it is drafted.
 */
function ReversalModal({ campaign: c, open, onClose, onCreated }: { campaign: Campaign; open: boolean; onClose(): void; onCreated(id: string): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const { submitting, submit } = useModalSubmit({
    run: () => api.compensation.create({ spec: { name: name.trim(), reverses: c.id } }),
    onDone: (created: Campaign) => onCreated(created.id),
  });
  useEffect(() => {
    if (open) setName(t('comp.reverse.defaultName', { name: c.name }));
  }, [open, c.name, t]);
  const s = c.summary;
  return (
    <Modal
      open={open}
      title={t('comp.reverse.title', { name: c.name })}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={t('comp.reverse.confirm')}
      okButtonProps={{ danger: true, loading: submitting, disabled: !name.trim(), 'data-testid': 'comp-reverse-confirm' }}
      destroyOnHidden
    >
      <Flex vertical gap="small">
        <Alert
          type="warning"
          showIcon
          message={t('comp.reverse.effect', { drivers: s?.credited ?? 0, total: s?.creditedTotal.text ?? '' })}
          data-testid="comp-reverse-effect"
        />
        <Typography.Text>{t('comp.reverse.name')}</Typography.Text>
        <Input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="comp-reverse-name" />
      </Flex>
    </Modal>
  );
}

/** The approval checklist, bound to the campaign's latest dry run. */
function ApprovalCard({ campaign: c, onChanged, onDryRun, dryRunBusy }: { campaign: Campaign; onChanged: () => void; onDryRun: () => void; dryRunBusy: boolean }) {
  const { t } = useI18n();
  if (!c.dryRun) {
    return (
      <Card size="small" title={t('comp.approve.title')} data-testid="comp-approval">
        <Alert
          type="info"
          showIcon
          message={t('comp.approve.noDryRun')}
          action={
            <Button size="small" onClick={onDryRun} loading={dryRunBusy}>
              {t('comp.detail.dryRun')}
            </Button>
          }
        />
      </Card>
    );
  }
  return <ApprovalChecklist campaign={c} dryRun={c.dryRun} onChanged={onChanged} onDryRun={onDryRun} dryRunBusy={dryRunBusy} />;
}

type DryRun = NonNullable<Campaign['dryRun']>;
const UNCHECKED = { criteria: false, drivers: false, rule: false, total: false };

function ApprovalChecklist({
  campaign: c,
  dryRun: dr,
  onChanged,
  onDryRun,
  dryRunBusy,
}: {
  campaign: Campaign;
  dryRun: DryRun;
  onChanged: () => void;
  onDryRun: () => void;
  dryRunBusy: boolean;
}) {
  const { t, maybe } = useI18n();
  const session = useSession();
  const [checked, setChecked] = useState(UNCHECKED);
  const [refusal, setRefusal] = useState<string | null>(null);
  // A new dry run is a new thing to confirm: the ticks start over.
  useEffect(() => {
    setChecked(UNCHECKED);
    setRefusal(null);
  }, [dr.fingerprint]);
  const { submitting, submit } = useModalSubmit({
    run: () => {
      setRefusal(null);
      return api.compensation.approve({ campaignId: c.id, fingerprint: dr.fingerprint, drivers: dr.drivers, total: dr.total.value, criteriaChecked: checked.criteria });
    },
    onDone: onChanged,
    // Data that moved since the dry run is refused in place, with a new dry run one click away.
    onError: (e) => {
      const reason = isApiError(e) ? (e.details as { reason?: string } | undefined)?.reason : undefined;
      if (reason !== 'data_changed' && reason !== 'stale_dry_run') return false;
      setRefusal(wordError({ t, maybe }, e).detail);
      return true;
    },
  });

  const supervisor = session.can(SUPERVISORS);
  const own = c.createdBy.id === session.operator.id;
  const all = checked.criteria && checked.drivers && checked.rule && checked.total;
  const rule = c.description.find((d) => d.label.startsWith('规则'))?.value ?? '';
  const disabledReason = !supervisor ? t('comp.approve.supervisorsOnly') : own ? t('comp.approve.ownNoApprove') : !all ? t('comp.approve.tickAll') : undefined;
  const box = (key: keyof typeof checked, label: ReactNode) => (
    <Checkbox
      checked={checked[key]}
      disabled={own || !supervisor}
      onChange={(e) => setChecked({ ...checked, [key]: e.target.checked })}
      data-testid={`comp-check-${key}`}
    >
      {label}
    </Checkbox>
  );

  return (
    <Card size="small" title={t('comp.approve.title')} data-testid="comp-approval">
      <Flex vertical gap="small">
        <Typography.Text type="secondary">{t('comp.approve.dryRunAt', { when: formatTime(dr.at), fp: dr.fingerprint.slice(0, 12) })}</Typography.Text>
        {box('criteria', t('comp.approve.criteria'))}
        {box('drivers', t('comp.approve.drivers', { n: dr.drivers, records: dr.records }))}
        {box('rule', t('comp.approve.rule', { rule }))}
        {box('total', <span data-testid="comp-check-total-text">{t('comp.approve.total', { total: formatQuantity(c.target, dr.total.value, t) })}</span>)}
        {refusal && <ApprovalRefused refusal={refusal} onDryRun={onDryRun} dryRunBusy={dryRunBusy} />}
        <Flex gap="small" align="center">
          <Tooltip title={disabledReason}>
            <Button type="primary" disabled={disabledReason !== undefined} loading={submitting} onClick={() => void submit()} data-testid="comp-approve">
              {t('comp.approve.button')}
            </Button>
          </Tooltip>
          {own && supervisor && (
            <Typography.Text type="secondary" data-testid="comp-approve-reason">
              {t('comp.approve.ownNoApprove')}
            </Typography.Text>
          )}
        </Flex>
      </Flex>
    </Card>
  );
}

function ApprovalRefused({ refusal, onDryRun, dryRunBusy }: { refusal: string; onDryRun: () => void; dryRunBusy: boolean }) {
  const { t } = useI18n();
  return (
    <Alert
      type="error"
      showIcon
      data-testid="comp-approve-refused"
      message={t('comp.approve.refused')}
      description={refusal}
      action={
        <Button size="small" onClick={onDryRun} loading={dryRunBusy} data-testid="comp-approve-new-dry-run">
          {t('comp.approve.newDryRun')}
        </Button>
      }
    />
  );
}

/**
 * The rows of the latest dry run, paged. They are recomputed with compensation.report (nothing
 * recorded); the figures the approver confirms are the recorded dry run's, and when the recomputed
 * fingerprint differs the data moved since and the screen says so.
 */
function DryRunReport({ campaign: c, version }: { campaign: Campaign; version: number }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const dr = c.dryRun;
  const rows = useQuery(
    async () => (dr ? api.compensation.report({ campaignId: c.id, limit: PAGE, offset: (page - 1) * PAGE, top: 10 }) : null),
    [c.id, dr?.fingerprint, page, version],
  );
  if (!dr) return null;
  const r = rows.data;
  const moved = r && r.fingerprint !== dr.fingerprint;
  return (
    <Card size="small" title={t('comp.detail.dryRunTitle', { when: formatTime(dr.at) })} data-testid="comp-dry-run-report">
      <Flex vertical gap="middle">
        <ReportFigures report={dr} target={c.target} testId="comp-dry-run-figures" />
        {moved && (
          <Alert
            type="warning"
            showIcon
            data-testid="comp-data-moved"
            message={t('comp.detail.dataMoved', { drivers: r.drivers, records: r.records, total: formatQuantity(c.target, r.total.value, t) })}
          />
        )}
        {r && (
          <Row gutter={16}>
            <Col xs={24} xl={10}>
              <Typography.Title level={5}>{t('comp.report.distribution')}</Typography.Title>
              <Distribution report={r} target={c.target} />
            </Col>
            <Col xs={24} xl={14}>
              <Typography.Title level={5}>{t('comp.report.top')}</Typography.Title>
              <DriverTable rows={r.top.slice(0, 5)} target={c.target} testId="comp-dry-run-top" />
            </Col>
          </Row>
        )}
        {r && (
          <>
            <Typography.Title level={5}>{t('comp.report.allDrivers', { n: r.drivers })}</Typography.Title>
            <DriverTable rows={r.rows} target={c.target} testId="comp-dry-run-rows" total={r.drivers} page={page} onPage={setPage} loading={rows.loading} />
          </>
        )}
      </Flex>
    </Card>
  );
}

interface ExecutionProps {
  campaign: Campaign;
  progress: { done: number; drivers: number } | null;
  onExecute: (retryFailed?: boolean) => void;
  executeBusy: boolean;
  canExecute: boolean;
}

function ExecutionCard({ campaign: c, progress, ...actions }: ExecutionProps) {
  const { t } = useI18n();
  const s = c.summary;
  const drivers = s?.drivers ?? c.dryRun?.drivers ?? 0;
  // The pushed figure can run ahead of the last poll, never behind a finished campaign.
  const polled = s ? s.drivers - s.pending : 0;
  const done = Math.max(polled, progress && progress.drivers === drivers ? progress.done : 0);
  const percent = drivers > 0 ? Math.floor((done / drivers) * 100) : 0;

  return (
    <Card size="small" title={t('comp.exec.title')} data-testid="comp-execution">
      <Flex vertical gap="middle">
        <ExecutionActions campaign={c} drivers={drivers} {...actions} />
        {c.state !== 'approved' && (
          <div data-testid="comp-progress">
            <Progress percent={percent} status={c.state === 'executing' ? 'active' : s && s.failed > 0 ? 'exception' : 'success'} format={(p) => `${p}%`} />
            <Typography.Text type="secondary" data-testid="comp-progress-text">
              {t('comp.exec.progress', { done, drivers })}
            </Typography.Text>
          </div>
        )}
        {s && c.state !== 'approved' && <ExecutionResults campaign={c} summary={s} />}
      </Flex>
    </Card>
  );
}

/** Execute an approved campaign, resume a run that stopped, or retry the credits that failed. */
function ExecutionActions({ campaign: c, drivers, onExecute, executeBusy, canExecute }: Omit<ExecutionProps, 'progress'> & { drivers: number }) {
  const { t } = useI18n();
  const s = c.summary;
  return (
    <>
      {c.state === 'approved' && (
        <Alert
          type="info"
          showIcon
          message={t('comp.exec.ready', { drivers, total: formatQuantity(c.target, s?.approvedTotal.value ?? 0, t) })}
          action={
            canExecute ? (
              <Popconfirm
                title={t('comp.exec.confirmTitle')}
                description={t('comp.exec.confirm', { drivers, total: formatQuantity(c.target, s?.approvedTotal.value ?? 0, t) })}
                okText={t('comp.exec.button')}
                cancelText={t('common.cancel')}
                okButtonProps={{ 'data-testid': 'comp-execute-confirm' }}
                onConfirm={() => onExecute()}
              >
                <Button type="primary" loading={executeBusy} data-testid="comp-execute">
                  {t('comp.exec.button')}
                </Button>
              </Popconfirm>
            ) : undefined
          }
        />
      )}
      {canExecute && c.state === 'executing' && (
        <Flex justify="flex-end">
          <Button size="small" loading={executeBusy} onClick={() => onExecute()} data-testid="comp-resume">
            {t('comp.exec.resume')}
          </Button>
        </Flex>
      )}
      {canExecute && c.state === 'completed' && s && s.failed > 0 && (
        <Flex justify="flex-end">
          <Button size="small" loading={executeBusy} onClick={() => onExecute(true)} data-testid="comp-retry-failed">
            {t('comp.exec.retryFailed', { n: s.failed })}
          </Button>
        </Flex>
      )}
    </>
  );
}

type Summary = NonNullable<Campaign['summary']>;

/** What happened to each driver, the totals, whether they add up to what was approved, and each failure. */
function ExecutionResults({ campaign: c, summary: s }: { campaign: Campaign; summary: Summary }) {
  const { t } = useI18n();
  const q = (v: number) => formatQuantity(c.target, v, t);
  const matches = s.creditedTotal.value + s.failedTotal.value === s.approvedTotal.value && s.credited + s.already + s.failed === s.drivers;
  return (
    <>
      <Row gutter={16} data-testid="comp-results">
        <Col span={6}>
          <Statistic title={t('comp.item.credited')} value={s.credited} valueStyle={{ color: '#389e0d' }} data-testid="comp-result-credited" />
        </Col>
        <Col span={6}>
          <Statistic title={t('comp.item.already')} value={s.already} data-testid="comp-result-already" />
        </Col>
        <Col span={6}>
          <Statistic title={t('comp.item.failed')} value={s.failed} valueStyle={s.failed > 0 ? { color: '#cf1322' } : undefined} data-testid="comp-result-failed" />
        </Col>
        <Col span={6}>
          <Statistic title={t('comp.item.pending')} value={s.pending} data-testid="comp-result-pending" />
        </Col>
      </Row>
      <Descriptions size="small" column={1} bordered contentStyle={{ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>
        <Descriptions.Item label={t('comp.exec.creditedTotal')}>
          <Typography.Text strong data-testid="comp-result-credited-total">
            {q(s.creditedTotal.value)}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('comp.exec.approvedTotal')}>
          <span data-testid="comp-result-approved-total">{q(s.approvedTotal.value)}</span>
        </Descriptions.Item>
        {s.failed > 0 && <Descriptions.Item label={t('comp.exec.failedTotal')}>{q(s.failedTotal.value)}</Descriptions.Item>}
      </Descriptions>
      {c.state === 'completed' && (
        <Alert
          type={matches && s.failed === 0 ? 'success' : 'warning'}
          showIcon
          data-testid="comp-result-check"
          message={matches ? t('comp.exec.matches', { drivers: s.drivers, total: q(s.approvedTotal.value) }) : t('comp.exec.mismatch')}
        />
      )}
      {s.failures.length > 0 && (
        <Table
          size="small"
          rowKey="driverId"
          pagination={false}
          data-testid="comp-failures"
          dataSource={s.failures}
          columns={[
            { title: t('comp.col.driverId'), dataIndex: 'driverId' },
            { title: t('comp.col.amount'), align: 'right', render: (_, f) => q(f.amount.value) },
            { title: t('comp.col.error'), dataIndex: 'error' },
          ]}
        />
      )}
    </>
  );
}

function ItemsCard({ campaign: c, version }: { campaign: Campaign; version: number }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<ItemState | 'all'>('all');
  const [page, setPage] = useState(1);
  const items = useQuery(
    () => api.compensation.items({ campaignId: c.id, status: status === 'all' ? undefined : status, limit: PAGE, offset: (page - 1) * PAGE }),
    [c.id, status, page, version],
  );
  const q = (v: number) => formatQuantity(c.target, v, t);
  return (
    <Card
      size="small"
      title={t('comp.items.title')}
      data-testid="comp-items"
      extra={
        <Segmented<ItemState | 'all'>
          size="small"
          value={status}
          onChange={(v) => (setStatus(v), setPage(1))}
          data-testid="comp-items-filter"
          options={[{ value: 'all', label: t('comp.items.all') }, ...ITEM_STATES.map((s) => ({ value: s, label: t(itemLabel(s)) }))]}
        />
      }
    >
      <Table<Item>
        size="small"
        rowKey="driverId"
        loading={items.loading}
        dataSource={items.data?.items ?? []}
        data-testid="comp-items-table"
        pagination={{ current: page, pageSize: PAGE, total: items.data?.total ?? 0, onChange: setPage, showSizeChanger: false, size: 'small' }}
        columns={[
          { title: t('comp.col.driver'), dataIndex: 'name' },
          { title: t('comp.col.phone'), dataIndex: 'phone', render: (p: string) => maskPhone(p) },
          { title: t('comp.col.failures'), dataIndex: 'failures', align: 'right' },
          { title: t('comp.col.amount'), align: 'right', render: (_, i) => q(i.amount.value) },
          { title: t('comp.col.itemState'), render: (_, i) => <Tag color={ITEM_COLOR[i.status]}>{t(itemLabel(i.status))}</Tag> },
          { title: t('comp.col.batchNo'), dataIndex: 'batchNo', render: (b: string) => <Typography.Text type="secondary">{b}</Typography.Text> },
          { title: t('comp.col.doneAt'), render: (_, i) => (i.doneAt ? formatTime(i.doneAt) : '') },
          { title: t('comp.col.error'), render: (_, i) => (i.error ? <Typography.Text type="danger">{i.error}</Typography.Text> : null) },
        ]}
      />
    </Card>
  );
}
