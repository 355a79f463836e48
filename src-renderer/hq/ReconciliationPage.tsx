import { Card, DatePicker, Flex, Input, Select, Table, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useI18n } from '../i18n';
import { displayFen } from '../lib/format';
import { useHashParam } from '../lib/route';
import { depotDate } from '../lib/time';
import { useQuery } from '../lib/useQuery';
import { hqCall, type HqReconRow } from './api';
import { DepotName } from './DepotsPage';

type DepotLine = HqReconRow['depots'][number];

function Difference({ fen }: { fen: number }) {
  const { t } = useI18n();
  return fen === 0 ? <Tag color="success">{t('hq.recon.balanced')}</Tag> : <Typography.Text type="danger">{displayFen(fen)}</Typography.Text>;
}

/**
 * 对账汇总: one line per merchant ID and bill day, the statements every depot imported for it
 * summed; expanded, each depot's statement beside what that depot booked on the channel's clearing
 * account over the statement's days, and the difference.
 */
export function ReconciliationPage() {
  const { t } = useI18n();
  const [from, setFrom] = useHashParam('from', depotDate(Date.now(), -29));
  const [to, setTo] = useHashParam('to', depotDate(Date.now()));
  const [channel, setChannel] = useHashParam('channel', '');
  const [merchant, setMerchant] = useHashParam('merchant', '');
  const q = useQuery(() => hqCall('hq.reconciliation', { from, to, channel: channel || undefined, merchantId: merchant || undefined }), [from, to, channel, merchant]);
  const channelName = (c: string) => (c === 'wechat' || c === 'alipay' ? t(`hq.recon.channel.${c}`) : c);
  return (
    <Flex vertical gap={16} data-testid="hq-reconciliation">
      <Flex align="center" gap={12} wrap>
        <Typography.Text>{t('hq.range')}</Typography.Text>
        <DatePicker.RangePicker
          allowClear={false}
          value={[dayjs(from), dayjs(to)]}
          onChange={(v) => {
            if (!v?.[0] || !v[1]) return;
            setFrom(v[0].format('YYYY-MM-DD'));
            setTo(v[1].format('YYYY-MM-DD'));
          }}
        />
        <Select
          style={{ width: 150 }}
          value={channel}
          onChange={setChannel}
          options={[
            { value: '', label: t('hq.recon.channel.all') },
            { value: 'wechat', label: t('hq.recon.channel.wechat') },
            { value: 'alipay', label: t('hq.recon.channel.alipay') },
          ]}
          aria-label={t('hq.recon.channel')}
        />
        <Input.Search
          style={{ width: 220 }}
          allowClear
          placeholder={t('hq.recon.merchant.placeholder')}
          defaultValue={merchant}
          onSearch={(v) => setMerchant(v.trim())}
          aria-label={t('hq.recon.merchant')}
        />
      </Flex>
      <Typography.Text type="secondary">{t('hq.recon.note')}</Typography.Text>
      <Card size="small">
        <Table<HqReconRow>
          size="small"
          rowKey={(r) => `${r.channel}|${r.merchantId ?? ''}|${r.day}`}
          loading={q.loading}
          dataSource={q.data?.rows ?? []}
          pagination={(q.data?.rows.length ?? 0) > 50 ? { pageSize: 50, showSizeChanger: false } : false}
          locale={{ emptyText: t('hq.recon.empty') }}
          data-testid="hq-recon-table"
          expandable={{ expandedRowRender: (r) => <DepotLines lines={r.depots} /> }}
          columns={[
            {
              title: t('hq.recon.col.account'),
              key: 'account',
              render: (_, r) => (
                <span>
                  {channelName(r.channel)} <Typography.Text code>{r.merchantId ?? '—'}</Typography.Text> {r.day}
                </span>
              ),
            },
            { title: t('hq.depots.count'), key: 'depots', align: 'right', width: 80, render: (_, r) => r.depots.length },
            { title: t('hq.recon.col.statementPayments'), key: 'pay', align: 'right', render: (_, r) => displayFen(r.totals.paymentTotalFen) },
            { title: t('hq.recon.col.statementRefunds'), key: 'refund', align: 'right', render: (_, r) => displayFen(r.totals.refundTotalFen) },
            { title: t('hq.recon.col.fees'), key: 'fee', align: 'right', render: (_, r) => displayFen(r.totals.feeTotalFen) },
            { title: t('hq.recon.col.booked'), key: 'booked', align: 'right', render: (_, r) => displayFen(r.totals.clearingInFen - r.totals.clearingOutFen) },
            { title: t('hq.recon.col.difference'), key: 'diff', align: 'right', render: (_, r) => <Difference fen={r.totals.differenceFen} /> },
          ]}
        />
      </Card>
    </Flex>
  );
}

function DepotLines({ lines }: { lines: DepotLine[] }) {
  const { t } = useI18n();
  return (
    <Table<DepotLine>
      size="small"
      rowKey={(l) => `${l.depotId}|${l.statementId}`}
      dataSource={lines}
      pagination={false}
      data-testid="hq-recon-depots"
      columns={[
        {
          title: t('hq.depot'),
          key: 'depot',
          render: (_, l) => (
            <span>
              <DepotName name={l.name} depotId={l.depotId} />
              {l.billDates.length > 1 && (
                <Tooltip title={t('hq.recon.multiDay', { n: l.billDates.length })}>
                  <Tag style={{ marginInlineStart: 6 }}>{t('hq.recon.days', { n: l.billDates.length })}</Tag>
                </Tooltip>
              )}
            </span>
          ),
        },
        { title: t('hq.recon.col.statementPayments'), dataIndex: 'paymentTotalFen', align: 'right', render: (f: number) => displayFen(f) },
        { title: t('hq.recon.col.statementRefunds'), dataIndex: 'refundTotalFen', align: 'right', render: (f: number) => displayFen(f) },
        { title: t('hq.recon.col.fees'), dataIndex: 'feeTotalFen', align: 'right', render: (f: number) => displayFen(f) },
        { title: t('hq.recon.col.net'), dataIndex: 'netFen', align: 'right', render: (f: number) => displayFen(f) },
        { title: t('hq.recon.col.booked'), key: 'booked', align: 'right', render: (_, l) => displayFen(l.clearingInFen - l.clearingOutFen) },
        { title: t('hq.recon.col.difference'), dataIndex: 'differenceFen', align: 'right', render: (f: number) => <Difference fen={f} /> },
      ]}
    />
  );
}
