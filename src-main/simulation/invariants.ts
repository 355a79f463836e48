import type { AppContext } from '../kernel/context';
import { DEPOT, netRefundedFen, openHolds, transferFacts, transfersOfSession, transfersUnderKeys, verifyLedger, type KeyedTransfer } from '../ledger';
import { listSessions, type SessionRow } from '../sessions';
import { iterateOrders, parkedOrders } from '../payments';
import { listCampaigns, listItems, type CampaignRow } from '../compensation';
import { listTasks } from '../refunds';

/**
 * The invariants the simulation holds the depot to after every step. Each returns what it found
 * wrong, in words an operator could check by hand; an empty list is a pass. They read through the
 * domains' public functions (the structure tests keep each table's SQL with its owner), never
 * through the simulation's own memory, so they check what the database says.
 */

const REVENUE = new Set<string>([DEPOT.electricityRevenue, DEPOT.serviceRevenue]);
const LIVE_WITH_HOLD = new Set(['PLACED', 'STARTING', 'CHARGING', 'STOPPING', 'FINISHED']);
const SETTLED = new Set(['PAID', 'UNPAID']);

export interface InvariantOptions {
  /** payments.orderTimeoutMs of the depot. */
  orderTimeoutMs: number;
  /** How late the timeout job may run after an order's timeout (its cron runs every minute). */
  orderGraceMs: number;
}

/** `ledger verify`: the same check `depotdesk ledger verify` runs; its violations, and a hold past expiry. */
export function ledgerInvariant(app: AppContext): string[] {
  const r = verifyLedger(app);
  // The due jobs ran at the start of this step, at this fake time: a hold past its expiry now is
  // one the expiry job left behind, which is the architecture's invariant (docs: "no hold past
  // expiry once the expiry job ran"). Other warnings (unaudited batches: the simulation calls the
  // domain functions, not the audited contract) stay warnings, as in `depotdesk ledger verify`.
  const expired = r.warnings.filter((w) => w.kind === 'hold_past_expiry');
  return [...r.violations, ...expired].map((v) => `ledger verify: ${v.kind}: ${v.message}`);
}

/** Revenue a session's transfers moved, net of any that moved it back (fen). */
function revenueOf(app: AppContext, sessionId: string): number {
  let net = 0;
  for (const t of transfersOfSession(app, sessionId)) {
    if (REVENUE.has(t.creditAccountId)) net += t.amountFen;
    if (REVENUE.has(t.debitAccountId)) net -= t.amountFen;
  }
  return net;
}

/**
 * Every finished session is settled exactly once: a PAID or UNPAID session has its settlement key
 * and its revenue in the ledger equals its amount (twice settled would be twice the amount), its
 * amount is what the hold, the wallet and a debt paid (a debt exactly when UNPAID) and its
 * electricity plus service; any other session has moved no revenue.
 */
export function sessionInvariant(app: AppContext, sessions: readonly SessionRow[]): string[] {
  const out: string[] = [];
  for (const s of sessions) {
    const revenue = revenueOf(app, s.id);
    if (SETTLED.has(s.state)) {
      if (s.settlementKey !== `settle:${s.id}`) out.push(`session ${s.id} is ${s.state} with settlement key ${String(s.settlementKey)}`);
      const amount = s.amountFen ?? -1;
      const paid = (s.paidHoldFen ?? 0) + (s.paidWalletFen ?? 0) + (s.debtFen ?? 0);
      if (paid !== amount)
        out.push(`session ${s.id} is ${s.state} for ${amount} fen but hold ${s.paidHoldFen} + wallet ${s.paidWalletFen} + debt ${s.debtFen} = ${paid} fen`);
      if ((s.electricityFen ?? 0) + (s.serviceFen ?? 0) !== amount)
        out.push(`session ${s.id}: electricity ${s.electricityFen} + service ${s.serviceFen} fen is not its amount ${amount} fen`);
      if ((s.state === 'UNPAID') !== (s.debtFen ?? 0) > 0) out.push(`session ${s.id} is ${s.state} with a debt of ${s.debtFen} fen`);
      // An approved adjustment (refund) of the session gives revenue back: what stays is the amount less the refunds.
      const refunded = netRefundedFen(app, { sessionId: s.id });
      if (refunded < 0 || refunded > amount) out.push(`session ${s.id}: ${refunded} fen refunded of ${amount} fen paid`);
      if (revenue !== amount - refunded) {
        out.push(
          `session ${s.id} is ${s.state} for ${amount} fen, ${refunded} fen refunded, but its ledger revenue is ${revenue} fen (settled ${revenue === 2 * amount - refunded ? 'twice' : 'wrongly'})`,
        );
      }
    } else if (revenue !== 0) {
      out.push(`session ${s.id} is ${s.state} yet moved ${revenue} fen of revenue`);
    }
  }
  return out;
}

/** Every hold still pending belongs to a session that can still use it (not failed, cancelled or settled). */
export function holdInvariant(app: AppContext, sessions: readonly SessionRow[]): string[] {
  const byId = new Map(sessions.map((s) => [s.id, s]));
  const out: string[] = [];
  for (const h of openHolds(app, { limit: 100_000 })) {
    const s = h.sessionId ? byId.get(h.sessionId) : undefined;
    if (!s) out.push(`hold ${h.holdId} (${h.amountFen} fen) is pending without a session`);
    else if (!LIVE_WITH_HOLD.has(s.state)) out.push(`hold ${h.holdId} (${h.amountFen} fen) is still pending though session ${s.id} is ${s.state}`);
  }
  return out;
}

/**
 * Every payment order is terminal or pending within its timeout — or parked for a supervisor
 * (its cancel kept being refused; test/payments/stuck.test.ts holds its alert); a paid order has its wallet credit
 * (pay:<order>), a cancelled one has none.
 */
export function orderInvariant(app: AppContext, opts: InvariantOptions): string[] {
  const now = app.clock.now();
  const out: string[] = [];
  const orders = [...iterateOrders(app)];
  const parked = new Set(parkedOrders(app).map((p) => p.number));
  const credits = transferFacts(
    app,
    orders.map((o) => `pay:${o.number}`),
  );
  for (const o of orders) {
    const credited = credits.get(`pay:${o.number}`);
    if (o.state === 'PENDING_PAYMENT' && !parked.has(o.number) && now - o.createdAt > opts.orderTimeoutMs + opts.orderGraceMs) {
      out.push(
        `order ${o.number} is still PENDING_PAYMENT ${Math.round((now - o.createdAt) / 60_000)} min after it was created (timeout ${opts.orderTimeoutMs / 60_000} min)`,
      );
    }
    if (o.state === 'PAID' && !credited) out.push(`order ${o.number} is PAID but its wallet credit pay:${o.number} is missing`);
    if (o.state === 'PAID' && credited && credited.amount !== o.payable) out.push(`order ${o.number} is PAID ${o.payable} fen but credited ${credited.amount} fen`);
    if (o.state === 'PAID') {
      const refunded = netRefundedFen(app, { orderId: o.id });
      if (refunded < 0 || refunded > o.payable) out.push(`order ${o.number}: ${refunded} fen refunded of ${o.payable} fen paid`);
    }
    if (o.state !== 'PAID' && credited) out.push(`order ${o.number} is ${o.state} yet its wallet was credited ${credited.amount} fen`);
  }
  return out;
}

type Item = ReturnType<typeof listItems>['items'][number];
const DONE = new Set(['credited', 'already']);

/**
 * Every campaign item is credited at most once: one transfer per credited item, of its amount, in
 * its campaign; none for the others, and no transfer under the campaign's key that no item names.
 * A campaign that finished (completed) credited every item exactly once: none pending, and for a
 * credit campaign none failed (a reversal's item fails when the driver already spent the credit).
 */
function campaignItemProblems(app: AppContext, c: CampaignRow, items: readonly Item[]): string[] {
  const out: string[] = [];
  const facts = transferFacts(
    app,
    items.map((i) => i.transferId),
  );
  const drivers = new Set<string>();
  const transfers = new Set<string>();
  for (const i of items) {
    const fact = facts.get(i.transferId);
    if (drivers.has(i.driverId)) out.push(`campaign ${c.id} lists driver ${i.driverId} twice`);
    if (transfers.has(i.transferId)) out.push(`campaign ${c.id} uses transfer ${i.transferId} for two items`);
    drivers.add(i.driverId);
    transfers.add(i.transferId);
    if (DONE.has(i.status)) {
      if (!fact) out.push(`campaign ${c.id}: item of driver ${i.driverId} is ${i.status} but transfer ${i.transferId} does not exist`);
      else if (fact.campaignId !== c.id || fact.amount !== i.amount) {
        out.push(`campaign ${c.id}: transfer ${i.transferId} moved ${fact.amount} fen for campaign ${String(fact.campaignId)}, the item says ${i.amount} fen`);
      }
    } else if (fact) {
      out.push(`campaign ${c.id}: item of driver ${i.driverId} is ${i.status} but transfer ${i.transferId} exists`);
    }
    if (c.state === 'completed' && (i.status === 'pending' || (c.kind === 'credit' && i.status === 'failed'))) {
      out.push(`campaign ${c.id} is completed but its item of driver ${i.driverId} is ${i.status}${i.error ? ` (${i.error})` : ''}`);
    }
  }
  for (const t of transfersUnderKeys(app, [`${c.kind === 'reversal' ? 'comp-rev' : 'comp'}:${c.id}`])) {
    if (!transfers.has(t.id)) out.push(`campaign ${c.id}: transfer ${t.id} (${t.amount}) is under its key but no item names it`);
  }
  return out;
}

/**
 * A reversal takes back exactly what its campaign credited: each of its done items has a transfer
 * of the credited amount in the other direction (credited then reversed: net zero for that item),
 * only for drivers the campaign credited, and no credit is taken back twice (across reversals).
 */
function reversalProblems(app: AppContext, r: CampaignRow, items: readonly Item[], original: readonly Item[], takenBack: Map<string, number>): string[] {
  const out: string[] = [];
  const byDriver = new Map(original.map((i) => [i.driverId, i]));
  const moved = new Map<string, KeyedTransfer>(transfersUnderKeys(app, [`comp-rev:${r.id}`, `comp:${r.reversesId}`]).map((t) => [t.id, t]));
  for (const i of items) {
    const o = byDriver.get(i.driverId);
    if (!o) {
      out.push(`reversal ${r.id} takes back from driver ${i.driverId}, whom campaign ${String(r.reversesId)} never credited`);
      continue;
    }
    if (i.amount !== o.amount) out.push(`reversal ${r.id}: driver ${i.driverId} was credited ${o.amount}, the reversal takes back ${i.amount}`);
    if (!DONE.has(i.status)) continue;
    takenBack.set(o.transferId, (takenBack.get(o.transferId) ?? 0) + 1);
    const credit = moved.get(o.transferId);
    const back = moved.get(i.transferId);
    if (!credit) out.push(`reversal ${r.id} took back ${o.transferId}, which does not exist`);
    else if (back && (back.amount !== credit.amount || back.debitAccountId !== credit.creditAccountId || back.creditAccountId !== credit.debitAccountId)) {
      out.push(
        `driver ${i.driverId}: credit ${credit.id} (${credit.amount}, ${credit.debitAccountId} → ${credit.creditAccountId}) and its reversal ${back.id} (${back.amount}, ${back.debitAccountId} → ${back.creditAccountId}) do not net to zero`,
      );
    }
  }
  return out;
}

/** The campaign invariants: items credited at most once (exactly once when completed), and reversals netting to zero. */
export function campaignInvariant(app: AppContext): string[] {
  const out: string[] = [];
  const campaigns = listCampaigns(app, { limit: 10_000 });
  const itemsOf = new Map(campaigns.map((c) => [c.id, listItems(app, c.id, { limit: 1_000_000 }).items]));
  const takenBack = new Map<string, number>();
  for (const c of campaigns) {
    const items = itemsOf.get(c.id)!;
    out.push(...campaignItemProblems(app, c, items));
    if (c.kind === 'reversal') out.push(...reversalProblems(app, c, items, itemsOf.get(c.reversesId ?? '') ?? [], takenBack));
  }
  for (const [transferId, n] of takenBack) if (n > 1) out.push(`campaign credit ${transferId} was taken back ${n} times`);
  return out;
}

/**
 * A refund task's money moves at most once: the refund it pays (wallet → refunds payable, its
 * refund key) exists for its amount; its payout (refund_paid:<key>) happens once, of that amount,
 * and only when the task is completed — a failed, pending or queried task paid nothing out; a
 * task given back to the wallet (cancelled) has its refund corrected in full, and no other has.
 * (A 长款 task books nothing; the simulation makes none.)
 */
export function refundTaskInvariant(app: AppContext): string[] {
  const out: string[] = [];
  for (const t of listTasks(app, { limit: 100_000 })) {
    if (!t.refundKey) continue;
    const what = `refund task ${t.id} (${t.state}, ${t.amount} fen)`;
    const refund = transferFacts(app, [t.refundKey]).get(t.refundKey);
    if (!refund || refund.amount !== t.amount) out.push(`${what}: its refund ${t.refundKey} is ${refund ? `${refund.amount} fen` : 'missing'}`);
    const paid = transfersUnderKeys(app, [`refund_paid:${t.refundKey}`]);
    const back = transfersUnderKeys(app, [`refund_task:${t.id}:back`]);
    if (paid.length > 1) out.push(`${what} was paid out ${paid.length} times`);
    for (const p of paid) if (p.amount !== t.amount) out.push(`${what} was paid out ${p.amount} fen`);
    if (t.state === 'completed' && paid.length === 0) out.push(`${what} is completed but nothing was paid out`);
    if (t.state !== 'completed' && paid.length > 0) out.push(`${what} is not completed yet paid out ${paid[0].amount} fen`);
    const backFen = back.reduce((s, x) => s + x.amount, 0);
    if (t.state === 'cancelled' ? backFen !== t.amount : back.length > 0) out.push(`${what} gave ${backFen} fen back to the wallet`);
  }
  return out;
}

/** Every invariant, in the order a reader would check them. */
export function checkInvariants(app: AppContext, opts: InvariantOptions): string[] {
  const sessions = listSessions(app, { limit: 1_000_000, offset: 0 }).items;
  return [
    ...ledgerInvariant(app),
    ...sessionInvariant(app, sessions),
    ...holdInvariant(app, sessions),
    ...orderInvariant(app, opts),
    ...campaignInvariant(app),
    ...refundTaskInvariant(app),
  ];
}
