import type { AppContext } from '../kernel/context';
import { findDriverByIdTag, grantCoupon, grantPoints, listCoupons, topUp } from '../ledger';
import type { Figure } from '../kernel/plugins';
import type { DemoStep } from '../kernel/plugins';
import { simulateCustomerPaid } from './confirm';
import { cancelOrder, createOrder, createPackage, listPackages, paymentTotals } from './orders';
import { operatorIdByName } from '../operators';

/** Payments' contributions to the dashboard and `depotdesk demo`. */

export function paymentFigures(app: AppContext): Figure[] {
  const t = paymentTotals(app);
  return [
    { key: 'payments.pendingOrders', value: t.pendingOrders, unit: 'count' },
    { key: 'payments.pendingAmount', value: t.pendingFen, unit: 'fen' },
    { key: 'payments.unmatched', value: t.unmatchedOpen, unit: 'count' },
    { key: 'payments.unmatchedAmount', value: t.unmatchedOpenFen, unit: 'fen' },
  ];
}

export const DEMO_PACKAGES = [
  { name: '充200送20', priceFen: 20000, creditedFen: 22000 },
  { name: '充500送80', priceFen: 50000, creditedFen: 58000 },
  { name: '充1000送200', priceFen: 100000, creditedFen: 120000 },
] as const;

/**
 * Packages and a few orders in each state: paid (with a package), pending (with coupon and
 * points applied), cancelled at the counter, and one paid after it was cancelled (an open 长款).
 * Needs the ledger step's drivers; a second run changes nothing.
 */
export const paymentsDemoStep: DemoStep = {
  name: 'payments',
  async run(app) {
    if (listPackages(app, { includeInactive: true }).length > 0) return 'packages already exist; left as they are';
    const finance = operatorIdByName(app, 'wang.fang');
    const operator = operatorIdByName(app, 'zhang.wei');
    const byFinance = { operatorId: finance };
    const by = { operatorId: operator };
    const packages = DEMO_PACKAGES.map((p) => createPackage(app, p, byFinance));
    const chen = findDriverByIdTag(app, '04A1B2C3D4');
    const wang = findDriverByIdTag(app, '04A1B2C3D6');
    const liu = findDriverByIdTag(app, '04A1B2C3D5');
    if (!chen || !wang || !liu) return `${packages.length} packages (no demo drivers, so no orders)`;

    const paid = await createOrder(app, { driverId: chen.id, packageId: packages[0].id, channel: 'wechat', key: 'demo:order:chen:1' }, by);
    simulateCustomerPaid(app, paid.id, by);

    // A pending order with a coupon and points applied: the timeout job will give them back.
    const coupon = listCoupons(app, wang.id).find((c) => c.status === 'active') ?? null;
    const points = grantPoints(app, { key: 'demo:points:wang:order', driverId: wang.id, points: 300, campaignId: 'welcome' }, byFinance);
    await createOrder(
      app,
      {
        driverId: wang.id,
        amountFen: 10000,
        couponId: coupon?.couponId,
        couponFen: coupon ? Math.min(1000, coupon.remainingFen) : undefined,
        points: Math.min(200, points.balance),
        channel: 'alipay',
        key: 'demo:order:wang:1',
      },
      by,
    );

    const walkedAway = await createOrder(app, { driverId: liu.id, amountFen: 5000, channel: 'wechat', key: 'demo:order:liu:1' }, by);
    cancelOrder(app, walkedAway.id, '顾客改用现金', by);

    // Paid after it was cancelled: an open unmatched payment for finance to resolve.
    const extra = grantCoupon(app, { key: 'demo:coupon:liu:order', driverId: liu.id, amountFen: 500, campaignId: 'welcome' }, byFinance);
    const late = await createOrder(app, { driverId: liu.id, packageId: packages[1].id, couponId: extra.couponId, channel: 'alipay', key: 'demo:order:liu:2' }, by);
    cancelOrder(app, late.id, '超时未付 (演示)', by);
    simulateCustomerPaid(app, late.id, by);
    topUp(app, { key: 'demo:topup:liu:counter', driverId: liu.id, amountFen: 5000, channel: 'cash', memo: '改用现金' }, by);

    return `${packages.length} packages; orders: 1 paid, 1 pending with coupon and points, 2 cancelled, 1 unmatched payment (长款) to resolve`;
  },
};
