import { useState } from 'react';
import { Flex, Select, Typography } from 'antd';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useQuery } from '../../lib/useQuery';
import { BreaksTable } from './BreaksTable';
import { BREAK_KINDS, BREAK_STATES, breakStateKey, kindKey, type Break, type BreakKind, type BreakState } from './model';

type StateFilter = BreakState | 'unresolved' | 'all';
const PAGE = 50;

/** 差错队列: every break, unresolved first by default, filtered by state and kind, 50 a page. */
export function BreakQueue({ version, onOpen }: { version: number; onOpen(b: Break): void }) {
  const { t } = useI18n();
  const [state, setState] = useState<StateFilter>('unresolved');
  const [kind, setKind] = useState<BreakKind | undefined>(undefined);
  const [page, setPage] = useState(1);
  const list = useQuery(
    () => api.recon.breaks({ state: state === 'all' ? undefined : state, kind, limit: PAGE, offset: (page - 1) * PAGE }),
    [state, kind, page, version],
  );
  const stateOptions: { value: StateFilter; label: string }[] = [
    { value: 'unresolved', label: t('recon.filter.unresolved') },
    ...BREAK_STATES.map((s) => ({ value: s, label: t(breakStateKey(s)) })),
    { value: 'all', label: t('recon.filter.all') },
  ];
  return (
    <Flex vertical gap="middle" data-testid="recon-queue">
      <Flex gap="small" align="center" wrap>
        <Select<StateFilter> style={{ width: 170 }} value={state} onChange={(v) => (setState(v), setPage(1))} options={stateOptions} data-testid="recon-filter-state" />
        <Select<BreakKind | undefined>
          allowClear
          style={{ width: 170 }}
          placeholder={t('recon.filter.kind')}
          value={kind}
          onChange={(v) => (setKind(v), setPage(1))}
          options={BREAK_KINDS.map((k) => ({ value: k, label: t(kindKey(k)) }))}
          data-testid="recon-filter-kind"
        />
        <Typography.Text type="secondary" data-testid="recon-queue-total">
          {t('recon.queue.total', { count: list.data?.total ?? 0 })}
        </Typography.Text>
      </Flex>
      <BreaksTable
        rows={list.data?.breaks ?? []}
        loading={list.loading}
        onOpen={onOpen}
        testId="recon-queue-table"
        pagination={{ current: page, pageSize: PAGE, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false, hideOnSinglePage: true }}
      />
    </Flex>
  );
}
