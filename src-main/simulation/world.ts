import type { Payload } from '../chargers';
import type { Prng } from './prng';

/**
 * The world outside the back office, as the simulation plays it: chargers with their own meters,
 * clocks (skewed) and network (dropped for hours or days), and what each has not yet told the
 * back office. It lives in the simulation's memory and survives the back office's crashes, as
 * real chargers do.
 */

/** What the simulation needs of a charger speaking OCPP over MQTT (chargers/simulator.ts's SimCharger is one). */
export interface ChargerPort {
  connect(): Promise<void>;
  boot(): Promise<Payload>;
  heartbeat(): Promise<Payload>;
  status(connectorId: number, status: string): Promise<Payload>;
  call(action: string, payload: Payload): Promise<Payload>;
  onCall(action: string, handler: (payload: Payload) => Payload): void;
  /** Loses the network without a goodbye. */
  drop(): void;
  close(): Promise<void>;
}

export interface ChargerPortOptions {
  id: string;
  password: string;
  brokerUrl: string;
  connectors: number;
  /** The charger's clock (its timestamps). */
  now: () => number;
}

/**
 * Makes the charger side. The simulation in src-main cannot reach chargers/simulator.ts (domains are
 * entered through their index.ts), so its entry point (scripts/simulate-depot.ts, the tests) passes it.
 */
export type ChargerFactory = (opts: ChargerPortOptions) => ChargerPort;

/** A transaction as the charger knows it. `txId` is null until the back office answered its StartTransaction. */
export interface SimTx {
  local: number;
  connectorId: number;
  idTag: string;
  txId: number | null;
  meterStartWh: number;
  meterWh: number;
  startAt: number;
  /** The back office asked to stop it (RemoteStopTransaction accepted). */
  stopRequested: boolean;
}

/** A message the charger still has to get answered, in the order it happened. */
export interface OutboxEntry {
  action: 'StartTransaction' | 'MeterValues' | 'StopTransaction';
  local: number;
  /** Built when sent: a meter or stop needs the transaction id the start's answer gives. */
  build(txId: number | null): Payload;
}

export interface ChargerModel {
  id: string;
  connectors: number;
  port: ChargerPort | null;
  online: boolean;
  /** The charger's clock minus the depot's, in ms. */
  skewMs: number;
  /** Each connector's energy register (Wh) and its transaction, if any. */
  registerWh: number[];
  active: (SimTx | null)[];
  outbox: OutboxEntry[];
  /** RemoteStartTransactions received and not yet acted on. */
  remoteStarts: { connectorId: number; idTag: string }[];
  /** While offline: the charger stays away at least until then (fake time). */
  offlineUntil: number;
  /** Fake time of the last message the back office got from it. */
  lastHeard: number;
  /** Local transaction numbers to their transaction id, once known. */
  txIds: Map<number, number>;
}

/** `local`: the charger's own number for the transaction, unique in the run. */
export function newTx(local: number, connectorId: number, idTag: string, registerWh: number, startAt: number): SimTx {
  return { local, connectorId, idTag, txId: null, meterStartWh: registerWh, meterWh: registerWh, startAt, stopRequested: false };
}

export function iso(at: number): string {
  return new Date(at).toISOString();
}

export function startPayload(tx: SimTx): Payload {
  return { connectorId: tx.connectorId, idTag: tx.idTag, meterStart: tx.meterStartWh, timestamp: iso(tx.startAt) };
}

export function meterPayload(connectorId: number, txId: number | null, wh: number, at: number): Payload {
  return {
    connectorId,
    ...(txId === null ? {} : { transactionId: txId }),
    meterValue: [
      {
        timestamp: iso(at),
        sampledValue: [{ value: String(wh), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh', location: 'Outlet' }],
      },
    ],
  };
}

export function stopPayload(txId: number, wh: number, at: number, reason: string): Payload {
  return { transactionId: txId, meterStop: wh, timestamp: iso(at), reason };
}

/**
 * The order an offline charger's outbox is replayed in: shuffled (late, out of order), some
 * messages twice or three times, but each transaction's start before its meters and stop (their
 * transaction id comes from the start's answer).
 */
export function replayOrder(prng: Prng, outbox: readonly OutboxEntry[]): OutboxEntry[] {
  const copies: OutboxEntry[] = [];
  for (const e of outbox) {
    const n = prng.chance(0.25) ? prng.int(2, 3) : 1;
    for (let i = 0; i < n; i += 1) copies.push(e);
  }
  const shuffled = prng.shuffle(copies);
  // Starts first, in their own shuffled order; then the rest as shuffled.
  return [...shuffled.filter((e) => e.action === 'StartTransaction'), ...shuffled.filter((e) => e.action !== 'StartTransaction')];
}
