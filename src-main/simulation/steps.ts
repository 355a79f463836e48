import { grantCoupon, grantPoints, listCoupons, topUp, walletView } from '../ledger';
import { approveReview, listSessions, requireSession, reviewQueue, startSession, stopSession } from '../sessions';
import { createOrder, iterateOrders, simulateCustomerPaid, simulatedProvider, type PaymentChannel } from '../payments';
import { formatFen } from '../money';
import { adjustmentLimit, approveAdjustment, createAdjustment, rejectAdjustment } from '../refunds';
import type { SimDepot } from './depot-sim';
import { refusedOr } from './outcome';
import { campaignReversalStep, campaignStep, forceCloseStep, refundTaskStep } from './supervisor';
import { chargerNow, connectCharger, deliver, dropCharger, replayOutbox, sendWithoutWaiting } from './link';
import { meterPayload, newTx, startPayload, stopPayload, type ChargerModel, type OutboxEntry, type SimTx } from './world';

/**
 * The kinds of step and how often each is drawn. Each step first lets fake time pass (10 s to 8
 * min; the chargers that are online send their heartbeats and the due jobs run, as the app's
 * scheduler would), then does one thing a driver, a charger, an operator or fate does.
 */
export const STEP_WEIGHTS = {
  topUp: 6,
  operatorStart: 14,
  cardStart: 8,
  lateStart: 2,
  meter: 18,
  chargerStop: 10,
  operatorStop: 4,
  chargerOffline: 2,
  chargerOnline: 4,
  reboot: 1,
  skew: 1,
  orderCreate: 6,
  orderPay: 6,
  grant: 2,
  campaign: 1,
  campaignReversal: 0.5,
  adjustment: 2,
  refundTask: 0.5,
  review: 2,
  forceClose: 1,
  crash: 1.5,
  quiet: 5,
} as const;

export type StepKind = keyof typeof STEP_WEIGHTS;

/** How long (real time) a message's round trip through the broker may take before the run calls the link stuck. */
const ROUND_TRIP_LIMIT_MS = 15_000;
const HEARTBEAT_EVERY_MS = 10 * 60_000;

async function until(what: () => boolean, description: string): Promise<void> {
  for (let waited = 0; !what(); waited += 2) {
    if (waited >= ROUND_TRIP_LIMIT_MS) throw new Error(`still waiting after ${ROUND_TRIP_LIMIT_MS / 1000} s (real time): ${description}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function letTimePass(sim: SimDepot, ms: number): Promise<void> {
  sim.clock.advance(ms);
  const now = sim.clock.now();
  await Promise.all(
    sim.chargers
      .filter((c) => c.online && c.port && now - c.lastHeard >= HEARTBEAT_EVERY_MS)
      .map(async (c) => {
        await c.port!.heartbeat();
        c.lastHeard = now;
      }),
  );
  // A charger online again sends what is still unanswered (a message lost on the way, one whose start was lost).
  for (const c of sim.chargers) if (c.online && c.port && c.outbox.length > 0) await replayOutbox(sim, c);
  await sim.runDueJobs();
}

export async function runStep(sim: SimDepot, kind: StepKind): Promise<string> {
  await letTimePass(sim, sim.prng.int(10, 480) * 1_000);
  sim.count(kind);
  const description = await STEPS[kind](sim);
  await sim.settle();
  return `${kind}: ${description}`;
}

// --- charger side ------------------------------------------------------------------------------

function activeTxs(sim: SimDepot): { c: ChargerModel; tx: SimTx }[] {
  return sim.chargers.flatMap((c) => c.active.filter((t): t is SimTx => t !== null).map((tx) => ({ c, tx })));
}

function startEntry(tx: SimTx): OutboxEntry {
  const payload = startPayload(tx);
  return { action: 'StartTransaction', local: tx.local, build: () => payload };
}

function meterEntry(c: ChargerModel, tx: SimTx, wh: number, at: number): OutboxEntry {
  return { action: 'MeterValues', local: tx.local, build: (txId) => meterPayload(tx.connectorId, txId, wh, at) };
}

function stopEntry(tx: SimTx, wh: number, at: number, reason: string): OutboxEntry {
  return { action: 'StopTransaction', local: tx.local, build: (txId) => stopPayload(txId!, wh, at, reason) };
}

async function statusIfOnline(c: ChargerModel, connectorId: number, status: string): Promise<void> {
  if (c.online && c.port) await c.port.status(connectorId, status);
}

/** The charger begins a transaction on a connector; a start the back office does not authorize is stopped at once. */
async function beginTx(sim: SimDepot, c: ChargerModel, connectorId: number, idTag: string): Promise<string> {
  const tx = newTx(++sim.localTx, connectorId, idTag, c.registerWh[connectorId], chargerNow(sim, c));
  c.active[connectorId] = tx;
  const how = await deliver(sim, c, startEntry(tx));
  await statusIfOnline(c, connectorId, 'Charging');
  if (how === 'queued') return `started ${c.online ? '(the StartTransaction was lost on the way and is sent again later)' : 'offline (StartTransaction kept for later)'}`;
  if (tx.txId === null) {
    c.active[connectorId] = null;
    return 'StartTransaction refused (CALLERROR)';
  }
  return `transaction ${tx.txId} started`;
}

async function endTx(sim: SimDepot, c: ChargerModel, tx: SimTx, reason: string): Promise<string> {
  c.active[tx.connectorId] = null;
  const how = await deliver(sim, c, stopEntry(tx, tx.meterWh, chargerNow(sim, c), reason));
  await statusIfOnline(c, tx.connectorId, 'Available');
  return `${c.id}/${tx.connectorId} stopped (${reason}, ${tx.meterWh - tx.meterStartWh} Wh) ${how === 'queued' ? 'offline, kept for later' : 'and sent'}`;
}

function addEnergy(sim: SimDepot, c: ChargerModel, tx: SimTx): number {
  const wh = sim.prng.int(1, 16) * 500;
  tx.meterWh += wh;
  c.registerWh[tx.connectorId] = tx.meterWh;
  return wh;
}

function yuan(fen: number): string {
  return formatFen(fen);
}

// --- the steps ----------------------------------------------------------------------------------

const STEPS: Record<StepKind, (sim: SimDepot) => Promise<string>> = {
  async topUp(sim) {
    const d = sim.prng.pick(sim.drivers);
    const fen = sim.prng.int(1, 20) * 1_000;
    const r = await refusedOr(sim, 'topUp', () =>
      topUp(sim.app, { key: `sim:topup:${sim.step}`, driverId: d.id, amountFen: fen, channel: 'cash' }, { operatorId: sim.operator.id }),
    );
    return `${d.name} tops up ¥${yuan(fen)} in cash${r.ok ? '' : `, refused (${r.why})`}`;
  },

  async operatorStart(sim) {
    const c = sim.prng.pick(sim.chargers);
    const k = sim.prng.int(1, c.connectors);
    const d = sim.prng.pick(sim.drivers);
    const prepayFen = sim.prng.int(2, 10) * 1_000;
    const behaviour = sim.prng.weighted({ confirm: 75, never: 15, late: 10 });
    const what = `operator starts ${d.name} on ${c.id}/${k}, prepay ¥${yuan(prepayFen)}, the charger will ${behaviour === 'confirm' ? 'confirm' : behaviour === 'never' ? 'never confirm' : 'confirm late'}`;
    const r = await refusedOr(sim, 'operatorStart', () =>
      startSession(sim.app, { chargerId: c.id, connectorId: k, driver: d.id, prepay: yuan(prepayFen) }, { operatorId: sim.operator.id }),
    );
    if (!r.ok) return `${what}: refused (${r.why})`;
    const s = r.value;
    if (!c.online) return `${what}: the charger is away, the RemoteStart is lost`;
    const got = () => c.remoteStarts.some((x) => x.idTag === s.idTag);
    await until(() => got() || requireSession(sim.app, s.id).state === 'FAILED', `the RemoteStart of ${s.id} reaching ${c.id} or being refused`);
    if (!got()) return `${what}: the charger refused the RemoteStart`;
    if (behaviour === 'late') return `${what}: accepted, the start comes later`;
    c.remoteStarts = c.remoteStarts.filter((x) => x.idTag !== s.idTag);
    if (behaviour === 'never') return `${what}: accepted, then nothing`;
    return `${what}: ${await beginTx(sim, c, k, s.idTag)}`;
  },

  async lateStart(sim) {
    const waiting = sim.chargers.filter((c) => c.remoteStarts.length > 0);
    if (waiting.length === 0) return 'no late start waiting';
    const c = sim.prng.pick(waiting);
    const rs = c.remoteStarts.shift()!;
    if (c.active[rs.connectorId]) return `${c.id}/${rs.connectorId} is busy; the late start is dropped`;
    return `${c.id}/${rs.connectorId} starts late for ${rs.idTag}: ${await beginTx(sim, c, rs.connectorId, rs.idTag)}`;
  },

  async cardStart(sim) {
    const c = sim.prng.pick(sim.chargers);
    const k = sim.prng.int(1, c.connectors);
    const d = sim.prng.pick(sim.drivers);
    if (c.active[k] || c.remoteStarts.some((x) => x.connectorId === k)) return `${d.name} finds ${c.id}/${k} busy`;
    return `${d.name} swipes card ${d.tag} at ${c.id}/${k}${c.online ? '' : ' (charger offline)'}: ${await beginTx(sim, c, k, d.tag)}`;
  },

  async meter(sim) {
    const all = activeTxs(sim);
    if (all.length === 0) return 'no transaction to meter';
    const { c, tx } = sim.prng.pick(all);
    const wh = addEnergy(sim, c, tx);
    const how = await deliver(sim, c, meterEntry(c, tx, tx.meterWh, chargerNow(sim, c)));
    return `${c.id}/${tx.connectorId} meters +${wh} Wh (register ${tx.meterWh})${how === 'queued' ? ', kept for later' : ''}`;
  },

  async chargerStop(sim) {
    const all = activeTxs(sim);
    if (all.length === 0) return 'no transaction to stop';
    const asked = all.filter((x) => x.tx.stopRequested);
    const { c, tx } = asked.length > 0 && sim.prng.chance(0.7) ? sim.prng.pick(asked) : sim.prng.pick(all);
    if (sim.prng.chance(0.5)) addEnergy(sim, c, tx);
    const reason = tx.stopRequested ? 'Remote' : sim.prng.pick(['EVDisconnected', 'Local']);
    return endTx(sim, c, tx, reason);
  },

  async operatorStop(sim) {
    const charging = listSessions(sim.app, { state: 'CHARGING', limit: 1_000, offset: 0 })
      .items.filter((s) => sim.chargers.some((c) => c.id === s.chargerId && c.online))
      .sort((a, b) => a.createdAt - b.createdAt || a.chargerId.localeCompare(b.chargerId) || a.connectorId - b.connectorId);
    if (charging.length === 0) return 'no charging session on an online charger to stop';
    const s = sim.prng.pick(charging);
    const r = await refusedOr(sim, 'operatorStop', () => stopSession(sim.app, s.id, { operatorId: sim.operator.id }));
    const what = `operator stops the session on ${s.chargerId}/${s.connectorId}`;
    if (!r.ok) return `${what}: refused (${r.why})`;
    const c = sim.chargers.find((x) => x.id === s.chargerId)!;
    const tx = c.active.find((t) => t !== null && t.stopRequested && t.txId === s.transactionId);
    if (tx && sim.prng.chance(0.7)) return `${what}: ${await endTx(sim, c, tx, 'Remote')}`;
    return `${what}: accepted, the charger stops later`;
  },

  async chargerOffline(sim) {
    const online = sim.chargers.filter((c) => c.online);
    if (online.length === 0) return 'every charger is already away';
    const c = sim.prng.pick(online);
    // Mostly minutes to hours; sometimes days (the replay comes days late).
    const awayMs = sim.prng.chance(0.15) ? sim.prng.int(24, 60) * 3_600_000 : sim.prng.int(5, 240) * 60_000;
    c.offlineUntil = sim.clock.now() + awayMs;
    await dropCharger(c);
    return `${c.id} loses its network for at least ${Math.round(awayMs / 60_000)} min`;
  },

  async chargerOnline(sim) {
    const back = sim.chargers.filter((c) => !c.online && c.offlineUntil <= sim.clock.now());
    if (back.length === 0) return 'no charger due back';
    const c = sim.prng.pick(back);
    const pending = c.outbox.length;
    await connectCharger(sim, c);
    return `${c.id} is back and replays ${pending} message(s), shuffled and some twice`;
  },

  async reboot(sim) {
    const online = sim.chargers.filter((c) => c.online && c.port);
    if (online.length === 0) return 'no charger online to reboot';
    const c = sim.prng.pick(online);
    const ended: string[] = [];
    for (const tx of c.active) if (tx) ended.push(await endTx(sim, c, tx, 'Reboot'));
    c.remoteStarts = [];
    await c.port!.boot();
    for (let k = 1; k <= c.connectors; k += 1) await c.port!.status(k, 'Available');
    return `${c.id} reboots mid-session: ${ended.length > 0 ? ended.join('; ') : 'nothing was charging'}`;
  },

  async skew(sim) {
    const c = sim.prng.pick(sim.chargers);
    const sign = sim.prng.chance(0.5) ? 1 : -1;
    c.skewMs = sim.prng.chance(0.2) ? sign * sim.prng.int(30, 180) * 60_000 : sign * sim.prng.int(0, 600) * 1_000;
    return `${c.id}'s clock is now ${Math.round(c.skewMs / 1000)} s off`;
  },

  async orderCreate(sim) {
    const d = sim.prng.pick(sim.drivers);
    const amountFen = sim.prng.int(5, 30) * 1_000;
    const channel: PaymentChannel = sim.prng.pick(['wechat', 'alipay'] as const);
    const outcome = sim.prng.weighted({ success: 75, failure: 10, unknown: 15 });
    const coupons = listCoupons(sim.app, d.id).filter((c) => c.status === 'active');
    const couponId = coupons.length > 0 && sim.prng.chance(0.5) ? coupons[0].couponId : undefined;
    const points = walletView(sim.app, d.id).points >= 100 && sim.prng.chance(0.4) ? 100 : undefined;
    sim.nextOrderOutcome = outcome;
    const what = `${d.name} orders a ¥${yuan(amountFen)} top-up by ${channel}${couponId ? ' with a coupon' : ''}${points ? ' and 100 points' : ''}, gateway ${outcome}`;
    const r = await refusedOr(sim, 'orderCreate', () =>
      createOrder(sim.app, { driverId: d.id, amountFen, channel, couponId, points, key: `sim:order:${sim.step}` }, { operatorId: sim.operator.id }),
    );
    sim.nextOrderOutcome = null;
    if (!r.ok) return `${what}: refused (${r.why})`;
    const order = r.value;
    // The customer pays at once, later (an orderPay step, if before the timeout), or walks away.
    const then = sim.prng.weighted({ now: 55, later: 25, abandon: 20 });
    if (then !== 'now' || order.state !== 'PENDING_PAYMENT')
      return `${what}: order ${order.number} ${order.state}, the customer ${then === 'abandon' ? 'walks away' : 'pays later'}`;
    const paid = await refusedOr(sim, 'orderPay', () => simulateCustomerPaid(sim.app, order.id));
    return `${what}: order ${order.number}, paid at once: ${paid.ok ? paid.value.outcome : `refused (${paid.why})`}`;
  },

  async orderPay(sim) {
    // Late: a QR code kept from a cancelled order. The timeout closed it at the gateway, which refuses
    // the payment; one the gateway never knew (lost with a crashed depot's simulated gateway, or
    // refused at creation) still takes it, and it becomes an unmatched payment (长款).
    const late = sim.prng.chance(0.1);
    const orders = [...iterateOrders(sim.app, { state: late ? 'CANCELLED' : 'PENDING_PAYMENT' })].sort((a, b) => a.number.localeCompare(b.number));
    if (orders.length === 0) return late ? 'no cancelled order to pay late' : 'no order waiting for payment';
    const o = sim.prng.pick(orders);
    // The depot PC cannot count on the notification: a fifth of payments are taken at the gateway
    // and never announced; polling, or the close at the timeout, finds and books them.
    if (!late && sim.notifications.chance(0.2)) {
      const r = await refusedOr(sim, 'orderPay', () => simulatedProvider(sim.app, o.channel)!.pay(o.number, o.payable));
      if (r.ok) sim.count('orderPay:notificationLost');
      return `the customer pays order ${o.number}; the notification is lost: ${r.ok ? 'polling or the close will book it' : `refused (${r.why})`}`;
    }
    const r = await refusedOr(sim, 'orderPay', () => simulateCustomerPaid(sim.app, o.id));
    return `the customer pays order ${o.number}${late ? ' after it was cancelled' : ''}: ${r.ok ? r.value.outcome : `refused (${r.why})`}`;
  },

  async grant(sim) {
    const d = sim.prng.pick(sim.drivers);
    if (sim.prng.chance(0.5)) {
      const fen = sim.prng.int(1, 5) * 500;
      await refusedOr(sim, 'grant', () => grantCoupon(sim.app, { key: `sim:coupon:${sim.step}`, driverId: d.id, amountFen: fen }, { operatorId: sim.operator.id }));
      return `${d.name} gets a ¥${yuan(fen)} coupon`;
    }
    const points = sim.prng.int(1, 5) * 100;
    await refusedOr(sim, 'grant', () => grantPoints(sim.app, { key: `sim:points:${sim.step}`, driverId: d.id, points }, { operatorId: sim.operator.id }));
    return `${d.name} gets ${points} points`;
  },

  campaign: campaignStep,

  campaignReversal: campaignReversalStep,

  forceClose: forceCloseStep,

  refundTask: refundTaskStep,

  async adjustment(sim) {
    // A refund (售后退款) of part of a settled session or a paid order, raised by the operator; a supervisor approves or rejects it.
    const onOrder = sim.prng.chance(0.5);
    const sessions = onOrder ? [] : listSessions(sim.app, { state: 'PAID', limit: 1_000_000, offset: 0 }).items;
    const orders = onOrder ? [...iterateOrders(sim.app, { state: 'PAID' })] : [];
    type Ref = ({ orderId: string } | { sessionId: string }) & { label: string };
    const refs: Ref[] = onOrder
      ? orders.sort((a, b) => a.number.localeCompare(b.number)).map((o) => ({ orderId: o.id, label: `order ${o.number}` }))
      : sessions
          .sort((a, b) => a.createdAt - b.createdAt || a.chargerId.localeCompare(b.chargerId) || a.connectorId - b.connectorId)
          .map((x) => ({ sessionId: x.id, label: `the session of ${x.chargerId}/${x.connectorId} at ${new Date(x.createdAt).toISOString()}` }));
    if (refs.length === 0) return `no paid ${onOrder ? 'order' : 'session'} to refund`;
    const { label, ...ref } = sim.prng.pick(refs);
    const left = adjustmentLimit(sim.app, ref).availableFen;
    if (left <= 0) return `${label} has nothing left to refund`;
    // Sometimes more than is left: the domain must refuse it.
    const amountFen = sim.prng.chance(0.15) ? left + sim.prng.int(1, 500) : sim.prng.int(1, left);
    const made = await refusedOr(sim, 'adjustment', () =>
      createAdjustment(sim.app, { ...ref, amountFen, reason: `sim step ${sim.step}` }, { operatorId: sim.operator.id }),
    );
    const what = `operator refunds ¥${yuan(amountFen)} of ${label} (¥${yuan(left)} left)`;
    if (!made.ok) return `${what}: refused (${made.why})`;
    const supervisor = sim.prng.pick(sim.supervisors);
    if (sim.prng.chance(0.2)) {
      const r = await refusedOr(sim, 'adjustment', () => rejectAdjustment(sim.app, made.value.id, { note: 'not justified' }, supervisor));
      return `${what}: rejected${r.ok ? '' : `, refused (${r.why})`}`;
    }
    const r = await refusedOr(sim, 'adjustment', () => approveAdjustment(sim.app, made.value.id, { note: null }, supervisor));
    if (!r.ok) return `${what}: approval refused (${r.why})`;
    // The gateway's answers to this task's calls, drawn now from the gateway's own stream (the task id is random, the order of creation is not).
    const fate = r.value.taskId ? sim.assignRefundFate(r.value.taskId) : null;
    return `${what}: approved${fate ? `, a refund task goes to the gateway (${fate})` : ''}`;
  },

  async review(sim) {
    // A supervisor works the review queue: a late start, a large amount, a card nobody knows (then names its driver).
    const queue = reviewQueue(sim.app).sort((a, b) => a.createdAt - b.createdAt || a.chargerId.localeCompare(b.chargerId) || a.connectorId - b.connectorId);
    if (queue.length === 0) return 'the review queue is empty';
    const s = queue[0];
    const driverId = s.driverId ? undefined : sim.prng.pick(sim.drivers).id;
    const r = await refusedOr(sim, 'review', () => approveReview(sim.app, { sessionId: s.id, driverId, note: 'checked' }, { operatorId: sim.supervisors[0].operatorId }));
    return `supervisor approves the ${s.reviewReason} review of the ${s.state} session on ${s.chargerId}/${s.connectorId}: ${r.ok ? r.value.state : `refused (${r.why})`}`;
  },

  async crash(sim) {
    const mode = sim.prng.weighted({ quiet: 1, unconsumed: 1, inflight: 1 });
    const live = activeTxs(sim).filter((x) => x.c.online && x.c.port && x.tx.txId !== null);
    let what = 'between two steps';
    if (mode !== 'quiet' && live.length > 0) {
      const { c, tx } = sim.prng.pick(live);
      if (mode === 'unconsumed') {
        addEnergy(sim, c, tx);
        // Answered, so committed to the inbox; the crash comes before the session step consumes it.
        await deliver(sim, c, meterEntry(c, tx, tx.meterWh, chargerNow(sim, c)));
        what = `right after ${c.id}'s MeterValues was answered, before the session step applied it`;
      } else {
        c.active[tx.connectorId] = null;
        sendWithoutWaiting(sim, c, stopEntry(tx, tx.meterWh, chargerNow(sim, c), 'EVDisconnected'));
        what = `while ${c.id}'s StopTransaction is on its way`;
      }
    }
    await sim.crashAndRestart();
    return `the back office crashes ${what}, and restarts`;
  },

  async quiet(sim) {
    const ms = sim.prng.int(20, 180) * 60_000;
    await letTimePass(sim, ms);
    return `a quiet ${Math.round(ms / 60_000)} min`;
  },
};
