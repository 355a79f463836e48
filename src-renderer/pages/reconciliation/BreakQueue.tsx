import { DatePicker, Form, Select } from 'antd';
import type { Dayjs } from 'dayjs';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { DataTable, useList } from '../../components/DataTable';
import { breakRow, useBreakColumns } from './BreaksTable';
import { BREAK_KINDS, BREAK_STATES, breakStateKey, channelKey, kindKey, type Break, type BreakKind, type BreakState } from './model';

type StateFilter = BreakState | 'unresolved' | 'all';
/** The channels a break can be on: the two gateways and an aggregator's statement. */
const CHANNELS = ['wechat', 'alipay', 'generic'] as const;
type Filters = { state: StateFilter; kind?: BreakKind; channel?: string; days?: [Dayjs, Dayjs] };

/** 差错队列: every break, unresolved first by default, filtered by state, kind, channel and day, paged on the server. */
export function BreakQueue({ version, onOpen }: { version: number; onOpen(b: Break): void }) {
  const { t } = useI18n();
  const list = useList<Filters, Break>(
    {
      id: 'recon.breaks',
      defaults: { state: 'unresolved' },
      pageSize: 50,
      load: ({ filters: f, limit, offset }) =>
        api.recon
          .breaks({
            state: f.state === 'all' ? undefined : f.state,
            kind: f.kind,
            channel: f.channel,
            from: f.days?.[0].format('YYYY-MM-DD'),
            to: f.days?.[1].format('YYYY-MM-DD'),
            limit,
            offset,
          })
          .then((r) => ({ rows: r.breaks, total: r.total })),
    },
    [version],
  );
  const stateOptions: { value: StateFilter; label: string }[] = [
    { value: 'unresolved', label: t('recon.filter.unresolved') },
    ...BREAK_STATES.map((s) => ({ value: s, label: t(breakStateKey(s)) })),
    { value: 'all', label: t('recon.filter.all') },
  ];
  return (
    <div data-testid="recon-queue">
      <DataTable<Filters, Break>
        list={list}
        rowKey="id"
        testId="recon-queue-table"
        columns={useBreakColumns(onOpen)}
        empty={{ none: t('list.empty.breaks'), filtered: t('list.empty.breaks.filtered') }}
        table={{ onRow: breakRow }}
        filters={
          <>
            <Form.Item name="state">
              <Select<StateFilter> style={{ width: 150 }} options={stateOptions} data-testid="recon-filter-state" />
            </Form.Item>
            <Form.Item name="kind">
              <Select<BreakKind | undefined>
                allowClear
                style={{ width: 150 }}
                placeholder={t('recon.filter.kind')}
                options={BREAK_KINDS.map((k) => ({ value: k, label: t(kindKey(k)) }))}
                data-testid="recon-filter-kind"
              />
            </Form.Item>
            <Form.Item name="channel">
              <Select<string | undefined>
                allowClear
                style={{ width: 130 }}
                placeholder={t('list.filter.channel')}
                options={CHANNELS.map((c) => ({ value: c, label: t(channelKey(c)) }))}
                data-testid="recon-filter-channel"
              />
            </Form.Item>
            <Form.Item name="days">
              <DatePicker.RangePicker allowClear style={{ width: 250 }} data-testid="recon-filter-days" />
            </Form.Item>
          </>
        }
      />
    </div>
  );
}
