import { createElement, type ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { I18nProvider } from '../../src-renderer/i18n';
import { makeSession, SessionContext, type Operator, type Role } from '../../src-renderer/session';
import { OrderFacts } from '../../src-renderer/pages/payments/OrderDrawer';
import { DriverPhone } from '../../src-renderer/pages/ledger/DriverDetail';

/**
 * A driver's phone is masked (138****0003) in the payment order drawer and in the driver page's
 * header, for every role — the admin the audit walked as included. On the driver page a supervisor
 * or admin can ask for the whole number (显示完整号码); an operator cannot.
 */

const PHONE = '13800000003';
const MASKED = '138****0003';

function asRole(role: Role, node: ReactNode): string {
  const operator = { id: 'op1', name: role, displayName: role, role } as Operator;
  return renderToString(createElement(SessionContext.Provider, { value: makeSession(operator) }, createElement(I18nProvider, null, node)));
}

const money = (fen: number) => ({ fen, yuan: (fen / 100).toFixed(2) });
const order = {
  id: '01KC0RDER',
  number: 'DD202612080001',
  state: 'PAID',
  driverId: '01KCDRIVER',
  driverName: '王丽',
  driverPhone: PHONE,
  channel: 'wechat',
  amount: money(20_000),
  payable: money(20_000),
  credited: money(20_000),
  coupon: { amount: money(0), status: null },
  points: 0,
  pointsValue: money(0),
  createdAt: Date.parse('2026-12-08T06:50:36+08:00'),
  paidAt: Date.parse('2026-12-08T06:50:40+08:00'),
  cancelledAt: null,
  providerTradeNo: null,
  providerError: null,
} as unknown as Parameters<typeof OrderFacts>[0]['order'];

describe('masked phones', () => {
  it('the payment order drawer masks the driver’s phone for every role', () => {
    for (const role of ['operator', 'finance', 'supervisor', 'admin'] as Role[]) {
      const html = asRole(role, createElement(OrderFacts, { order }));
      expect(html, role).toContain(`王丽 · ${MASKED}`);
      expect(html, role).not.toContain(PHONE);
    }
  });

  it('the driver page’s header masks the phone; a supervisor or admin is offered the whole number, an operator is not', () => {
    for (const role of ['supervisor', 'admin'] as Role[]) {
      const html = asRole(role, createElement(DriverPhone, { phone: PHONE, revealable: true }));
      expect(html, role).toContain(MASKED);
      expect(html, role).not.toContain(PHONE);
      expect(html, role).toContain('显示完整号码');
    }
    const html = asRole('operator', createElement(DriverPhone, { phone: PHONE, revealable: false }));
    expect(html).toContain(MASKED);
    expect(html).not.toContain(PHONE);
    expect(html).not.toContain('ledger-driver-phone-reveal');
  });
});
