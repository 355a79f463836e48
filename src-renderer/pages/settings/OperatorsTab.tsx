import { useState } from 'react';
import { App, Button, Flex, Popconfirm, Table, Tag } from 'antd';
import type { TableColumnsType } from 'antd';
import { ReloadOutlined, UserAddOutlined } from '@ant-design/icons';
import { api } from '../../api';
import type { MethodOutput } from '../../../src-main/contract/types';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { ADMINS, useSession } from '../../session';
import { AddOperatorModal } from './AddOperatorModal';

type OperatorRow = MethodOutput<'operators.list'>[number];

const time = (ms: number) => formatTime(ms, 'YYYY-MM-DD HH:mm');

export default function OperatorsTab() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { can } = useSession();
  const report = useReportError();
  const list = useQuery(() => api.operators.list({}));
  const [adding, setAdding] = useState(false);
  const [busyId, setBusyId] = useState<string | null>(null);
  const isAdmin = can(ADMINS);
  const columns = useOperatorColumns({ isAdmin, busyId, onSetDisabled: setDisabled });

  async function setDisabled(row: OperatorRow, disabled: boolean) {
    setBusyId(row.id);
    try {
      await api.operators.setDisabled({ id: row.id, disabled });
      message.success(t('operators.updated', { name: row.name, state: t(disabled ? 'operators.disabled' : 'operators.active') }));
      await list.reload();
    } catch (e) {
      report(e);
    } finally {
      setBusyId(null);
    }
  }

  return (
    <>
      <Flex justify="flex-end" gap="small" style={{ marginBottom: 12 }}>
        <Button icon={<ReloadOutlined />} onClick={() => void list.reload()}>
          {t('common.refresh')}
        </Button>
        {isAdmin && (
          <Button type="primary" icon={<UserAddOutlined />} onClick={() => setAdding(true)} data-testid="add-operator">
            {t('operators.add')}
          </Button>
        )}
      </Flex>
      <Table<OperatorRow>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.data ?? []}
        pagination={false}
        data-testid="operators-table"
        columns={columns}
      />
      <AddOperatorModal
        open={adding}
        onClose={() => setAdding(false)}
        onCreated={() => {
          setAdding(false);
          void list.reload();
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
}): TableColumnsType<OperatorRow> {
  const { t } = useI18n();
  const { operator: me } = useSession();
  return [
    { title: t('operators.name'), dataIndex: 'name' },
    { title: t('operators.displayName'), dataIndex: 'displayName' },
    { title: t('operators.role'), dataIndex: 'role', render: (role: OperatorRow['role']) => <Tag>{t(`role.${role}`)}</Tag> },
    {
      title: t('operators.status'),
      dataIndex: 'disabled',
      render: (disabled: boolean) => (disabled ? <Tag color="default">{t('operators.disabled')}</Tag> : <Tag color="green">{t('operators.active')}</Tag>),
    },
    { title: t('operators.createdAt'), dataIndex: 'createdAt', render: time },
    {
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
