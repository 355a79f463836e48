import { useEffect, useState, type ReactNode } from 'react';
import { Alert, App, Button, Card, Empty, Flex, Form, Select, Space, Typography, Upload } from 'antd';
import { DownloadOutlined, ReloadOutlined, UploadOutlined } from '@ant-design/icons';
import { api, isApiError, useDepotEvents } from '../../api';
import { useI18n } from '../../i18n';
import { CommandText } from '../../components/CommandText';
import { useReportError } from '../../lib/errors';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { depotWallNow, download, fileIssues, fileText, type TariffFile } from './model';
import { PricesCard, SlotsCard, VersionsCard } from './PlanCards';
import { AssignModal, SaveDraftModal, type Issue, type SaveValues } from './PlanModals';
import { QuoteCalculator } from './QuoteCalculator';
import { RulesList } from './RulesList';

/**
 * Settings → Tariffs. Shows a plan's version in force; supervisors paint slots and edit prices in
 * a draft, then save it as a new version from a future date (history is never rewritten), add
 * date overrides, assign stations, and import or export the plan file. Everyone can quote.
 */
export default function TariffsTab() {
  const { t } = useI18n();
  const { can } = useSession();
  const canEdit = can(SUPERVISORS);
  const plan = usePlan();
  // Stations are named on the plan's card and picked by name when assigning (their codes are the core's).
  const stations = useQuery(() => api.stations.list({}));
  const { plans, d, version, reloadAll } = plan;
  const [draft, setDraft] = useState<TariffFile | null>(null);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [assigning, setAssigning] = useState(false);
  const [saveOpen, setSaveOpen] = useState(false);
  const [saveForm] = Form.useForm<SaveValues>();
  const planFile = usePlanFile({ setIssues, onImported: (planId) => (plan.setPlanId(planId), reloadAll()) });

  // A fresh plan (or a reload after someone else's change) starts a clean draft.
  useEffect(() => setDraft(version ? structuredClone(version.file) : null), [version?.id, d?.overrides.length]); // eslint-disable-line react-hooks/exhaustive-deps -- a new version or override, not every render's objects

  const dirty = Boolean(draft && version && JSON.stringify(draft) !== JSON.stringify(version.file));
  const uploadButton = canEdit && <ImportButton onFile={planFile.importFile} />;
  const issueList = <IssueList issues={issues} onClose={() => setIssues([])} />;

  if (!plan.loading && plans.length === 0) {
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        {issueList}
        <Empty description={<CommandText text={t('tariffs.none')} command="depotdesk demo" />} data-testid="tariffs-empty">
          {uploadButton}
        </Empty>
      </Space>
    );
  }

  const file = draft ?? version?.file ?? null;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="tariffs-tab">
      <PlanToolbar plan={plan} uploadButton={uploadButton} onExport={() => version && void planFile.exportVersion(version.id)} />
      {issueList}

      {d && version && file && (
        <>
          <VersionsCard plan={plans.find((p) => p.id === d.id)} detail={d} stations={stations.data} canEdit={canEdit} onAssign={() => setAssigning(true)} />
          <SlotsCard
            file={file}
            detail={d}
            canEdit={canEdit}
            dirty={dirty}
            setDraft={setDraft}
            onDiscard={() => setDraft(structuredClone(version.file))}
            onSave={() => {
              saveForm.setFieldsValue({ name: file.name, effectiveFrom: depotWallNow().add(1, 'day') });
              setSaveOpen(true);
            }}
          />
          <PricesCard file={file} canEdit={canEdit} setDraft={setDraft} />
          <Card size="small" title={t('tariffs.rules')}>
            <RulesList file={file} overrides={d.overrides} planId={d.id} canEdit={canEdit} onChanged={reloadAll} />
          </Card>
          <Card size="small" title={t('tariffs.quote')}>
            <QuoteCalculator source={dirty && draft ? { file: draft } : { planId: d.id }} timeZone={file.timezone} />
          </Card>
        </>
      )}

      <SaveDraftModal
        open={saveOpen}
        form={saveForm}
        draft={draft}
        onClose={() => setSaveOpen(false)}
        onSaved={(planId) => (plan.setPlanId(planId), reloadAll())}
        onIssues={setIssues}
      />
      {d && (
        <AssignModal
          open={assigning}
          planId={d.id}
          stations={stations.data}
          onClose={() => setAssigning(false)}
          onDone={() => {
            setAssigning(false);
            reloadAll();
          }}
        />
      )}
    </Space>
  );
}

/** The plans, the one chosen (the first until the operator picks), its detail and version in force. */
function usePlan() {
  const list = useQuery(() => api.tariffs.list({}));
  const [planId, setPlanId] = useState<string | null>(null);
  const plans = list.data ?? [];
  const activeId = planId && plans.some((p) => p.id === planId) ? planId : (plans[0]?.id ?? null);
  const detail = useQuery(() => (activeId ? api.tariffs.get({ id: activeId }) : Promise.resolve(null)), [activeId]);
  const d = detail.data ?? null;
  const version = d ? (d.versions.find((v) => v.id === d.currentVersionId) ?? d.versions[0]) : null;
  const reloadAll = () => {
    void list.reload();
    void detail.reload();
  };
  useDepotEvents(['tariffs.changed'], reloadAll);
  return { plans, loading: list.loading, activeId, setPlanId, d, version, reloadAll };
}

/** Import and export of the plan file; the core's complaints about an imported file become the tab's issue list. */
function usePlanFile({ setIssues, onImported }: { setIssues(issues: Issue[]): void; onImported(planId: string): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();

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
      onImported(r.planId);
    } catch (e) {
      if (isApiError(e) && fileIssues(e.details).length > 0) setIssues(fileIssues(e.details));
      else report(e);
    }
  }

  async function exportVersion(versionId: string) {
    try {
      const r = await api.tariffs.export({ id: versionId });
      download(`tariff-${r.file.effectiveFrom}.json`, fileText(r.file));
    } catch (e) {
      report(e);
    }
  }

  return { importFile, exportVersion };
}

function PlanToolbar({ plan, uploadButton, onExport }: { plan: ReturnType<typeof usePlan>; uploadButton: ReactNode; onExport(): void }) {
  const { t } = useI18n();
  return (
    <Flex gap="small" wrap align="center">
      <Select
        style={{ minWidth: 280 }}
        value={plan.activeId ?? undefined}
        loading={plan.loading}
        onChange={(id: string) => plan.setPlanId(id)}
        options={plan.plans.map((p) => ({ value: p.id, label: p.name }))}
        data-testid="tariff-plan"
      />
      <Button icon={<ReloadOutlined />} onClick={plan.reloadAll}>
        {t('common.refresh')}
      </Button>
      {uploadButton}
      <Button icon={<DownloadOutlined />} onClick={onExport} disabled={!plan.version} data-testid="tariff-export">
        {t('tariffs.export')}
      </Button>
    </Flex>
  );
}

function ImportButton({ onFile }: { onFile(text: string, name: string): Promise<void> }) {
  const { t } = useI18n();
  return (
    <Upload
      accept=".json,application/json"
      showUploadList={false}
      beforeUpload={(f) => {
        void f.text().then((text) => onFile(text, f.name));
        return false;
      }}
    >
      <Button icon={<UploadOutlined />} data-testid="tariff-import">
        {t('tariffs.import')}
      </Button>
    </Upload>
  );
}

function IssueList({ issues, onClose }: { issues: Issue[]; onClose(): void }) {
  const { t } = useI18n();
  if (issues.length === 0) return null;
  return (
    <Alert
      type="error"
      showIcon
      closable
      onClose={onClose}
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
}
