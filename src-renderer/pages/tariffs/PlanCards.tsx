import { useState, type Dispatch, type SetStateAction } from 'react';
import { Alert, Button, Card, DatePicker, Flex, Input, Space, Table, Tag, Typography } from 'antd';
import { LinkOutlined, SaveOutlined, UndoOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import type { MethodOutput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { formatTime } from '../../lib/time';
import { dayPeriods, depotWallNow, PERIOD_COLOURS, PERIODS, planStations, type Period, type PlanDetail, type TariffFile } from './model';
import { SlotStrip } from './SlotStrip';

type Plan = MethodOutput<'tariffs.list'>[number];
type SetDraft = Dispatch<SetStateAction<TariffFile | null>>;

/** The plan's versions (the one in force marked) and the stations it prices, from when. */
export function VersionsCard({
  plan,
  detail: d,
  stations,
  canEdit,
  onAssign,
}: {
  plan: Plan | undefined;
  detail: PlanDetail;
  stations: readonly { id: string; name: string }[] | undefined;
  canEdit: boolean;
  onAssign(): void;
}) {
  const { t } = useI18n();
  return (
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
          {planStations(plan?.stations ?? [], stations).map((s) => (
            <Tag key={s.key} data-testid="tariff-station">
              {s.name} · {formatTime(s.from, 'YYYY-MM-DD HH:mm')}
            </Tag>
          ))}
          {canEdit && (
            <Button size="small" icon={<LinkOutlined />} onClick={onAssign} data-testid="tariff-assign">
              {t('tariffs.assign')}
            </Button>
          )}
        </Space>
      </Space>
    </Card>
  );
}

/**
 * The day's slots: supervisors paint the draft with a brush; below, the periods a chosen date
 * actually gets once the rules and overrides apply.
 */
export function SlotsCard({
  file,
  detail,
  canEdit,
  dirty,
  setDraft,
  onDiscard,
  onSave,
}: {
  file: TariffFile;
  detail: PlanDetail;
  canEdit: boolean;
  dirty: boolean;
  setDraft: SetDraft;
  onDiscard(): void;
  onSave(): void;
}) {
  const { t } = useI18n();
  const [brush, setBrush] = useState<Period>('peak');
  const [preview, setPreview] = useState<Dayjs>(() => depotWallNow());
  return (
    <Card
      size="small"
      title={t('tariffs.slots')}
      extra={
        canEdit && dirty ? (
          <Space>
            <Button size="small" icon={<UndoOutlined />} onClick={onDiscard}>
              {t('tariffs.draft.discard')}
            </Button>
            <Button size="small" type="primary" icon={<SaveOutlined />} onClick={onSave} data-testid="tariff-save">
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
        <SlotStrip slots={dayPeriods(file, detail.overrides, preview.format('YYYY-MM-DD'))} testId="day-strip" />
        {/* Below the strips, so its appearance on the first stroke never moves a cell under the pointer. */}
        {dirty && <Alert type="info" showIcon message={t('tariffs.draft.hint')} data-testid="tariff-draft-hint" />}
      </Space>
    </Card>
  );
}

/** Each period's electricity and service price per kWh; supervisors edit them in the draft. */
export function PricesCard({ file, canEdit, setDraft }: { file: TariffFile; canEdit: boolean; setDraft: SetDraft }) {
  const { t } = useI18n();
  const priceCell = (row: { period: Period }, kind: 'electricity' | 'service') =>
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
    );
  return (
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
            render: (_: unknown, row: { period: Period }) => priceCell(row, kind),
          })),
        ]}
      />
    </Card>
  );
}
