import { useState } from 'react';
import { Button, Flex, Input, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { maskPhone } from '../../lib/phone';
import { formatFen } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import { CommandText } from '../../components/CommandText';
import { AddDriverModal } from './AddDriverModal';
import type { DriverRow } from './model';

const PAGE_SIZE = 50;

/** Drivers with their balances; the search matches name, phone, card number (id tag) or VIN. */
export function DriversTable({ version, onOpen, onChanged }: { version: number; onOpen(id: string): void; onChanged(): void }) {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const list = useQuery(() => api.drivers.list({ search: search || undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }), [search, page, version]);
  const money = (fen: number, warn = false) => (
    <Typography.Text type={warn && fen > 0 ? 'danger' : undefined} style={{ fontVariantNumeric: 'tabular-nums' }}>
      {formatFen(fen)}
    </Typography.Text>
  );

  return (
    <Flex vertical gap="small">
      <Flex gap="small" wrap>
        <Input.Search
          allowClear
          placeholder={t('ledger.search')}
          style={{ maxWidth: 360 }}
          data-testid="ledger-search"
          onSearch={(v) => {
            setSearch(v.trim());
            setPage(1);
          }}
        />
        <Button icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="ledger-add-driver">
          {t('ledger.addDriver')}
        </Button>
      </Flex>
      <Table<DriverRow>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.data?.drivers ?? []}
        data-testid="ledger-drivers"
        locale={{ emptyText: search ? undefined : <CommandText text={t('ledger.noDrivers')} command="depotdesk demo" /> }}
        onRow={(d) => ({ onClick: () => onOpen(d.id), style: { cursor: 'pointer' } })}
        pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('ledger.col.name'), dataIndex: 'name' },
          { title: t('ledger.col.phone'), dataIndex: 'phone', width: 140, render: (p: string) => maskPhone(p) },
          {
            title: t('ledger.col.tags'),
            dataIndex: 'tags',
            render: (tags: string[]) => tags.map((tag) => <Tag key={tag}>{tag}</Tag>),
          },
          { title: t('ledger.col.balance'), key: 'balance', align: 'right', render: (_, d) => money(d.balance.fen) },
          { title: t('ledger.col.held'), key: 'held', align: 'right', render: (_, d) => money(d.held.fen) },
          { title: t('ledger.col.available'), key: 'available', align: 'right', render: (_, d) => money(d.available.fen) },
          { title: t('ledger.col.owed'), key: 'owed', align: 'right', render: (_, d) => money(d.owed.fen, true) },
          { title: t('ledger.col.coupons'), key: 'coupons', align: 'right', render: (_, d) => money(d.coupons.fen) },
          { title: t('ledger.col.points'), dataIndex: 'points', align: 'right', width: 90 },
        ]}
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
    </Flex>
  );
}
