import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Col, Empty, Flex, Row, Space, Spin, Typography } from 'antd';
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, useDepotEvents } from '../../api';
import { BrokerBadge } from '../../components/BrokerBadge';
import { useI18n } from '../../i18n';
import { useReportError } from '../../lib/errors';
import { useQuery } from '../../lib/useQuery';
import { SUPERVISORS, useSession } from '../../session';
import { StartSessionModal, type StartTarget } from '../sessions/StartSessionModal';
import { AddChargerModal, AddStationModal } from './AddForms';
import { ChargerCard, type CardActions } from './ChargerCard';
import { MessageLogDrawer } from './MessageLogDrawer';
import { chargerCondition, type Charger, type ChargerCondition } from './model';

// A fleet booting or a burst of StatusNotifications arrives as many events; one reload per burst.
const EVENT_DEBOUNCE_MS = 300;
const CONDITIONS: readonly ChargerCondition[] = ['online', 'faulted', 'maintenance', 'offline'];

/**
 * The Chargers page: every charger as a card, grouped by station, kept live by the core's
 * charger.status and broker.state events; maintenance switch, remote start/stop, the message log.
 */
export default function ChargersPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const report = useReportError();
  const stations = useQuery(() => api.stations.list());
  const chargers = useQuery(() => api.chargers.list({}));
  const broker = useQuery(() => api.broker.status());
  const [logOf, setLogOf] = useState<string | null>(null);
  const [logVersion, setLogVersion] = useState(0);
  const [adding, setAdding] = useState<'station' | 'charger' | null>(null);
  const [startAt, setStartAt] = useState<StartTarget | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const supervisor = can(SUPERVISORS);

  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useDepotEvents(['charger.status', 'broker.state', 'session.updated'], (e) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      void chargers.reload();
      if (e.type === 'broker.state') void broker.reload();
      // The log of the charger on screen grows with every frame it exchanges.
      setLogVersion((v) => v + 1);
    }, EVENT_DEBOUNCE_MS);
  });

  const groups = useMemo(() => {
    const byStation = new Map<string, { name: string; chargers: Charger[] }>();
    for (const s of stations.data ?? []) byStation.set(s.id, { name: s.name, chargers: [] });
    const loose: Charger[] = [];
    for (const c of chargers.data ?? []) {
      const g = c.stationId ? byStation.get(c.stationId) : undefined;
      if (g) g.chargers.push(c);
      else loose.push(c);
    }
    const list = [...byStation].map(([id, g]) => ({ id, ...g }));
    if (loose.length > 0) list.push({ id: '', name: t('chargers.noStation'), chargers: loose });
    return list;
  }, [stations.data, chargers.data, t]);

  const counts = useMemo(() => {
    const c: Record<ChargerCondition, number> = { online: 0, offline: 0, faulted: 0, maintenance: 0 };
    for (const ch of chargers.data ?? []) c[chargerCondition(ch)] += 1;
    return c;
  }, [chargers.data]);

  async function setMaintenance(charger: Charger, on: boolean) {
    setBusy(charger.id);
    try {
      const r = await api.chargers.setMaintenance({ id: charger.id, maintenance: on });
      void message.success(
        t(on ? 'chargers.maintenanceOn' : 'chargers.maintenanceOff', { id: charger.id }) + ' · ' + t(`chargers.availability.${r.availability}`),
      );
      await chargers.reload();
    } catch (e) {
      report(e);
    } finally {
      setBusy(null);
    }
  }

  async function remoteStop(charger: Charger, connectorId: number) {
    setBusy(charger.id);
    try {
      const page = await api.sessions.list({ chargerId: charger.id, limit: 20 });
      const active = page.items.find((s) => s.connectorId === connectorId && ['PLACED', 'STARTING', 'CHARGING'].includes(s.state));
      if (!active) {
        void message.warning(t('chargers.noActiveSession', { id: charger.id, n: connectorId }));
        return;
      }
      const s = await api.sessions.stop({ id: active.id });
      void message.success(t('chargers.stopSent', { id: s.id }));
    } catch (e) {
      report(e);
    } finally {
      setBusy(null);
    }
  }

  const actions: CardActions = {
    busy: busy !== null,
    onMessages: (c) => setLogOf(c.id),
    onMaintenance: supervisor ? (c, on) => void setMaintenance(c, on) : undefined,
    onStart: (c, k) => setStartAt({ chargerId: c.id, connectorId: k.connectorId }),
    onStop: (c, k) => void remoteStop(c, k.connectorId),
  };

  const brokerState = broker.data?.state;
  const loading = (stations.loading && !stations.data) || (chargers.loading && !chargers.data);
  return (
    <Flex vertical gap="middle" data-testid="chargers-page">
      {brokerState && brokerState !== 'connected' && (
        <Alert
          type={brokerState === 'connecting' ? 'warning' : 'error'}
          showIcon
          data-testid="broker-banner"
          message={t('chargers.brokerDown', { state: t(`broker.${brokerState}`) })}
          description={t('chargers.brokerDownHint')}
        />
      )}
      <Flex justify="space-between" align="center" wrap gap="small">
        <Space size="large" wrap>
          {broker.data && <BrokerBadge state={broker.data.state} />}
          <Typography.Text type="secondary" data-testid="charger-counts">
            {CONDITIONS.map((c) => `${t(`chargers.condition.${c}`)} ${counts[c]}`).join(' · ')}
          </Typography.Text>
        </Space>
        <Space wrap>
          {supervisor && (
            <>
              <Button icon={<PlusOutlined />} onClick={() => setAdding('station')} data-testid="add-station">
                {t('chargers.addStation')}
              </Button>
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding('charger')} data-testid="add-charger">
                {t('chargers.addCharger')}
              </Button>
            </>
          )}
          <Button
            icon={<ReloadOutlined />}
            onClick={() => {
              void stations.reload();
              void chargers.reload();
              void broker.reload();
            }}
          >
            {t('common.refresh')}
          </Button>
        </Space>
      </Flex>

      {loading ? (
        <Flex justify="center" style={{ padding: 48 }}>
          <Spin />
        </Flex>
      ) : groups.length === 0 ? (
        <Empty description={t('chargers.empty')} data-testid="chargers-empty" />
      ) : (
        groups.map((g) => (
          <section key={g.id || 'none'} data-testid={`station-${g.name}`}>
            <Typography.Title level={5} style={{ margin: '0 0 8px' }}>
              {g.name} <Typography.Text type="secondary">({g.chargers.length})</Typography.Text>
            </Typography.Title>
            {g.chargers.length === 0 ? (
              <Typography.Text type="secondary">{t('chargers.stationEmpty')}</Typography.Text>
            ) : (
              <Row gutter={[12, 12]}>
                {g.chargers.map((c) => (
                  <Col key={c.id} xs={24} sm={12} lg={8} xxl={6}>
                    <ChargerCard charger={c} actions={actions} />
                  </Col>
                ))}
              </Row>
            )}
          </section>
        ))
      )}

      <AddStationModal
        open={adding === 'station'}
        onClose={() => setAdding(null)}
        onCreated={() => {
          setAdding(null);
          void stations.reload();
        }}
      />
      <AddChargerModal
        open={adding === 'charger'}
        stations={stations.data ?? []}
        defaultStation={stations.data?.length === 1 ? stations.data[0].id : undefined}
        onClose={() => setAdding(null)}
        onCreated={() => {
          setAdding(null);
          void stations.reload();
          void chargers.reload();
        }}
      />
      <MessageLogDrawer chargerId={logOf} version={logVersion} onClose={() => setLogOf(null)} />
      <StartSessionModal target={startAt} onClose={() => setStartAt(null)} onStarted={() => setStartAt(null)} />
    </Flex>
  );
}
