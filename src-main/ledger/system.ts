import type { AppContext } from '../kernel/context';
import type { Figure } from '../kernel/plugins';
import type { DoctorCheck } from '../kernel/plugins';
import type { DemoStep } from '../kernel/plugins';
import { addDriver, findDriverByIdTag } from './drivers';
import type { LedgerApp } from './engine';
import { creditCompensation } from './ops/compensation-refunds';
import { grantCoupon } from './ops/coupons';
import { correctTransfer } from './ops/corrections';
import { placeHold, voidHold } from './ops/holds';
import { grantPoints } from './ops/points';
import { postSessionCharge } from './ops/settlement';
import { operatorIdByName } from '../operators';
import { topUp } from './ops/topups';
import { ledgerTotals } from './queries';
import { verifyLedger } from './verify';
import { expectRow } from '../kernel/db/rows';

/** The ledger's contributions to the dashboard, `depotdesk doctor` and `depotdesk demo`. */

export function ledgerFigures(app: AppContext, dayStart: number): Figure[] {
  const t = ledgerTotals(app);
  const today = expectRow<{ v: number; n: number }>(
    app.sqlite.prepare("SELECT coalesce(sum(amount), 0) AS v, count(*) AS n FROM ledger_transfers WHERE code = 'topup' AND created_at >= ?"),
    dayStart,
  );
  // Expiry is a job's work (ledger.expireHolds, every minute): a count above zero for long means
  // that job is not running.
  const pastExpiry = expectRow<{ n: number }>(app.sqlite.prepare("SELECT count(*) AS n FROM ledger_holds WHERE status = 'pending' AND expires_at <= ?"), app.clock.now());
  return [
    { key: 'ledger.drivers', value: t.drivers, unit: 'count' },
    { key: 'ledger.walletsBalance', value: t.walletsFen, unit: 'fen' },
    { key: 'ledger.walletsHeld', value: t.heldFen, unit: 'fen' },
    { key: 'ledger.openHolds', value: t.openHolds, unit: 'count' },
    { key: 'ledger.holdsPastExpiry', value: pastExpiry.n, unit: 'count' },
    { key: 'ledger.openDebts', value: t.openDebts, unit: 'count' },
    { key: 'ledger.openDebtsAmount', value: t.openDebtsFen, unit: 'fen' },
    { key: 'ledger.topupsToday', value: today.v, unit: 'fen' },
  ];
}

function warningText(warnings: readonly { kind: string; message: string }[]): string {
  const holds = warnings.filter((w) => w.kind === 'hold_past_expiry').length;
  const rest = warnings.filter((w) => w.kind !== 'hold_past_expiry').map((w) => w.message);
  return [...(holds > 0 ? [`${holds} hold(s) past expiry wait for the expiry job`] : []), ...rest].join('; ');
}

export function ledgerDoctorCheck(app: AppContext): DoctorCheck {
  const r = verifyLedger(app);
  const summary = `${r.counts.transfers} transfers, ${r.counts.accounts} accounts, ${r.counts.openHolds} open holds, checked in ${r.durationMs} ms`;
  if (r.ok) {
    return {
      name: 'ledger',
      ok: true,
      detail: r.warnings.length > 0 ? `${summary}; all invariants hold; ${warningText(r.warnings)}` : `${summary}; all invariants hold`,
    };
  }
  return {
    name: 'ledger',
    ok: false,
    detail: `${r.violations.length} violation(s): ${r.violations
      .slice(0, 3)
      .map((v) => v.message)
      .join('; ')}${r.violations.length > 3 ? ' …' : ''} (run depotdesk ledger verify)`,
  };
}

const DAY = 86_400_000;

const DEMO_DRIVERS = [
  { name: '陈师傅', phone: '13800000001', tags: ['04A1B2C3D4'], vins: ['LGXC16DF4M0000001'] },
  { name: '刘建国', phone: '13800000002', tags: ['04A1B2C3D5'], vins: ['LGXC16DF4M0000002'] },
  { name: '王丽', phone: '13800000003', tags: ['04A1B2C3D6', 'app:wx-wangli'], vins: [] },
  { name: '赵强 (车队)', phone: '13800000004', tags: ['04A1B2C3D7'], vins: ['LGXC16DF4M0000004'] },
  { name: '孙敏', phone: '13800000005', tags: ['04A1B2C3D8'], vins: [] },
  { name: 'Li Ming', phone: '13800000006', tags: ['04A1B2C3D9'], vins: [] },
] as const;

/**
 * Drivers with a week of history: top-ups, settled sessions, a debt and its collection, coupons,
 * points, an open hold and a correction. Every movement has a `demo:` key, so a second run
 * replays and moves nothing.
 */
export const ledgerDemoStep: DemoStep = {
  name: 'ledger',
  run(app) {
    if (findDriverByIdTag(app, DEMO_DRIVERS[0].tags[0])) return 'demo drivers already exist; left as they are';
    const operator = operatorIdByName(app, 'zhang.wei');
    const finance = operatorIdByName(app, 'wang.fang');
    const by = { operatorId: operator };
    const byFinance = { operatorId: finance };
    const now = app.clock.now();
    // Operations dated in the past week: the same code, with the clock it reads moved back.
    const at = (daysAgo: number, hour: number): LedgerApp => ({
      sqlite: app.sqlite,
      ids: app.ids,
      clock: { now: () => now - daysAgo * DAY + hour * 3_600_000 - 12 * 3_600_000, timeZone: app.clock.timeZone },
    });
    const ids = DEMO_DRIVERS.map((d) => addDriver(at(7, 0), { ...d, tags: [...d.tags], vins: [...d.vins] }, by).id);
    const [chen, liu, wang, zhao, sun, li] = ids;

    topUp(at(7, 1), { key: 'demo:topup:chen:1', driverId: chen, amountFen: 50000, channel: 'cash' }, by);
    topUp(at(7, 2), { key: 'demo:topup:liu:1', driverId: liu, amountFen: 20000, channel: 'wechat' }, by);
    topUp(at(6, 1), { key: 'demo:topup:wang:1', driverId: wang, amountFen: 10000, channel: 'alipay' }, by);
    topUp(at(6, 2), { key: 'demo:topup:zhao:1', driverId: zhao, amountFen: 200000, channel: 'cash', memo: '车队月度预存' }, by);
    topUp(at(5, 3), { key: 'demo:topup:li:1', driverId: li, amountFen: 3000, channel: 'cash' }, by);

    grantCoupon(at(6, 3), { key: 'demo:coupon:wang:1', driverId: wang, amountFen: 2000, expiresAt: now + 30 * DAY, campaignId: 'welcome' }, byFinance);
    const sunCoupon = grantCoupon(at(6, 3), { key: 'demo:coupon:sun:1', driverId: sun, amountFen: 1500, campaignId: 'welcome' }, byFinance);
    grantPoints(at(6, 4), { key: 'demo:points:chen:1', driverId: chen, points: 120, campaignId: 'welcome' }, byFinance);
    grantPoints(at(6, 4), { key: 'demo:points:zhao:1', driverId: zhao, points: 800, campaignId: 'fleet' }, byFinance);

    // Sessions settled against their holds.
    const sessions: [string, string, number, number, number, number][] = [
      [chen, 'demo-s-001', 5, 8000, 3560, 1200],
      [liu, 'demo-s-002', 5, 6000, 4210, 1500],
      [zhao, 'demo-s-003', 4, 20000, 15230, 4800],
      [chen, 'demo-s-004', 3, 8000, 2875, 960],
      [wang, 'demo-s-005', 2, 5000, 4100, 1300],
    ];
    for (const [driverId, sessionId, daysAgo, holdFen, electricityFen, serviceFen] of sessions) {
      const hold = placeHold(at(daysAgo, 1), { key: `demo:hold:${sessionId}`, driverId, amountFen: holdFen, expiresAt: now + DAY, sessionId }, by);
      postSessionCharge(at(daysAgo, 2), { key: `demo:settle:${sessionId}`, driverId, sessionId, holdId: hold.holdId, electricityFen, serviceFen }, by);
    }
    // Sun charged on a coupon with no wallet money: the coupon pays part, the rest is a debt.
    postSessionCharge(
      at(3, 5),
      { key: 'demo:settle:demo-s-006', driverId: sun, sessionId: 'demo-s-006', electricityFen: 2650, serviceFen: 800, couponIds: [sunCoupon.couponId] },
      by,
    );
    // Li's session cost more than his wallet: a debt, collected by his next top-up.
    postSessionCharge(at(2, 3), { key: 'demo:settle:demo-s-007', driverId: li, sessionId: 'demo-s-007', electricityFen: 3980, serviceFen: 1100 }, by);
    topUp(at(1, 2), { key: 'demo:topup:li:2', driverId: li, amountFen: 5000, channel: 'wechat' }, by);
    // A charger fault: a compensation credit, and a hold released by hand.
    creditCompensation(at(1, 4), { key: 'comp:demo-fault-0112:' + liu, driverId: liu, amountFen: 500, campaignId: 'demo-fault-0112', memo: '充电桩故障补偿' }, byFinance);
    const stuck = placeHold(at(1, 5), { key: 'demo:hold:demo-s-008', driverId: liu, amountFen: 3000, expiresAt: now + DAY, sessionId: 'demo-s-008' }, by);
    voidHold(at(1, 6), { key: 'demo:release:demo-s-008', holdId: stuck.holdId, memo: '启动失败，释放冻结' }, byFinance);
    // A top-up typed twice at the counter, corrected.
    topUp(at(1, 7), { key: 'demo:topup:wang:2', driverId: wang, amountFen: 10000, channel: 'cash', memo: '重复录入' }, by);
    correctTransfer(at(1, 8), { key: 'demo:correct:wang:2', transferId: 'demo:topup:wang:2', memo: '重复录入，冲正' }, byFinance);
    // Chen is charging right now: an open hold.
    placeHold(at(0, 11), { key: 'demo:hold:demo-s-009', driverId: chen, amountFen: 8000, expiresAt: now + 4 * 3_600_000, sessionId: 'demo-s-009' }, by);

    return `${ids.length} drivers with a week of top-ups, settled sessions, a debt, coupons, points, a correction and one open hold`;
  },
};
