import { describe, expect, it } from 'vitest';
import { orderNumberOfKey, statementReference, type ReferenceLine, type ReferenceNumbers } from '../../src-renderer/lib/statementReference';
import { orderLedgerKeys } from '../../src-main/payments/orders';

/**
 * A statement line's 关联单号 (lib/statementReference.ts, the Ledger page's driver statement and the
 * statement export): the business number the line is about — CD… for a session, DD… for a payment
 * order, the session or order behind a debt, a campaign's batch or a gateway's trade number — and
 * nothing (a dash on screen) when the line has none: never the ledger's key, a campaign id or a ULID.
 */

const SESSION = '01KCS0000000000000000SESS1';
const ORDER = '01KC0RDER00000000000000RD1';
const DEBT = '01KCDEBT000000000000000DB1';
const numbers: ReferenceNumbers = {
  session: (id) => ({ [SESSION]: 'CD00000042' })[id],
  order: (id) => ({ [ORDER]: 'DD202612080001' })[id],
  debt: (id) => (id === DEBT ? { sessionId: SESSION, orderId: null } : undefined),
};
const line = (over: Partial<ReferenceLine>): ReferenceLine => ({
  transferId: 'x',
  reversesId: null,
  sessionId: null,
  orderId: null,
  campaignId: null,
  statementRow: null,
  debtId: null,
  ...over,
});
const ref = (over: Partial<ReferenceLine>) => statementReference(line(over), numbers);

describe('the reference of a statement line', () => {
  it("is the session's or the order's number when the line names one", () => {
    expect(ref({ transferId: `settle:${SESSION}#hold:electricity`, sessionId: SESSION })).toBe('CD00000042');
    expect(ref({ transferId: `order:${ORDER}:coupon`, orderId: ORDER })).toBe('DD202612080001');
  });

  it("is the order's number for an order's money moves, which carry it in their key only (pay:DD…, order:DD…), and for a correction of one", () => {
    for (const key of ['pay:DD202612080001', 'pay:DD202612080001:bonus', 'order:DD202612080001:points_restore', 'pay:DD202612080001#collect:01KCDEBT0']) {
      expect(ref({ transferId: key, statementRow: '4200001888202612080000000001' }), key).toBe('DD202612080001');
    }
    expect(ref({ transferId: 'fix-1', reversesId: 'pay:DD202612080001:bonus' })).toBe('DD202612080001');
    // The payments' own keys (orderLedgerKeys) are the ones read, continued by ':' or '#'.
    for (const key of orderLedgerKeys('DD202612070004')) {
      expect(orderNumberOfKey(key)).toBe('DD202612070004');
      expect(orderNumberOfKey(`${key}:coupon`)).toBe('DD202612070004');
      expect(orderNumberOfKey(`${key}#collect:x`)).toBe('DD202612070004');
    }
    for (const key of ['payment:DD1', 'pay:DD2026x', 'topup:pay:DD1', 'pay:DD1x', 'pay:', null]) expect(orderNumberOfKey(key), String(key)).toBeUndefined();
  });

  it('names a collected or written-off debt by the session (or order) that left it', () => {
    expect(ref({ transferId: `counter:cash-1#collect:${DEBT}`, debtId: DEBT })).toBe('CD00000042');
  });

  it("is a campaign's batch or the gateway's trade number, not the campaign's id", () => {
    expect(ref({ transferId: 'comp:c1:d1', campaignId: '01KCCAMPA1GN', statementRow: 'COMP-20261208-01' })).toBe('COMP-20261208-01');
    expect(ref({ transferId: 'long:1', statementRow: '4200001888202612020000000001' })).toBe('4200001888202612020000000001');
    expect(ref({ transferId: 'demo:points:chen:1', campaignId: 'welcome' })).toBeNull();
  });

  it('is nothing for a line with no business number: a counter top-up, a session or debt the depot does not know', () => {
    expect(ref({ transferId: 'demo:topup:li:1' })).toBeNull();
    expect(ref({ transferId: 'topup-6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f' })).toBeNull();
    expect(ref({ transferId: 'demo:hold:demo-s-001', sessionId: 'demo-s-001' })).toBeNull();
    expect(ref({ transferId: 'c#collect:01KCOTHER', debtId: '01KCOTHER' })).toBeNull();
  });
});
