import { useState } from 'react';
import { Button, Form, Input, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { maskPhone } from '../../lib/phone';
import { formatFen } from '../../lib/format';
import { CommandText } from '../../components/CommandText';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { AddDriverModal } from './AddDriverModal';
import type { DriverRow } from './model';

type DriverFilters = { search?: string };

/** Drivers with their balances; the search matches name, phone, card number (id tag) or VIN. */
export function DriversTable({ version, onOpen, onChanged }: { version: number; onOpen(id: string): void; onChanged(): void }) {
  const { t } = useI18n();
  const [adding, setAdding] = useState(false);
  const list = useList<DriverFilters, DriverRow>(
    {
      id: 'ledger.drivers',
      defaults: {},
      load: ({ filters, limit, offset }) => api.drivers.list({ search: filters.search, limit, offset }).then((r) => ({ rows: r.drivers, total: r.total })),
    },
    [version],
  );

  return (
    <>
      <DataTable<DriverFilters, DriverRow>
        list={list}
        rowKey="id"
        testId="ledger-drivers"
        columns={useDriverColumns()}
        typed={['search']}
        empty={{ none: <CommandText text={t('ledger.noDrivers')} command="depotdesk demo" />, filtered: t('list.empty.drivers.filtered') }}
        table={{ onRow: (d) => ({ onClick: () => onOpen(d.id), style: { cursor: 'pointer' } }) }}
        filters={
          <Form.Item name="search">
            <Input allowClear placeholder={t('ledger.search')} style={{ width: 320 }} data-testid="ledger-search" />
          </Form.Item>
        }
        toolbar={
          <Button icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="ledger-add-driver">
            {t('ledger.addDriver')}
          </Button>
        }
      />
      <AddDriverModal
        open={adding}
        onClose={() => setAdding(false)}
        onAdded={(id) => {
          setAdding(false);
          onChanged();
          onOpen(id);
        }}
      />
    </>
  );
}

function useDriverColumns(): DataColumn<DriverRow>[] {
  const { t } = useI18n();
  const money = (fen: number, warn = false) => (
    <Typography.Text type={warn && fen > 0 ? 'danger' : undefined} style={{ fontVariantNumeric: 'tabular-nums' }}>
      {formatFen(fen)}
    </Typography.Text>
  );
  return [
    { key: 'name', title: t('ledger.col.name'), dataIndex: 'name' },
    { key: 'phone', title: t('ledger.col.phone'), dataIndex: 'phone', width: 140, render: (p: string) => maskPhone(p) },
    { key: 'tags', title: t('ledger.col.tags'), dataIndex: 'tags', render: (tags: string[]) => tags.map((tag) => <Tag key={tag}>{tag}</Tag>) },
    { key: 'balance', title: t('ledger.col.balance'), align: 'right', render: (_, d) => money(d.balance.fen) },
    { key: 'held', title: t('ledger.col.held'), align: 'right', render: (_, d) => money(d.held.fen) },
    { key: 'available', title: t('ledger.col.available'), align: 'right', render: (_, d) => money(d.available.fen) },
    { key: 'owed', title: t('ledger.col.owed'), align: 'right', render: (_, d) => money(d.owed.fen, true) },
    { key: 'coupons', title: t('ledger.col.coupons'), align: 'right', render: (_, d) => money(d.coupons.fen) },
    { key: 'points', title: t('ledger.col.points'), dataIndex: 'points', align: 'right', width: 90 },
  ];
}
