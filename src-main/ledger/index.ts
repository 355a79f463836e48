import { defineModule, tablesOf } from '../kernel/module';
import * as ledgerSchema from './schema';
import { ledgerMethods } from './methods';
import { debtAgeingMethods } from './ageing';
import { ledgerDemoStep, ledgerDoctorCheck, ledgerFigures } from './system';
import { ledgerExpireHoldsCron, ledgerExpireHoldsWorker } from './jobs';

/**
 * The money ledger: double-entry, append-only, in integer fen, modelled on TigerBeetle's accounts
 * and transfers. Every movement of a driver's or the depot's money goes through this module.
 *
 * Guarantees (each has a test in test/ledger/guarantees.test.ts):
 *  1. Every transfer debits one account and credits another by the same positive integer amount,
 *     in one unit (fen, or points); so over all accounts, debits equal credits, posted and pending.
 *  2. Transfers are immutable: never updated, never deleted (SQLite triggers refuse it). A mistake
 *     is undone by a correcting transfer that references the original.
 *  3. There is at most one transfer with a given id; the id is the caller's idempotency key.
 *  4. The same key with the same request returns the first result and moves nothing; the same
 *     key with a different request is refused with `idempotency_conflict` and moves nothing.
 *  5. A batch commits whole or not at all (one BEGIN IMMEDIATE transaction): one invalid leg and
 *     nothing of it is committed.
 *  6. A wallet never goes below zero, and neither does a coupon, a points account or held money;
 *     a debt is never collected beyond what is owed. The engine refuses the transfer, and a CHECK
 *     constraint on the accounts table refuses the commit should the engine ever be wrong.
 *  7. Held money counts against the wallet from the moment the hold is placed.
 *  8. A hold resolves at most once: posted (all or part, the rest released in the same
 *     transaction), voided, or expired — however many processes try at the same time.
 *  9. A hold past its expiry can no longer be posted or voided, only expired.
 * 10. An account's cached counters always equal the sum of its transfers (`verifyLedger`).
 * 11. A shortfall at settlement becomes a debt: a debt record plus its ledger entry. A top-up
 *     collects open debts, oldest first, before the money is free to spend, in the same
 *     transaction. A driver with an open debt is flagged (`hasOpenDebt`).
 * 12. Corrections, coupon restores and points restores never give back more than the original
 *     transfer moved.
 * 13. Points are a separate unit: no transfer mixes points and money.
 * 14. Every operation and every batch of plain transfers that moves money appends its journal row
 *     for headquarters in the same transaction (kernel/journal.ts; test/hq/journal.test.ts); a
 *     replay appends nothing.
 *
 * Other domains import only from here.
 */
export { DEPOT, CHANNELS, driverAccountId, type Channel } from './accounts';
export { addDriver, getDriver, findDriverByIdTag, findDriverByPhone, normalizePhone, driverBlock, setDriverBlock, type Driver, type DriverBlock } from './drivers';
// The engine's write primitives (createTransfers, applyTransfers, runOperation, Batch) stay inside
// the ledger: other domains move money only through the named operations below.
export { type HoldRow } from './engine';
export { type By } from './ops/common';
export { collectDebts, hasOpenDebt, writeOffDebt } from './ops/debts';
export { topUp, type TopUpResult } from './ops/topups';
export { writeOffClearing } from './ops/clearing';
export { placeHold, postHold, voidHold, expireHold, expireDueHolds } from './ops/holds';
export { postSessionCharge } from './ops/settlement';
export { resettleSession, type ResettleResult } from './ops/resettlement';
export { creditCampaign } from './ops/campaign-credits';
export { creditCompensation, refundToWallet, refundFromWallet, payRefund } from './ops/compensation-refunds';
export { grantCoupon, redeemCoupon, restoreCoupon, expireCoupon } from './ops/coupons';
export { grantPoints, redeemPoints, restorePoints } from './ops/points';
export { correctTransfer } from './ops/corrections';
export {
  walletView,
  listDrivers,
  listCoupons,
  openHolds,
  driverStatement,
  depotAccounts,
  getTransfer,
  getHold,
  getAccount,
  listDebts,
  findDebt,
  type DebtView,
  ledgerTotals,
  type LedgerTotals,
  dayStart,
  dayEnd,
  type Statement,
  type StatementLine,
} from './queries';
export { verifyLedger, verifyLedgerOffThread } from './verify';
export { sealLedgerChain, ledgerHead } from './chain';
export { openLedgerJournal } from './journal-opening';
export { trialBalance, driverMovements, couponsOutstanding, type TrialLine, type MovementByCode, type CouponOutstanding } from './reporting';
export {
  driverContacts,
  driversMatching,
  transfersOfSession,
  transfersUnderKeys,
  type KeyedTransfer,
  transferFacts,
  netRefundedFen,
  debtCollected,
  resettlementResult,
} from './lookups';
export { ledgerFigures, ledgerDemoStep } from './system';
export { type TransferCode } from './schema';
export { openDebtAgeing, DEBT_AGE_BUCKETS, type DebtAgeing, type DebtAgeBucket } from './ageing';

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export const ledgerModule = defineModule({
  name: 'ledger',
  methods: { ...ledgerMethods, ...debtAgeingMethods },
  workers: [ledgerExpireHoldsWorker],
  crons: [ledgerExpireHoldsCron],
  figures: [ledgerFigures],
  doctorChecks: [{ name: 'ledger', run: ledgerDoctorCheck }],
  demoSteps: [ledgerDemoStep],
  tables: tablesOf(ledgerSchema),
});
