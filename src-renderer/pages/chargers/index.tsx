import { useEffect, useRef, useState } from 'react';
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
import { MaintenanceModal, type MaintenanceTarget } from './MaintenanceModal';
import { MessageLogDrawer } from './MessageLogDrawer';
import { chargerCondition, type BrokerStatus, type Charger, type ChargerCondition, type Station } from './model';

// A fleet booting or a burst of StatusNotifications arrives as many events; one reload per burst.
const EVENT_DEBOUNCE_MS = 300;
const CONDITIONS: readonly ChargerCondition[] = ['online', 'faulted', 'maintenance', 'offline'];
const ACTIVE_STATES = ['PLACED', 'STARTING', 'CHARGING'];

interface StationGroup {
  id: string;
  name: string;
  chargers: Charger[];
}

/**
 * The Chargers page: every charger as a card, grouped by station, kept live by the core's
 * charger.status and broker.state events; maintenance switch, remote start/stop, the message log.
 */
export default function ChargersPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const stations = useQuery(() => api.stations.list());
  const chargers = useQuery(() => api.chargers.list({}));
  const broker = useQuery(() => api.broker.status());
  const [logOf, setLogOf] = useState<string | null>(null);
  const [adding, setAdding] = useState<'station' | 'charger' | null>(null);
  const [startAt, setStartAt] = useState<StartTarget | null>(null);
  const [switching, setSwitching] = useState<MaintenanceTarget | null>(null);
  const supervisor = can(SUPERVISORS);
  const logVersion = useLiveReload(
    () => void chargers.reload(),
    () => void broker.reload(),
  );
  const actions = useCardActions({ supervisor, onMaintenance: (charger, on) => setSwitching({ charger, on }), onMessages: (c) => setLogOf(c.id), onStart: setStartAt });

  const groups = stationGroups(stations.data ?? [], chargers.data ?? [], t('chargers.noStation'));
  const loading = (stations.loading && !stations.data) || (chargers.loading && !chargers.data);
  return (
    <Flex vertical gap="middle" data-testid="chargers-page">
      <BrokerBanner broker={broker.data} />
      <ChargersToolbar
        broker={broker.data}
        chargers={chargers.data ?? []}
        supervisor={supervisor}
        onAdd={setAdding}
        onRefresh={() => {
          void stations.reload();
          void chargers.reload();
          void broker.reload();
        }}
      />
      {loading ? (
        <Flex justify="center" style={{ padding: 48 }}>
          <Spin />
        </Flex>
      ) : groups.length === 0 ? (
        <Empty description={t('chargers.empty')} data-testid="chargers-empty" />
      ) : (
        groups.map((g) => <StationSection key={g.id || 'none'} group={g} actions={actions} />)
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
      <MaintenanceModal target={switching} onClose={() => setSwitching(null)} onDone={() => (setSwitching(null), void chargers.reload())} />
    </Flex>
  );
}

/** Chargers by station in the stations' order; chargers of no known station last, under `looseName`. */
function stationGroups(stations: readonly Station[], chargers: readonly Charger[], looseName: string): StationGroup[] {
  const byStation = new Map<string, { name: string; chargers: Charger[] }>();
  for (const s of stations) byStation.set(s.id, { name: s.name, chargers: [] });
  const loose: Charger[] = [];
  for (const c of chargers) {
    const g = c.stationId ? byStation.get(c.stationId) : undefined;
    if (g) g.chargers.push(c);
    else loose.push(c);
  }
  const list = [...byStation].map(([id, g]) => ({ id, ...g }));
  if (loose.length > 0) list.push({ id: '', name: looseName, chargers: loose });
  return list;
}

function conditionCounts(chargers: readonly Charger[]): Record<ChargerCondition, number> {
  const c: Record<ChargerCondition, number> = { online: 0, offline: 0, faulted: 0, maintenance: 0 };
  for (const ch of chargers) c[chargerCondition(ch)] += 1;
  return c;
}

/**
 * Reloads the chargers (and the broker on broker.state) once per burst of events; returns the
 * message log's version, which moves with every burst since the charger on screen exchanged frames.
 */
function useLiveReload(reloadChargers: () => void, reloadBroker: () => void): number {
  const [logVersion, setLogVersion] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useDepotEvents(['charger.status', 'broker.state', 'session.updated'], (e) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      reloadChargers();
      if (e.type === 'broker.state') reloadBroker();
      setLogVersion((v) => v + 1);
    }, EVENT_DEBOUNCE_MS);
  });
  return logVersion;
}

/** What a card can do: maintenance (supervisors), the message log, a walk-in start, a remote stop. */
function useCardActions({
  supervisor,
  onMaintenance,
  onMessages,
  onStart,
}: {
  supervisor: boolean;
  onMaintenance: (c: Charger, on: boolean) => void;
  onMessages: (c: Charger) => void;
  onStart: (target: StartTarget) => void;
}): CardActions {
  const { t } = useI18n();
  const { message } = App.useApp();
  const report = useReportError();
  const [busy, setBusy] = useState<string | null>(null);

  async function guarded(charger: Charger, fn: () => Promise<void>) {
    setBusy(charger.id);
    try {
      await fn();
    } catch (e) {
      report(e);
    } finally {
      setBusy(null);
    }
  }

  const remoteStop = (charger: Charger, connectorId: number) =>
    guarded(charger, async () => {
      const page = await api.sessions.list({ chargerId: charger.id, limit: 20 });
      const active = page.items.find((s) => s.connectorId === connectorId && ACTIVE_STATES.includes(s.state));
      if (!active) {
        void message.warning(t('chargers.noActiveSession', { id: charger.id, n: connectorId }));
        return;
      }
      const s = await api.sessions.stop({ id: active.id });
      void message.success(t('chargers.stopSent', { id: s.id }));
    });

  return {
    busy: busy !== null,
    onMessages,
    onMaintenance: supervisor ? onMaintenance : undefined,
    onStart: (c, k) => onStart({ chargerId: c.id, connectorId: k.connectorId }),
    onStop: (c, k) => void remoteStop(c, k.connectorId),
  };
}

function BrokerBanner({ broker }: { broker: BrokerStatus | undefined }) {
  const { t } = useI18n();
  const state = broker?.state;
  if (!state || state === 'connected') return null;
  return (
    <Alert
      type={state === 'connecting' ? 'warning' : 'error'}
      showIcon
      data-testid="broker-banner"
      message={t('chargers.brokerDown', { state: t(`broker.${state}`) })}
      description={t('chargers.brokerDownHint')}
    />
  );
}

function ChargersToolbar({
  broker,
  chargers,
  supervisor,
  onAdd,
  onRefresh,
}: {
  broker: BrokerStatus | undefined;
  chargers: readonly Charger[];
  supervisor: boolean;
  onAdd: (what: 'station' | 'charger') => void;
  onRefresh: () => void;
}) {
  const { t } = useI18n();
  const counts = conditionCounts(chargers);
  return (
    <Flex justify="space-between" align="center" wrap gap="small">
      <Space size="large" wrap>
        {broker && <BrokerBadge state={broker.state} />}
        <Typography.Text type="secondary" data-testid="charger-counts">
          {CONDITIONS.map((c) => `${t(`chargers.condition.${c}`)} ${counts[c]}`).join(' · ')}
        </Typography.Text>
      </Space>
      <Space wrap>
        {supervisor && (
          <>
            <Button icon={<PlusOutlined />} onClick={() => onAdd('station')} data-testid="add-station">
              {t('chargers.addStation')}
            </Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => onAdd('charger')} data-testid="add-charger">
              {t('chargers.addCharger')}
            </Button>
          </>
        )}
        <Button icon={<ReloadOutlined />} onClick={onRefresh}>
          {t('common.refresh')}
        </Button>
      </Space>
    </Flex>
  );
}

function StationSection({ group: g, actions }: { group: StationGroup; actions: CardActions }) {
  const { t } = useI18n();
  return (
    <section data-testid={`station-${g.name}`}>
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
  );
}
