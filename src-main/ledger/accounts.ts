import type { Sqlite } from '../kernel/db/connection';
import { CREDITS_MUST_NOT_EXCEED_DEBITS, DEBITS_MUST_NOT_EXCEED_CREDITS, type AccountType, type Unit } from './schema';

/**
 * Account ids are readable and derived, so a statement or a support call can name them:
 * `depot:<what>` for the depot's own accounts (created by the ledger_append_only migration),
 * `driver:<driverId>:<kind>` for a driver's, `coupon:<couponId>` for each amount coupon.
 *
 * Sides, as an accountant reads them: the depot's assets and expenses grow by debits (cash drawer,
 * gateway clearing, a driver's debt, expenses, write-offs); what the depot owes and earns grows by
 * credits (a wallet, a coupon, held money, refunds payable, revenue).
 */
export const DEPOT = {
  electricityRevenue: 'depot:electricity_revenue',
  serviceRevenue: 'depot:service_revenue',
  cashDrawer: 'depot:cash_drawer',
  clearingWechat: 'depot:clearing:wechat',
  clearingAlipay: 'depot:clearing:alipay',
  refundsPayable: 'depot:refunds_payable',
  compensationExpense: 'depot:compensation_expense',
  couponExpense: 'depot:coupon_expense',
  writeOffs: 'depot:write_offs',
  pointsPool: 'depot:points_pool',
} as const;
export type DepotAccountId = (typeof DEPOT)[keyof typeof DEPOT];
export const DEPOT_ACCOUNT_IDS = Object.values(DEPOT) as DepotAccountId[];

/** Where money paid at the counter or through a gateway lands before it reaches a wallet. */
export const CHANNELS = ['cash', 'wechat', 'alipay'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_ACCOUNT: Record<Channel, DepotAccountId> = {
  cash: DEPOT.cashDrawer,
  wechat: DEPOT.clearingWechat,
  alipay: DEPOT.clearingAlipay,
};

export const DRIVER_ACCOUNT_KINDS = ['wallet', 'held', 'debt', 'points'] as const;
export type DriverAccountKind = (typeof DRIVER_ACCOUNT_KINDS)[number];

export function driverAccountId(driverId: string, kind: DriverAccountKind): string {
  return `driver:${driverId}:${kind}`;
}

export function couponAccountId(couponId: string): string {
  return `coupon:${couponId}`;
}

/** The flags and unit each kind of driver account is opened with. */
const DRIVER_ACCOUNT_SPEC: Record<DriverAccountKind, { type: AccountType; unit: Unit; flags: number }> = {
  // A wallet, held money and points can never be overdrawn.
  wallet: { type: 'wallet', unit: 'CNY', flags: DEBITS_MUST_NOT_EXCEED_CREDITS },
  held: { type: 'held', unit: 'CNY', flags: DEBITS_MUST_NOT_EXCEED_CREDITS },
  // A debt can never be collected beyond what was owed.
  debt: { type: 'debt', unit: 'CNY', flags: CREDITS_MUST_NOT_EXCEED_DEBITS },
  points: { type: 'points', unit: 'points', flags: DEBITS_MUST_NOT_EXCEED_CREDITS },
};

export function openDriverAccounts(sqlite: Sqlite, driverId: string, at: number): void {
  const insert = sqlite.prepare('INSERT INTO ledger_accounts (id, type, unit, driver_id, flags, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  for (const kind of DRIVER_ACCOUNT_KINDS) {
    const spec = DRIVER_ACCOUNT_SPEC[kind];
    insert.run(driverAccountId(driverId, kind), spec.type, spec.unit, driverId, spec.flags, at);
  }
}

export function openCouponAccount(sqlite: Sqlite, couponId: string, driverId: string, at: number): string {
  const id = couponAccountId(couponId);
  sqlite
    .prepare('INSERT INTO ledger_accounts (id, type, unit, driver_id, flags, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(id, 'coupon', 'CNY', driverId, DEBITS_MUST_NOT_EXCEED_CREDITS, at);
  return id;
}

export interface AccountRow {
  id: string;
  type: AccountType;
  unit: Unit;
  driverId: string | null;
  flags: number;
  debitsPending: number;
  debitsPosted: number;
  creditsPending: number;
  creditsPosted: number;
  createdAt: number;
}

export const ACCOUNT_COLUMNS = `id, type, unit, driver_id AS driverId, flags, debits_pending AS debitsPending,
  debits_posted AS debitsPosted, credits_pending AS creditsPending, credits_posted AS creditsPosted, created_at AS createdAt`;

/**
 * What a credit-side account (wallet, coupon, points, held) holds: posted balance, the part
 * reserved by pending transfers, and what is left to spend.
 */
export function creditBalance(a: Pick<AccountRow, 'debitsPending' | 'debitsPosted' | 'creditsPosted'>): {
  balance: number;
  held: number;
  available: number;
} {
  const balance = a.creditsPosted - a.debitsPosted;
  return { balance, held: a.debitsPending, available: balance - a.debitsPending };
}

/** What a debit-side account (a driver's debt, the cash drawer) holds. */
export function debitBalance(a: Pick<AccountRow, 'debitsPosted' | 'creditsPosted'>): number {
  return a.debitsPosted - a.creditsPosted;
}
