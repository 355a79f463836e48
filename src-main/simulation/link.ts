import { ChargerCallError, type Payload } from '../chargers';
import type { SimDepot } from './depot-sim';
import { replayOrder, type ChargerModel, type OutboxEntry } from './world';

/**
 * The chargers' side of the link: connecting a charger to the depot's broker (boot, statuses, then
 * everything it could not send while away), and sending its transaction messages — at once when it
 * is online, into its outbox when it is not.
 */

export const CHARGER_PASSWORD = 'sim-charger-secret';

/** The charger's own clock: the depot's plus its skew. */
export function chargerNow(sim: SimDepot, c: ChargerModel): number {
  return sim.clock.now() + c.skewMs;
}

export async function connectCharger(sim: SimDepot, c: ChargerModel): Promise<void> {
  const port = sim.factory({ id: c.id, password: CHARGER_PASSWORD, brokerUrl: sim.brokerUrl(), connectors: c.connectors, now: () => chargerNow(sim, c) });
  port.onCall('RemoteStartTransaction', (p) => {
    const connectorId = p.connectorId as number;
    if (c.active[connectorId] || c.remoteStarts.some((r) => r.connectorId === connectorId)) return { status: 'Rejected' };
    c.remoteStarts.push({ connectorId, idTag: p.idTag as string });
    return { status: 'Accepted' };
  });
  port.onCall('RemoteStopTransaction', (p) => {
    const tx = c.active.find((t) => t !== null && t.txId === p.transactionId);
    if (!tx) return { status: 'Rejected' };
    tx.stopRequested = true;
    return { status: 'Accepted' };
  });
  await port.connect();
  c.port = port;
  c.online = true;
  await port.boot();
  for (let k = 1; k <= c.connectors; k += 1) await port.status(k, c.active[k] ? 'Charging' : 'Available');
  c.lastHeard = sim.clock.now();
  await replayOutbox(sim, c);
}

/** The charger loses its network (the depot keeps thinking it online until its heartbeats are missed). */
export async function dropCharger(c: ChargerModel): Promise<void> {
  const port = c.port;
  c.port = null;
  c.online = false;
  if (!port) return;
  port.drop();
  // Its calls still waiting for an answer fail now rather than on a real-time timer.
  await port.close().catch(() => undefined);
}

/** Sends one CALL and waits for its answer; a CALLERROR is counted and returned as null. */
async function call(sim: SimDepot, c: ChargerModel, action: string, payload: Payload): Promise<Payload | null> {
  if (!c.port) throw new Error(`charger ${c.id} has no connection`);
  try {
    const answer = await c.port.call(action, payload);
    c.lastHeard = sim.clock.now();
    return answer;
  } catch (e) {
    if (e instanceof ChargerCallError) {
      // The back office answered with a CALLERROR: the message was refused (and logged there).
      sim.count(`callerror:${action}:${e.errorCode}`);
      c.lastHeard = sim.clock.now();
      return null;
    }
    throw e;
  }
}

function noteAnswer(c: ChargerModel, e: OutboxEntry, answer: Payload | null): void {
  if (e.action !== 'StartTransaction' || !answer || typeof answer.transactionId !== 'number') return;
  c.txIds.set(e.local, answer.transactionId);
  const tx = c.active.find((t) => t !== null && t.local === e.local);
  if (tx) tx.txId = answer.transactionId;
}

/** Delivers a transaction message: now if the charger is online, else later, from its outbox. */
export async function deliver(sim: SimDepot, c: ChargerModel, e: OutboxEntry): Promise<'sent' | 'queued'> {
  const txId = e.action === 'StartTransaction' ? null : (c.txIds.get(e.local) ?? null);
  if (!c.online || !c.port || (e.action !== 'StartTransaction' && txId === null)) {
    c.outbox.push(e);
    return 'queued';
  }
  // The network's faults: now and then a message is lost on the way (the charger sends it again
  // later, unanswered messages are kept) or arrives twice.
  const fate = sim.prng.weighted({ once: 92, lost: 4, twice: 4 });
  if (fate === 'lost') {
    sim.count('network:lost');
    c.outbox.push(e);
    return 'queued';
  }
  noteAnswer(c, e, await call(sim, c, e.action, e.build(txId)));
  if (fate === 'twice') {
    sim.count('network:duplicated');
    noteAnswer(c, e, await call(sim, c, e.action, e.build(txId)));
  }
  return 'sent';
}

/** Sends a message and returns without waiting for its answer: the crash that follows may or may not let it land. */
export function sendWithoutWaiting(sim: SimDepot, c: ChargerModel, e: OutboxEntry): void {
  // Kept in the outbox until answered, as a charger does; the restart sends it again.
  c.outbox.push(e);
  const txId = e.action === 'StartTransaction' ? null : (c.txIds.get(e.local) ?? null);
  if (!c.port || (e.action !== 'StartTransaction' && txId === null)) return;
  c.port.call(e.action, e.build(txId)).catch(() => undefined);
}

/** Everything the charger could not send while away: late, shuffled, some of it more than once. */
export async function replayOutbox(sim: SimDepot, c: ChargerModel): Promise<number> {
  const entries = replayOrder(sim.prng, c.outbox);
  c.outbox = [];
  for (const e of entries) {
    const txId = e.action === 'StartTransaction' ? null : (c.txIds.get(e.local) ?? null);
    if (e.action !== 'StartTransaction' && txId === null) {
      // Its start was refused with a CALLERROR: the charger has no transaction id to send it with.
      sim.count('replay:no-transaction-id');
      continue;
    }
    noteAnswer(c, e, await call(sim, c, e.action, e.build(txId)));
  }
  return entries.length;
}
