import { useState } from 'react';
import { Alert, Button, Card, Col, Flex, Row, Statistic, Table, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, WalletOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { formatFen } from '../../lib/format';
import { maskPhone } from '../../lib/phone';
import { formatTime } from '../../lib/time';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { HoldsList } from './DebtsHolds';
import { StatementTable } from './StatementTable';
import { TopUpModal } from './TopUpModal';
import type { WalletShow } from './model';

/** One driver: wallet figures, the counter top-up, coupons, open holds and the statement (流水). */
export function DriverDetail({ driverId, version, onBack, onChanged }: { driverId: string; version: number; onBack(): void; onChanged(): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const [topUp, setTopUp] = useState(false);
  const wallet = useQuery(() => api.wallet.show({ driverId }), [driverId, version]);
  const w = wallet.data;

  return (
    <Flex vertical gap="middle" data-testid="ledger-driver">
      <Flex gap="small" align="center" wrap>
        <Button icon={<ArrowLeftOutlined />} onClick={onBack} data-testid="ledger-back">
          {t('ledger.backToList')}
        </Button>
        <Typography.Title level={4} style={{ margin: 0 }} data-testid="ledger-driver-name">
          {w?.driver.name ?? '…'}
        </Typography.Title>
        {w && <DriverPhone phone={w.driver.phone} revealable={can(SUPERVISORS)} />}
        {w?.driver.tags.map((tag) => (
          <Tag key={tag.tag}>{tag.tag}</Tag>
        ))}
        <Button type="primary" icon={<WalletOutlined />} disabled={!w} onClick={() => setTopUp(true)} data-testid="ledger-topup">
          {t('ledger.topup')}
        </Button>
      </Flex>
      {w?.hasOpenDebt && <Alert type="warning" showIcon message={t('ledger.openDebt', { amount: formatFen(w.debt.owed.fen) })} data-testid="ledger-open-debt" />}
      <WalletFigures wallet={w} loading={wallet.loading && !w} />
      <Card size="small" title={t('ledger.statement')}>
        <StatementTable driverId={driverId} version={version} />
      </Card>
      {w && w.holds.length > 0 && (
        <Card size="small" title={t('ledger.tab.holds')}>
          <HoldsList holds={w.holds} onChanged={onChanged} showDriver={false} />
        </Card>
      )}
      <Card size="small" title={t('ledger.coupons')}>
        <Table
          rowKey="couponId"
          size="small"
          pagination={false}
          dataSource={w?.coupons ?? []}
          locale={{ emptyText: t('ledger.noCoupons') }}
          columns={[
            { title: t('ledger.col.face'), key: 'face', render: (_, c) => formatFen(c.face.fen) },
            { title: t('ledger.col.remaining'), key: 'remaining', render: (_, c) => formatFen(c.remaining.fen) },
            { title: t('ledger.col.expiresAt'), dataIndex: 'expiresAt', render: (at: number | null) => (at ? formatTime(at) : '—') },
            {
              title: t('ledger.col.status'),
              dataIndex: 'status',
              render: (s: 'active' | 'used' | 'expired') => (
                <Tag color={s === 'active' ? 'green' : undefined}>
                  {t(s === 'active' ? 'ledger.couponStatus.active' : s === 'used' ? 'ledger.couponStatus.used' : 'ledger.couponStatus.expired')}
                </Tag>
              ),
            },
            { title: t('ledger.col.couponSource'), dataIndex: 'campaignId', render: (c: string | null) => <CouponSource campaignId={c} /> },
          ]}
        />
      </Card>
      {w && <TopUpModal open={topUp} driver={{ id: w.driver.id, name: w.driver.name, phone: w.driver.phone }} onClose={() => setTopUp(false)} onDone={onChanged} />}
    </Flex>
  );
}

/** A compensation campaign's id (a ULID), as the core records it on the coupons it granted. */
const CAMPAIGN_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Where a coupon came from: a compensation campaign by its name (read when shown; "补偿活动" until
 * then, or when it cannot be read), any other grant by the label it was given (a package, a
 * welcome gift), nothing when it has none. Never the campaign's id.
 */
export function CouponSource({ campaignId }: { campaignId: string | null }) {
  const { t } = useI18n();
  const isCampaign = campaignId !== null && CAMPAIGN_ID.test(campaignId);
  const campaign = useQuery(async () => (isCampaign ? (await api.compensation.get({ campaignId: campaignId! })).name : null), [campaignId]);
  if (!campaignId) return <>—</>;
  if (!isCampaign) return <>{campaignId}</>;
  return <>{campaign.data ?? t('ledger.couponSource.campaign')}</>;
}

/**
 * The driver's phone in the page's header: masked (138****5678) like every other screen, since the
 * page is read at the counter and over shoulders. A supervisor or admin who needs to call the driver
 * shows the whole number on purpose (显示完整号码), and hides it again; an operator cannot.
 */
export function DriverPhone({ phone, revealable }: { phone: string; revealable: boolean }) {
  const { t } = useI18n();
  const [shown, setShown] = useState(false);
  const whole = revealable && shown;
  return (
    <Flex gap={4} align="center">
      <Typography.Text type="secondary" data-testid="ledger-driver-phone">
        {whole ? phone : maskPhone(phone)}
      </Typography.Text>
      {revealable && (
        <Button type="link" size="small" onClick={() => setShown(!shown)} data-testid="ledger-driver-phone-reveal">
          {t(whole ? 'ledger.phone.conceal' : 'ledger.phone.reveal')}
        </Button>
      )}
    </Flex>
  );
}

function WalletFigures({ wallet, loading }: { wallet: WalletShow | undefined; loading: boolean }) {
  const { t } = useI18n();
  const cards: { key: string; title: string; value: string; danger?: boolean }[] = wallet
    ? [
        { key: 'balance', title: t('ledger.wallet.balance'), value: formatFen(wallet.wallet.balance.fen) },
        { key: 'held', title: t('ledger.wallet.held'), value: formatFen(wallet.wallet.held.fen) },
        { key: 'available', title: t('ledger.wallet.available'), value: formatFen(wallet.wallet.available.fen) },
        { key: 'debt', title: t('ledger.wallet.debt'), value: formatFen(wallet.debt.owed.fen), danger: wallet.debt.owed.fen > 0 },
        { key: 'coupons', title: t('ledger.wallet.coupons'), value: formatFen(wallet.couponsAvailable.fen) },
        { key: 'points', title: t('ledger.wallet.points'), value: String(wallet.points) },
      ]
    : [];
  return (
    <Row gutter={[12, 12]}>
      {(loading ? Array.from({ length: 6 }, (_, i) => ({ key: String(i), title: '', value: '' })) : cards).map((c) => (
        <Col key={c.key} xs={12} sm={8} lg={4}>
          <Card size="small" loading={loading} data-testid={`ledger-wallet-${c.key}`}>
            <Statistic title={c.title} value={c.value} valueStyle={'danger' in c && c.danger ? { color: '#cf1322' } : undefined} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}
