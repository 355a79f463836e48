import { useState } from 'react';
import { Button, DatePicker, Descriptions, Flex, Input, Space, Table, Tag, Typography } from 'antd';
import { CalculatorOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { depotWallNow, PERIOD_COLOURS, PERIODS, type Period, type QuoteResult, type TariffFile } from './model';

type Line = { key: string; period: Period | 'total'; kwh: string; electricity: string; service: string };

interface Row {
  key: number;
  at: Dayjs | null;
  kwh: string;
}

/**
 * Meter readings in (wall-clock time in the plan's zone, cumulative kWh), the breakdown out. The
 * core does all the arithmetic; times are sent without an offset and read on the plan's clock.
 */
export function QuoteCalculator({ source, timeZone }: { source: { planId: string } | { file: TariffFile }; timeZone: string }) {
  const { t } = useI18n();
  const report = useReportError();
  const [start] = useState(() => depotWallNow().startOf('hour'));
  const [rows, setRows] = useState<Row[]>([
    { key: 1, at: start, kwh: '0' },
    { key: 2, at: start.add(1, 'hour'), kwh: '30' },
  ]);
  const [result, setResult] = useState<QuoteResult | null>(null);
  const [busy, setBusy] = useState(false);

  const update = (key: number, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  async function quote() {
    setBusy(true);
    try {
      setResult(
        await api.tariffs.quote({
          ...source,
          samples: rows.filter((r) => r.at).map((r) => ({ at: r.at!.format('YYYY-MM-DDTHH:mm:ss'), kwh: r.kwh })),
        }),
      );
    } catch (e) {
      setResult(null);
      report(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('tariffs.quote.hint', { zone: timeZone })}</Typography.Text>
      {rows.map((r, i) => (
        <Flex key={r.key} gap="small" align="center">
          <Typography.Text style={{ width: 24 }}>{i + 1}</Typography.Text>
          <DatePicker
            showTime={{ format: 'HH:mm:ss' }}
            format="YYYY-MM-DD HH:mm:ss"
            value={r.at}
            onChange={(v) => update(r.key, { at: v })}
            data-testid={`quote-time-${i}`}
          />
          <Input
            style={{ width: 160 }}
            value={r.kwh}
            suffix="kWh"
            onChange={(e) => update(r.key, { kwh: e.target.value })}
            data-testid={`quote-kwh-${i}`}
            aria-label={t('tariffs.quote.reading')}
          />
          <Button
            icon={<DeleteOutlined />}
            disabled={rows.length <= 1}
            onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
            aria-label={t('tariffs.quote.removeRow')}
          />
        </Flex>
      ))}
      <Space>
        <Button
          icon={<PlusOutlined />}
          onClick={() => {
            const last = rows.at(-1);
            setRows((rs) => [...rs, { key: Math.max(0, ...rs.map((x) => x.key)) + 1, at: last?.at ? last.at.add(30, 'minute') : start, kwh: last?.kwh ?? '0' }]);
          }}
        >
          {t('tariffs.quote.addRow')}
        </Button>
        <Button type="primary" icon={<CalculatorOutlined />} loading={busy} onClick={() => void quote()} data-testid="quote-run">
          {t('tariffs.quote.run')}
        </Button>
      </Space>
      {result && <QuoteBreakdown result={result} />}
    </Space>
  );
}

/** Each period's energy and amounts, the total, and the charge as the driver would pay it. */
function QuoteBreakdown({ result }: { result: QuoteResult }) {
  const { t } = useI18n();
  const lines: Line[] = [
    ...PERIODS.map((p) => ({ key: p, period: p, ...result.periods[p] })),
    { key: 'total', period: 'total' as const, kwh: result.totals.kwh, electricity: result.totals.electricity, service: result.totals.service },
  ];
  return (
    <>
      <Table<Line>
        size="small"
        pagination={false}
        dataSource={lines}
        data-testid="quote-result"
        columns={[
          {
            title: t('tariffs.period'),
            dataIndex: 'period',
            render: (p: Line['period']) => (p === 'total' ? <b>{t('tariffs.quote.total')}</b> : <Tag color={PERIOD_COLOURS[p]}>{t(`tariffs.period.${p}`)}</Tag>),
          },
          { title: 'kWh', dataIndex: 'kwh', align: 'right' },
          { title: t('tariffs.electricityAmount'), dataIndex: 'electricity', align: 'right' },
          { title: t('tariffs.serviceAmount'), dataIndex: 'service', align: 'right' },
        ]}
      />
      <Descriptions size="small" column={1} bordered styles={{ label: { width: 200 } }}>
        <Descriptions.Item label={t('tariffs.quote.amount')}>{result.totals.amount}</Descriptions.Item>
        <Descriptions.Item label={t('tariffs.quote.charge')}>
          <b data-testid="quote-charge">¥{result.totals.yuan}</b>
        </Descriptions.Item>
      </Descriptions>
      {result.versions.length > 1 && (
        <Typography.Text type="secondary">{t('tariffs.quote.versions', { list: result.versions.map((v) => v.effectiveFrom).join(', ') })}</Typography.Text>
      )}
    </>
  );
}
