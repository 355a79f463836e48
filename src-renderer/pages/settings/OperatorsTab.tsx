import { useState } from 'react';
import { App, Button, Form, Input, Popconfirm, Select, Tag } from 'antd';
import { UserAddOutlined } from '@ant-design/icons';
import { api } from '../../api';
import type { MethodOutput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatTime } from '../../lib/time';
import { ADMINS, useSession } from '../../session';
import { AddOperatorModal } from './AddOperatorModal';
import { DataTable, useList, type DataColumn } from '../../components/DataTable';
import { pageOf } from '../../components/listController';
import { StateTag } from '../../components/StateTag';

type OperatorRow = MethodOutput<'operators.list'>[number];

type Filters = { search?: string; role?: OperatorRow['role'] };
const ROLES: readonly OperatorRow['role'][] = ['operator', 'finance', 'supervisor', 'admin'];

const time = (ms: number) => formatTime(ms, 'YYYY-MM-DD HH:mm');

export default function OperatorsTab() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { can } = useSession();
  const report = useReportError();
  const list = useList<Filters, OperatorRow>({
    id: 'settings.operators',
    defaults: {},
    // A depot has a handful of operators: the core returns them all; the filters apply here.
    load: async ({ filters: f, ...page }) => {
      const all = await api.operators.list({});
      const q = f.search?.toLowerCase();
      return pageOf(
        all.filter((o) => (!f.role || o.role === f.role) && (!q || o.name.toLowerCase().includes(q) || o.displayName.toLowerCase().includes(q))),
        page,
      );
    },
  });
  const reload = () => list.controller.reload();
  const [adding, setAdding] = useState(false);
  const [busyId, setBusyId] = useState<string | null>(null);
  const isAdmin = can(ADMINS);
  const columns = useOperatorColumns({ isAdmin, busyId, onSetDisabled: setDisabled });

  async function setDisabled(row: OperatorRow, disabled: boolean) {
    setBusyId(row.id);
    try {
      await api.operators.setDisabled({ id: row.id, disabled });
      message.success(t('operators.updated', { name: row.name, state: t(disabled ? 'operators.disabled' : 'operators.active') }));
      await reload();
    } catch (e) {
      report(e);
    } finally {
      setBusyId(null);
    }
  }

  return (
    <>
      <DataTable<Filters, OperatorRow>
        list={list}
        rowKey="id"
        testId="operators-table"
        columns={columns}
        typed={['search']}
        empty={{ none: t('list.empty.operators'), filtered: t('list.empty.operators.filtered') }}
        filters={
          <>
            <Form.Item name="search">
              <Input allowClear placeholder={t('list.empty.operators.search')} style={{ width: 200 }} />
            </Form.Item>
            <Form.Item name="role">
              <Select allowClear style={{ width: 140 }} placeholder={t('operators.role')} options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
            </Form.Item>
          </>
        }
        toolbar={
          isAdmin && (
            <Button type="primary" icon={<UserAddOutlined />} onClick={() => setAdding(true)} data-testid="add-operator">
              {t('operators.add')}
            </Button>
          )
        }
      />
      <AddOperatorModal
        open={adding}
        onClose={() => setAdding(false)}
        onCreated={() => {
          setAdding(false);
          void reload();
        }}
      />
    </>
  );
}

function useOperatorColumns({
  isAdmin,
  busyId,
  onSetDisabled,
}: {
  isAdmin: boolean;
  busyId: string | null;
  onSetDisabled(row: OperatorRow, disabled: boolean): Promise<void>;
}): DataColumn<OperatorRow>[] {
  const { t } = useI18n();
  const { operator: me } = useSession();
  return [
    { key: 'name', title: t('operators.name'), dataIndex: 'name' },
    { key: 'displayName', title: t('operators.displayName'), dataIndex: 'displayName' },
    { key: 'role', title: t('operators.role'), dataIndex: 'role', render: (role: OperatorRow['role']) => <Tag>{t(`role.${role}`)}</Tag> },
    {
      key: 'status',
      title: t('operators.status'),
      dataIndex: 'disabled',
      render: (disabled: boolean) =>
        disabled ? <StateTag tone="default">{t('operators.disabled')}</StateTag> : <StateTag tone="success">{t('operators.active')}</StateTag>,
    },
    { key: 'createdAt', title: t('operators.createdAt'), dataIndex: 'createdAt', render: time },
    {
      key: 'lastLoginAt',
      title: t('operators.lastLoginAt'),
      dataIndex: 'lastLoginAt',
      render: (at: number | null) => (at === null ? t('common.never') : time(at)),
    },
    ...(isAdmin
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, row: OperatorRow) =>
              row.disabled ? (
                <Button size="small" loading={busyId === row.id} onClick={() => void onSetDisabled(row, false)}>
                  {t('operators.enable')}
                </Button>
              ) : (
                <Popconfirm title={t('operators.confirmDisable', { name: row.name })} onConfirm={() => void onSetDisabled(row, true)}>
                  <Button size="small" danger disabled={row.id === me.id} loading={busyId === row.id}>
                    {t('operators.disable')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]
      : []),
  ];
}
