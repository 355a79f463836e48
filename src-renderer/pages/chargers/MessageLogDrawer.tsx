import { useEffect, useMemo, useState } from 'react';
import type React from 'react';
import { Button, Drawer, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, ReloadOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { formatTime } from '../../lib/time';
import { logLines, type LogLine } from './message-lines';
import type { ChargerMessage } from './model';

const PAGE = 100;
const PRE: React.CSSProperties = { margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12, maxHeight: 320, overflow: 'auto' };
const NOWRAP: React.CSSProperties = { whiteSpace: 'nowrap' };
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
 * received it, the time the charger put in it, why a frame was refused, and what we answered.
 */
export function MessageLogDrawer({ chargerId, version, onClose }: { chargerId: string | null; version: number; onClose(): void }) {
  const { t } = useI18n();
  const report = useReportError();
  const [items, setItems] = useState<ChargerMessage[]>([]);
  const lines = useMemo(() => logLines(items), [items]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const columns = useLogColumns();

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
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new charger or a live change reloads the first page; older pages are fetched on demand
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
      <Table<LogLine>
        rowKey="key"
        size="small"
        loading={loading && items.length === 0}
        dataSource={lines}
        pagination={false}
        data-testid="message-log-table"
        locale={{ emptyText: t('chargers.noMessages') }}
        onRow={(m) => ({
          style: m.error ? { background: '#fff1f0' } : m.answerTo !== null ? { background: '#fafafa' } : undefined,
          'data-testid': m.answerTo !== null ? 'message-answer' : 'message-row',
        })}
        expandable={{ expandRowByClick: true, expandedRowRender: (m) => <FrameDetail line={m} /> }}
        columns={columns}
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

function FrameDetail({ line: m }: { line: LogLine }) {
  return (
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
  );
}

function useLogColumns(): TableColumnsType<LogLine> {
  const { t } = useI18n();
  return [
    {
      title: t('chargers.msg.direction'),
      dataIndex: 'direction',
      width: 90,
      // 上行 is the charger speaking to the back office (the arrow points up, as the word says); 下行 is the back office answering or asking.
      render: (d: ChargerMessage['direction']) =>
        d === 'in' ? (
          <Tag icon={<ArrowUpOutlined />} color="blue">
            {t('chargers.msg.in')}
          </Tag>
        ) : (
          <Tag icon={<ArrowDownOutlined />}>{t('chargers.msg.out')}</Tag>
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
      render: (_: unknown, m) =>
        m.answerTo !== null ? (
          // Right under its CALL: the action and transaction are the CALL's, so only the kind of answer is new.
          <Flex gap={6} align="center" wrap style={{ paddingLeft: 12 }}>
            <Typography.Text type="secondary" style={NOWRAP}>
              ↳ {t('chargers.msg.answer')}
            </Typography.Text>
            <Typography.Text type={m.messageType === 4 ? 'danger' : 'secondary'} style={NOWRAP}>
              {m.messageType === null ? '—' : (FRAME_TYPE[m.messageType] ?? m.messageType)}
            </Typography.Text>
          </Flex>
        ) : (
          <Flex gap={6} align="center" wrap>
            <Typography.Text code>{m.action ?? '—'}</Typography.Text>
            {m.messageType !== null && (
              <Typography.Text type="secondary" style={NOWRAP}>
                {FRAME_TYPE[m.messageType] ?? m.messageType}
              </Typography.Text>
            )}
            {m.transactionId !== null && <Tag>#{m.transactionId}</Tag>}
          </Flex>
        ),
    },
    {
      title: t('chargers.msg.validation'),
      dataIndex: 'error',
      width: 180,
      ellipsis: true,
      render: (e: string | null, m) =>
        m.answerTo !== null ? (
          <Typography.Text type="secondary">—</Typography.Text>
        ) : e ? (
          <Typography.Text type="danger" data-testid="message-invalid">
            {e}
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t('chargers.msg.ok')}</Typography.Text>
        ),
    },
  ];
}
