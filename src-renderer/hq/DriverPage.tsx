import { useState } from 'react';
import { Alert, Card, Col, Empty, Flex, Input, Row, Statistic, Table, Typography } from 'antd';
import { useI18n } from '../i18n';
import { displayFen } from '../lib/format';
import { maskPhone } from '../lib/phone';
import { useHashParam } from '../lib/route';
import { formatTime } from '../lib/time';
import { useQuery } from '../lib/useQuery';
import { hqCall, type HqDriver, type HqDriverLine } from './api';
import { DepotName } from './DepotsPage';

/**
 * 司机: one driver across depots, found by the full phone number and linked by it, each depot's
 * wallet on its own line. The number is masked on screen (138****1111) as on the depot's screens;
 * the search box takes the full number.
 */
export function DriverPage() {
  const { t } = useI18n();
  const [phone, setPhone] = useHashParam('phone', '');
  const [typed, setTyped] = useState('');
  const found = useQuery<HqDriver | null>(() => (phone ? hqCall('hq.driver', { phone }) : Promise.resolve(null)), [phone]);
  const d = found.data;
  return (
    <Flex vertical gap={16} data-testid="hq-driver">
      <Card size="small">
        <Flex vertical gap={8}>
          <Input.Search
            style={{ maxWidth: 360 }}
            placeholder={t('hq.driver.search')}
            enterButton={t('hq.driver.find')}
            value={typed}
            inputMode="tel"
            autoComplete="off"
            onChange={(e) => setTyped(e.target.value)}
            onSearch={(v) => {
              const p = v.trim();
              if (p) setPhone(p);
              // The full number leaves the box once searched; the page shows it masked.
              setTyped('');
            }}
            data-testid="hq-driver-search"
          />
          <Typography.Text type="secondary">{t('hq.driver.hint')}</Typography.Text>
        </Flex>
      </Card>
      {d && d.lines.length === 0 && <Alert type="info" showIcon message={t('hq.driver.none')} data-testid="hq-driver-none" />}
      {d && d.lines.length > 0 && <DriverFound d={d} />}
      {!d && !found.loading && !phone && <Empty description={t('hq.driver.hint')} image={Empty.PRESENTED_IMAGE_SIMPLE} />}
    </Flex>
  );
}

function DriverFound({ d }: { d: HqDriver }) {
  const { t } = useI18n();
  return (
    <>
      <Row gutter={16}>
        <Col flex="1">
          <Card size="small">
            <Statistic title={t('hq.driver.phone')} value={maskPhone(d.phone)} data-testid="hq-driver-phone" />
          </Card>
        </Col>
        <Col flex="1">
          <Card size="small">
            <Statistic title={t('hq.driver.depots')} value={d.totals.depots} />
          </Card>
        </Col>
        <Col flex="1">
          <Card size="small">
            <Statistic title={t('hq.driver.balance')} value={displayFen(d.totals.balanceFen)} data-testid="hq-driver-balance" />
          </Card>
        </Col>
        <Col flex="1">
          <Card size="small">
            <Statistic title={t('hq.driver.topUps')} value={displayFen(d.totals.topUpsFen)} />
          </Card>
        </Col>
        <Col flex="1">
          <Card size="small">
            <Statistic title={t('hq.driver.charges')} value={displayFen(d.totals.chargesFen)} />
          </Card>
        </Col>
      </Row>
      <Card size="small">
        <Table<HqDriverLine>
          size="small"
          rowKey={(l) => `${l.depotId}|${l.driverId}`}
          dataSource={d.lines}
          pagination={false}
          data-testid="hq-driver-lines"
          columns={[
            { title: t('hq.depot'), key: 'depot', render: (_, l) => <DepotName name={l.name} depotId={l.depotId} /> },
            { title: t('hq.driver.col.name'), key: 'driver', render: (_, l) => `${l.driverName ?? ''} ${maskPhone(l.phone)}`.trim() },
            {
              title: t('hq.driver.col.topUps'),
              key: 'topUps',
              align: 'right',
              render: (_, l) => `${displayFen(l.topUpsFen)} · ${t('hq.driver.times', { n: l.topUps })}`,
            },
            {
              title: t('hq.driver.col.charges'),
              key: 'charges',
              align: 'right',
              render: (_, l) => `${displayFen(l.chargesFen)} · ${t('hq.driver.times', { n: l.charges })}`,
            },
            {
              title: t('hq.driver.col.balance'),
              dataIndex: 'balanceFen',
              align: 'right',
              render: (f: number) => <Typography.Text strong>{displayFen(f)}</Typography.Text>,
            },
            { title: t('hq.driver.col.lastAt'), dataIndex: 'lastAt', render: (at: number | null) => (at === null ? '—' : formatTime(at, 'YYYY-MM-DD HH:mm')) },
          ]}
        />
      </Card>
    </>
  );
}
