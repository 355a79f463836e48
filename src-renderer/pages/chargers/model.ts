import type { MethodOutput } from '../../../src-main/contract/types';

export type Charger = MethodOutput<'chargers.list'>[number];
export type Connector = Charger['connectors'][number];
export type Station = MethodOutput<'stations.list'>[number];
export type ChargerMessage = MethodOutput<'chargers.messages'>['items'][number];
export type BrokerStatus = MethodOutput<'broker.status'>;

/** What the operator needs first about a charger; maintenance wins because it was their decision. */
export type ChargerCondition = 'maintenance' | 'offline' | 'faulted' | 'online';

export function chargerCondition(c: Charger): ChargerCondition {
  if (c.maintenance) return 'maintenance';
  if (!c.online) return 'offline';
  if (c.status === 'Faulted' || c.connectors.some((k) => k.faulted)) return 'faulted';
  return 'online';
}

export const CONDITION_COLOR: Record<ChargerCondition, string> = {
  online: '#52c41a',
  offline: '#8c8c8c',
  faulted: '#f5222d',
  maintenance: '#fa8c16',
};

/** antd Tag colours for the OCPP 1.6 connector statuses; an unknown status shows uncoloured. */
const CONNECTOR_COLOR: Record<string, string> = {
  Available: 'green',
  Preparing: 'cyan',
  Charging: 'blue',
  SuspendedEV: 'gold',
  SuspendedEVSE: 'orange',
  Finishing: 'purple',
  Reserved: 'geekblue',
  Unavailable: 'default',
  Faulted: 'red',
};

export function connectorColor(status: string | null): string {
  return (status && CONNECTOR_COLOR[status]) || 'default';
}

/** A connector a new session may start on, as far as the charger last told us. */
export function connectorStartable(c: Charger, k: Connector): boolean {
  return c.online && !c.maintenance && !k.faulted && (k.status === null || k.status === 'Available' || k.status === 'Preparing');
}

/** A connector with a car on it, so a remote stop makes sense. */
export function connectorBusy(k: Connector): boolean {
  return k.status === 'Charging' || k.status === 'SuspendedEV' || k.status === 'SuspendedEVSE';
}

/** An error code worth showing (OCPP says NoError when there is none). */
export function realError(code: string | null): string | null {
  return code && code !== 'NoError' ? code : null;
}
