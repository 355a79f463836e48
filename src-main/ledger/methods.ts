import { z } from 'zod';
import { ALL_ROLES, FINANCE, SUPERVISORS, method, type CallContext } from '../kernel/method';
import { amount, amountSchema, formatFen, positiveYuanField } from '../money';
import { CHANNELS } from './accounts';
import { addDriver, addIdTag, addVehicle, getDriver, type Driver } from './drivers';
import type { WalletBalances } from './ops/common';
import { grantCoupon } from './ops/coupons';
import { correctTransfer } from './ops/corrections';
import { expireDueHolds, voidHold } from './ops/holds';
import { grantPoints } from './ops/points';
import { topUp } from './ops/topups';
import {
  STATEMENT_ACCOUNTS,
  dayStart,
  depotAccounts,
  driverStatement,
  getTransfer,
  listCoupons,
  listDebts,
  listDrivers,
  openHolds,
  walletView,
  type DebtView,
  type OpenHold,
} from './queries';
import { TRANSFER_CODES } from './schema';
import { verifyLedgerOffThread } from './verify';

/**
 * The ledger over the contract (drivers.*, wallet.*, ledger.*, coupons.*, points.*).
 *
 * Amounts at the boundary: callers send yuan as text ("100.00"), parsed exactly by money/ (a bad
 * amount is `invalid_input` naming the field); answers carry every amount as `{ fen, yuan }`, the
 * integer for programs and the two-decimal text for people, so nobody formats money twice.
 * Points are plain integers. Idempotency keys come from the caller: the renderer makes one when a
 * form opens, so a double click or a retry after a timeout moves money once.
 *
 * Roles: anyone signed in may look and top up at the counter; coupons, points, corrections,
 * write-offs and the verify report are finance's and supervisors'; releasing a hold by hand is
 * a supervisor's.
 */

const key = z
  .string()
  .trim()
  .min(1, 'an idempotency key is required')
  .max(200)
  .regex(/^[^\s#]+$/, 'printable characters, no blanks and no "#"');
const id = z.string().trim().min(1).max(200);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is yyyy-MM-dd');
const memo = z.string().trim().max(500).optional();

const walletSchema = z.object({ balance: amountSchema, held: amountSchema, available: amountSchema });
const driverSchema = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string(),
  note: z.string().nullable(),
  createdAt: z.number(),
  tags: z.array(z.object({ tag: z.string(), kind: z.enum(['rfid', 'app']) })),
  vehicles: z.array(z.object({ vin: z.string(), plate: z.string().nullable() })),
});
const holdSchema = z.object({
  holdId: z.string(),
  driverId: z.string().nullable(),
  driverName: z.string().nullable(),
  amount: amountSchema,
  expiresAt: z.number(),
  sessionId: z.string().nullable(),
  createdAt: z.number(),
  overdue: z.boolean(),
});
const debtSchema = z.object({
  debtId: z.string(),
  driverId: z.string(),
  driverName: z.string(),
  amount: amountSchema,
  collected: amountSchema,
  writtenOff: amountSchema,
  owed: amountSchema,
  status: z.enum(['open', 'settled', 'written_off']),
  sessionId: z.string().nullable(),
  orderId: z.string().nullable(),
  createdAt: z.number(),
  closedAt: z.number().nullable(),
});
const couponSchema = z.object({
  couponId: z.string(),
  face: amountSchema,
  remaining: amountSchema,
  expiresAt: z.number().nullable(),
  campaignId: z.string().nullable(),
  status: z.enum(['active', 'used', 'expired']),
  createdAt: z.number(),
});
const findingSchema = z.object({
  kind: z.string(),
  message: z.string(),
  account: z.string().optional(),
  transfer: z.string().optional(),
  hold: z.string().optional(),
  debt: z.string().optional(),
  session: z.string().optional(),
});
const transferSchema = z.object({
  seq: z.number(),
  id: z.string(),
  debitAccountId: z.string(),
  creditAccountId: z.string(),
  amount: z.number(),
  code: z.enum(TRANSFER_CODES),
  phase: z.enum(['single', 'pending', 'post', 'void']),
  pendingId: z.string().nullable(),
  expiresAt: z.number().nullable(),
  reversesId: z.string().nullable(),
  batch: z.number(),
  memo: z.string().nullable(),
  sessionId: z.string().nullable(),
  orderId: z.string().nullable(),
  campaignId: z.string().nullable(),
  statementRow: z.string().nullable(),
  debtId: z.string().nullable(),
  operatorId: z.string().nullable(),
  operatorName: z.string().nullable(),
  createdAt: z.number(),
});

function walletOut(w: WalletBalances) {
  return { balance: amount(w.balanceFen), held: amount(w.heldFen), available: amount(w.availableFen) };
}

function holdOut(h: OpenHold) {
  const { amountFen, ...rest } = h;
  return { ...rest, amount: amount(amountFen) };
}

function debtOut(d: DebtView) {
  const { amountFen, collectedFen, writtenOffFen, owedFen, ...rest } = d;
  return { ...rest, amount: amount(amountFen), collected: amount(collectedFen), writtenOff: amount(writtenOffFen), owed: amount(owedFen) };
}

function driverOut(d: Driver) {
  const { createdBy: _by, ...rest } = d;
  return rest;
}

function operatorId(ctx: CallContext): string | null {
  return ctx.caller.operator?.id ?? null;
}

function changed(ctx: CallContext, driverIds: (string | null | undefined)[], reason: string, replayed = false): void {
  if (replayed) return;
  ctx.app.events.emit('ledger.changed', { driverIds: driverIds.filter((d): d is string => Boolean(d)), reason });
}

function walletShow(ctx: CallContext, driverId: string) {
  const v = walletView(ctx.app, driverId);
  return {
    driver: driverOut(v.driver),
    wallet: walletOut({ balanceFen: v.wallet.balanceFen, heldFen: v.wallet.heldFen, availableFen: v.wallet.availableFen }),
    debt: { owed: amount(v.debt.owedFen), open: v.debt.open.map(debtOut) },
    hasOpenDebt: v.hasOpenDebt,
    points: v.points,
    coupons: v.coupons.map(({ faceFen, remainingFen, ...c }) => ({ ...c, face: amount(faceFen), remaining: amount(remainingFen) })),
    couponsAvailable: amount(v.couponsAvailableFen),
    holds: v.holds.map(holdOut),
  };
}

const walletShowSchema = z.object({
  driver: driverSchema,
  wallet: walletSchema,
  debt: z.object({ owed: amountSchema, open: z.array(debtSchema) }),
  hasOpenDebt: z.boolean(),
  points: z.number(),
  coupons: z.array(couponSchema),
  couponsAvailable: amountSchema,
  holds: z.array(holdSchema),
});

export const ledgerMethods = {
  'drivers.add': method({
    summary: 'Register a driver (name, phone, id tags, VINs) with their wallet.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({
      name: z.string().trim().min(1, 'a name is required').max(60),
      phone: z.string().trim().min(1, 'a phone number is required').max(30),
      tags: z.array(z.string().trim().min(1)).max(20).optional(),
      vins: z.array(z.string().trim().min(1)).max(20).optional(),
      note: z.string().trim().max(500).optional(),
    }),
    output: driverSchema,
    handler: (ctx, input) => {
      const d = addDriver(ctx.app, input, { operatorId: operatorId(ctx) });
      changed(ctx, [d.id], 'driver_added');
      return driverOut(d);
    },
  }),
  'drivers.list': method({
    summary: 'Drivers with their balances; search by name, phone, card number (id tag) or VIN.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      search: z.string().trim().max(100).optional(),
      limit: z.number().int().min(1).max(500).default(100),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({
      total: z.number(),
      drivers: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          phone: z.string(),
          tags: z.array(z.string()),
          vins: z.array(z.string()),
          balance: amountSchema,
          held: amountSchema,
          available: amountSchema,
          owed: amountSchema,
          points: z.number(),
          coupons: amountSchema,
          createdAt: z.number(),
        }),
      ),
    }),
    handler: ({ app }, input) => {
      const r = listDrivers(app, input);
      return {
        total: r.total,
        drivers: r.drivers.map(({ balanceFen, heldFen, availableFen, owedFen, couponsFen, ...d }) => ({
          ...d,
          balance: amount(balanceFen),
          held: amount(heldFen),
          available: amount(availableFen),
          owed: amount(owedFen),
          coupons: amount(couponsFen),
        })),
      };
    },
  }),
  'drivers.get': method({
    summary: 'One driver with id tags and vehicles.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ driverId: id }),
    output: driverSchema,
    handler: ({ app }, input) => driverOut(getDriver(app, input.driverId)),
  }),
  'drivers.addTag': method({
    summary: 'Give a driver another id tag (RFID card number, or app:<id>).',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({ driverId: id, tag: z.string().trim().min(1).max(64) }),
    output: driverSchema,
    handler: (ctx, input) => {
      const d = addIdTag(ctx.app, input.driverId, input.tag);
      changed(ctx, [d.id], 'driver_tag_added');
      return driverOut(d);
    },
  }),
  'drivers.addVehicle': method({
    summary: 'Add a vehicle (VIN, optional plate) to a driver.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({ driverId: id, vin: z.string().trim().min(1).max(32), plate: z.string().trim().max(20).optional() }),
    output: driverSchema,
    handler: (ctx, input) => {
      const d = addVehicle(ctx.app, input.driverId, input.vin, input.plate);
      changed(ctx, [d.id], 'driver_vehicle_added');
      return driverOut(d);
    },
  }),
  'wallet.show': method({
    summary: "A driver's wallet: balance, held, available, debts, coupons, points and open holds.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ driverId: id }),
    output: walletShowSchema,
    handler: (ctx, input) => walletShow(ctx, input.driverId),
  }),
  'wallet.topup': method({
    summary: 'Top up a wallet at the counter (cash) or from a gateway payment; open debts are collected first.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({
      driverId: id,
      amount: positiveYuanField(),
      key,
      channel: z.enum(CHANNELS).default('cash'),
      memo,
      statementRow: z.string().trim().max(200).optional(),
    }),
    output: z.object({
      key: z.string(),
      driverId: z.string(),
      driverName: z.string(),
      amount: amountSchema,
      channel: z.enum(CHANNELS),
      transferId: z.string(),
      batch: z.number().nullable(),
      collected: z.array(z.object({ debtId: z.string(), amount: amountSchema })),
      collectedTotal: amountSchema,
      credited: amountSchema,
      wallet: walletSchema,
      at: z.number(),
      operator: z.string().nullable(),
      replayed: z.boolean(),
    }),
    handler: (ctx, input) => {
      const r = topUp(
        ctx.app,
        { key: input.key, driverId: input.driverId, amountFen: input.amount, channel: input.channel, memo: input.memo, statementRow: input.statementRow },
        { operatorId: operatorId(ctx) },
      );
      changed(ctx, [r.driverId], 'topup', r.replayed);
      return {
        key: r.key,
        driverId: r.driverId,
        driverName: getDriver(ctx.app, r.driverId).name,
        amount: amount(r.amountFen),
        channel: r.channel,
        transferId: r.transferId,
        batch: r.batch,
        collected: r.collected.map((c) => ({ debtId: c.debtId, amount: amount(c.amountFen) })),
        collectedTotal: amount(r.collectedFen),
        credited: amount(r.amountFen - r.collectedFen),
        wallet: walletOut(r.wallet),
        at: r.at,
        operator: ctx.caller.operator?.displayName ?? null,
        replayed: r.replayed,
      };
    },
  }),
  'ledger.statement': method({
    summary: "A driver's statement (流水): every movement with its running balance.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      driverId: id,
      from: date.optional(),
      to: date.optional(),
      accounts: z.array(z.enum(STATEMENT_ACCOUNTS)).optional(),
      codes: z.array(z.enum(TRANSFER_CODES)).optional(),
      /** The Ledger page asks a page (50–200 lines); the CLI and other callers the newest 1,000. */
      limit: z.number().int().min(1).max(10_000).default(1000),
      /** The page before this line (the previous answer's nextCursor): older lines, their balances as the whole history gives them. */
      before: z.strictObject({ seq: z.number().int().positive(), accountId: z.string().min(1) }).optional(),
    }),
    output: z.object({
      driver: z.object({ id: z.string(), name: z.string(), phone: z.string() }),
      from: z.string().nullable(),
      to: z.string().nullable(),
      opening: z.object({ wallet: z.object({ balance: amountSchema, held: amountSchema }), debt: amountSchema, points: z.number(), coupons: amountSchema }),
      closing: z.object({ wallet: z.object({ balance: amountSchema, held: amountSchema }), debt: amountSchema, points: z.number(), coupons: amountSchema }),
      lines: z.array(
        z.object({
          seq: z.number(),
          at: z.number(),
          transferId: z.string(),
          batch: z.number(),
          code: z.enum(TRANSFER_CODES),
          phase: z.enum(['single', 'pending', 'post', 'void']),
          account: z.enum(STATEMENT_ACCOUNTS),
          accountId: z.string(),
          unit: z.enum(['CNY', 'points']),
          amount: z.number(),
          heldChange: z.number(),
          balanceAfter: z.number(),
          heldAfter: z.number(),
          amountText: z.string(),
          balanceAfterText: z.string(),
          counterpartyAccountId: z.string(),
          memo: z.string().nullable(),
          sessionId: z.string().nullable(),
          orderId: z.string().nullable(),
          campaignId: z.string().nullable(),
          statementRow: z.string().nullable(),
          debtId: z.string().nullable(),
          reversesId: z.string().nullable(),
          operatorId: z.string().nullable(),
          operatorName: z.string().nullable(),
        }),
      ),
      truncated: z.boolean(),
      nextCursor: z.object({ seq: z.number(), accountId: z.string() }).nullable(),
    }),
    handler: ({ app }, input) => {
      if (input.from) dayStart(input.from, app.clock.timeZone, 'from');
      if (input.to) dayStart(input.to, app.clock.timeZone, 'to');
      const s = driverStatement(app, input);
      const bal = (b: typeof s.opening) => ({
        wallet: { balance: amount(b.wallet.balance), held: amount(b.wallet.held) },
        debt: amount(b.debt),
        points: b.points,
        coupons: amount(b.coupons),
      });
      const text = (unit: 'CNY' | 'points', n: number, signed: boolean) => `${signed && n > 0 ? '+' : ''}${unit === 'points' ? String(n) : formatFen(n)}`;
      return {
        ...s,
        opening: bal(s.opening),
        closing: bal(s.closing),
        lines: s.lines.map((l) => ({ ...l, amountText: text(l.unit, l.amount, true), balanceAfterText: text(l.unit, l.balanceAfter, false) })),
      };
    },
  }),
  'ledger.transfer': method({
    summary: 'One transfer by its id (idempotency key).',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ transferId: id }),
    output: transferSchema,
    handler: ({ app }, input) => getTransfer(app, input.transferId),
  }),
  'ledger.verify': method({
    summary: 'Check the ledger invariants (debits = credits, counters = history, no overdrawn wallet, holds, debts, keys).',
    kind: 'query',
    roles: FINANCE,
    input: z.strictObject({}),
    output: z.object({
      ok: z.boolean(),
      at: z.number(),
      durationMs: z.number(),
      counts: z.object({ accounts: z.number(), transfers: z.number(), holds: z.number(), openHolds: z.number(), debts: z.number(), operations: z.number() }),
      totals: z.record(z.string(), z.object({ debitsPosted: z.number(), creditsPosted: z.number(), debitsPending: z.number(), creditsPending: z.number() })),
      violations: z.array(findingSchema),
      warnings: z.array(findingSchema),
    }),
    // A worker thread with a read-only connection: the one long read never holds the thread that answers (issue 18).
    handler: ({ app }) => verifyLedgerOffThread(app),
  }),
  'ledger.accounts': method({
    summary: "The depot's own accounts (revenue, cash drawer, clearing, payables, expenses) with balances.",
    kind: 'query',
    roles: FINANCE,
    input: z.strictObject({}),
    output: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        unit: z.enum(['CNY', 'points']),
        balance: z.number(),
        balanceText: z.string(),
        debitsPosted: z.number(),
        creditsPosted: z.number(),
        debitsPending: z.number(),
        creditsPending: z.number(),
      }),
    ),
    handler: ({ app }) => depotAccounts(app).map((a) => ({ ...a, balanceText: a.unit === 'points' ? String(a.balance) : formatFen(a.balance) })),
  }),
  'ledger.holds': method({
    summary: 'Open holds (frozen wallet money), soonest expiry first.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ driverId: id.optional(), limit: z.number().int().min(1).max(1000).default(500) }),
    output: z.array(holdSchema),
    handler: ({ app }, input) => openHolds(app, input).map(holdOut),
  }),
  'ledger.releaseHold': method({
    summary: 'Release a whole hold back to the wallet by hand (a stuck session).',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ holdId: id, key, memo: z.string().trim().min(1, 'say why the hold is released').max(500) }),
    output: z.object({ key: z.string(), holdId: z.string(), driverId: z.string(), released: amountSchema, wallet: walletSchema, replayed: z.boolean() }),
    handler: (ctx, input) => {
      const r = voidHold(ctx.app, input, { operatorId: operatorId(ctx) });
      changed(ctx, [r.driverId], 'hold_released', r.replayed);
      return { key: r.key, holdId: r.holdId, driverId: r.driverId, released: amount(r.releasedFen), wallet: walletOut(r.wallet), replayed: r.replayed };
    },
  }),
  'ledger.expireHolds': method({
    summary: 'Expire every hold past its expiry now (the hold-expiry job does this on its own).',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ limit: z.number().int().min(1).max(10_000).default(1000) }),
    output: z.object({
      expired: z.array(z.object({ holdId: z.string(), driverId: z.string(), released: amountSchema })),
      skipped: z.array(z.object({ holdId: z.string(), reason: z.string() })),
    }),
    handler: (ctx, input) => {
      const r = expireDueHolds(ctx.app, input, { operatorId: operatorId(ctx) });
      if (r.expired.length > 0)
        changed(
          ctx,
          r.expired.map((e) => e.driverId),
          'holds_expired',
        );
      return { expired: r.expired.map((e) => ({ holdId: e.holdId, driverId: e.driverId, released: amount(e.releasedFen) })), skipped: r.skipped };
    },
  }),
  'ledger.debts': method({
    summary: 'Debts (欠费), open ones by default, oldest first.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      driverId: id.optional(),
      status: z.enum(['open', 'settled', 'written_off', 'all']).default('open'),
      limit: z.number().int().min(1).max(1000).default(500),
    }),
    output: z.array(debtSchema),
    handler: ({ app }, input) => listDebts(app, input).map(debtOut),
  }),
  // A debt write-off is a request and a second person's approval: risk.requestDebtWriteOff / risk.approveDebtWriteOff.
  'ledger.correct': method({
    summary: 'Reverse all or part of a transfer with a correcting transfer that references it.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({
      transferId: id,
      key,
      amount: positiveYuanField().optional(),
      memo: z.string().trim().min(1, 'say what the correction is for').max(500),
    }),
    output: z.object({ key: z.string(), transferId: z.string(), correctsId: z.string(), amount: amountSchema, batch: z.number().nullable(), replayed: z.boolean() }),
    handler: (ctx, input) => {
      const r = correctTransfer(ctx.app, { key: input.key, transferId: input.transferId, amountFen: input.amount, memo: input.memo }, { operatorId: operatorId(ctx) });
      const t = getTransfer(ctx.app, r.transferId);
      const owners = ctx.app.sqlite
        .prepare<unknown[], { d: string }>('SELECT DISTINCT driver_id AS d FROM ledger_accounts WHERE id IN (?, ?) AND driver_id IS NOT NULL')
        .all(t.debitAccountId, t.creditAccountId);
      changed(
        ctx,
        owners.map((o) => o.d),
        'correction',
        r.replayed,
      );
      return { key: r.key, transferId: r.transferId, correctsId: r.correctsId, amount: amount(r.amountFen), batch: r.batch, replayed: r.replayed };
    },
  }),
  'coupons.grant': method({
    summary: 'Grant an amount coupon (金额券) to a driver.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({
      driverId: id,
      amount: positiveYuanField(),
      key,
      expiresOn: date.optional(),
      campaignId: z.string().trim().min(1).max(100).optional(),
      memo,
    }),
    output: z.object({
      key: z.string(),
      couponId: z.string(),
      driverId: z.string(),
      face: amountSchema,
      expiresAt: z.number().nullable(),
      batch: z.number().nullable(),
      replayed: z.boolean(),
    }),
    handler: (ctx, input) => {
      // A coupon "valid until 2026-03-31" is good for the whole of that day in the depot's zone.
      if (input.expiresOn) dayStart(input.expiresOn, ctx.app.clock.timeZone, 'expiresOn');
      const expiresAt = input.expiresOn ? dayStart(nextDay(input.expiresOn), ctx.app.clock.timeZone, 'expiresOn') : null;
      const r = grantCoupon(
        ctx.app,
        { key: input.key, driverId: input.driverId, amountFen: input.amount, expiresAt, campaignId: input.campaignId, memo: input.memo },
        { operatorId: operatorId(ctx) },
      );
      changed(ctx, [r.driverId], 'coupon_granted', r.replayed);
      return { key: r.key, couponId: r.couponId, driverId: r.driverId, face: amount(r.faceFen), expiresAt: r.expiresAt, batch: r.batch, replayed: r.replayed };
    },
  }),
  'coupons.list': method({
    summary: "A driver's coupons with what is left on each.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ driverId: id }),
    output: z.array(couponSchema),
    handler: ({ app }, input) => {
      getDriver(app, input.driverId);
      return listCoupons(app, input.driverId).map(({ faceFen, remainingFen, ...c }) => ({ ...c, face: amount(faceFen), remaining: amount(remainingFen) }));
    },
  }),
  'points.grant': method({
    summary: 'Grant points (积分) to a driver.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({
      driverId: id,
      points: z.number().int('whole points only').min(1, 'at least 1 point').max(1_000_000_000),
      key,
      campaignId: z.string().trim().min(1).max(100).optional(),
      memo,
    }),
    output: z.object({ key: z.string(), driverId: z.string(), points: z.number(), balance: z.number(), batch: z.number().nullable(), replayed: z.boolean() }),
    handler: (ctx, input) => {
      const r = grantPoints(ctx.app, input, { operatorId: operatorId(ctx) });
      changed(ctx, [r.driverId], 'points_granted', r.replayed);
      return { key: r.key, driverId: r.driverId, points: r.points, balance: r.balance, batch: r.batch, replayed: r.replayed };
    },
  }),
};

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
