import { useEffect, useState } from 'react';
import type React from 'react';
import { Button, Drawer, Flex, Table, Tag, Typography } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, ReloadOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatTime } from '../../lib/time';
import type { ChargerMessage } from './model';

const PAGE = 100;
const PRE: React.CSSProperties = { margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12, maxHeight: 320, overflow: 'auto' };
const FRAME_TYPE: Record<number, string> = { 2: 'CALL', 3: 'CALLRESULT', 4: 'CALLERROR' };

/** The payload as the charger sent it, indented when it is JSON; as is (it may be the very fault) when not. */
export function prettyPayload(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

/**
 * Every raw frame to and from one charger, newest first, a page at a time: what arrived, when we
 * received it, the time the charger put in it, and why a frame was refused.
 */
export function MessageLogDrawer({ chargerId, version, onClose }: { chargerId: string | null; version: number; onClose(): void }) {
  const { t } = useI18n();
  const report = useReportError();
  const [items, setItems] = useState<ChargerMessage[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);

  async function load(beforeId?: number) {
    if (!chargerId) return;
    setLoading(true);
    try {
      const page = await api.chargers.messages({ chargerId, limit: PAGE, beforeId });
      setItems((prev) => (beforeId === undefined ? page.items : [...prev, ...page.items]));
      setNext(page.nextBeforeId);
    } catch (e) {
      report(e);
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    setItems([]);
    setNext(null);
    void load();
    // A new charger or a live change reloads the first page; older pages are fetched on demand.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [chargerId, version]);

  return (
    <Drawer
      open={chargerId !== null}
      onClose={onClose}
      width={900}
      title={chargerId ? t('chargers.messagesOf', { id: chargerId }) : ''}
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => void load()}>
          {t('common.refresh')}
        </Button>
      }
      data-testid="message-log"
    >
      <Table<ChargerMessage>
        rowKey="id"
        size="small"
        loading={loading && items.length === 0}
        dataSource={items}
        pagination={false}
        data-testid="message-log-table"
        locale={{ emptyText: t('chargers.noMessages') }}
        onRow={(m) => ({ style: m.error ? { background: '#fff1f0' } : undefined })}
        expandable={{
          expandRowByClick: true,
          expandedRowRender: (m) => (
            <Flex vertical gap={6}>
              {m.error && (
                <Typography.Text type="danger" data-testid="message-error">
                  {m.error}
                </Typography.Text>
              )}
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {m.topic}
                {m.uniqueId ? ` · UniqueId ${m.uniqueId}` : ''}
              </Typography.Text>
              <pre style={PRE} data-testid="message-payload">
                {prettyPayload(m.payload)}
              </pre>
            </Flex>
          ),
        }}
        columns={[
          {
            title: t('chargers.msg.direction'),
            dataIndex: 'direction',
            width: 90,
            render: (d: ChargerMessage['direction']) =>
              d === 'in' ? (
                <Tag icon={<ArrowDownOutlined />} color="blue">
                  {t('chargers.msg.in')}
                </Tag>
              ) : (
                <Tag icon={<ArrowUpOutlined />}>{t('chargers.msg.out')}</Tag>
              ),
          },
          { title: t('chargers.msg.receivedAt'), dataIndex: 'receivedAt', width: 170, render: (at: number) => formatTime(at) },
          {
            title: t('chargers.msg.chargerAt'),
            dataIndex: 'chargerAt',
            width: 170,
            render: (at: number | null) => (at === null ? '—' : formatTime(at)),
          },
          {
            title: t('chargers.msg.action'),
            key: 'action',
            render: (_: unknown, m) => (
              <Flex gap={6} align="center" wrap>
                <Typography.Text code>{m.action ?? '—'}</Typography.Text>
                {m.messageType !== null && <Typography.Text type="secondary">{FRAME_TYPE[m.messageType] ?? m.messageType}</Typography.Text>}
                {m.transactionId !== null && <Tag>#{m.transactionId}</Tag>}
              </Flex>
            ),
          },
          {
            title: t('chargers.msg.validation'),
            dataIndex: 'error',
            ellipsis: true,
            render: (e: string | null) =>
              e ? (
                <Typography.Text type="danger" data-testid="message-invalid">
                  {e}
                </Typography.Text>
              ) : (
                <Typography.Text type="secondary">{t('chargers.msg.ok')}</Typography.Text>
              ),
          },
        ]}
      />
      {next !== null && (
        <Flex justify="center" style={{ marginTop: 12 }}>
          <Button loading={loading} onClick={() => void load(next)}>
            {t('common.loadMore')}
          </Button>
        </Flex>
      )}
    </Drawer>
  );
}
