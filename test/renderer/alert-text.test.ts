import { describe, expect, it } from 'vitest';
import { listAlerts, type Alert } from '../../src-main/alerts';
import { wordingFor } from '../../src-renderer/i18n';
import { alertText, WORDED_ALERT_CODES } from '../../src-renderer/lib/alertText';
import { addOperator, call, makeApp } from '../helpers';
import { orderWithConsumedCoupon, pastTheTimeout, payApp } from '../payments/fixtures';

/**
 * Alerts in the operator's language (issue 16): the screens word an alert from its code and
 * details; the core's message stays the log's. Checked on alerts the core really raised.
 */

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');
const CJK = /[\u3400-\u9fff]/;

function expectWorded(a: Alert): void {
  const z = alertText(zh, a);
  const e = alertText(en, a);
  expect(z, `${a.code} in zh-CN`).not.toBe(a.message);
  expect(z).toMatch(CJK);
  expect(z).not.toMatch(/[{}]/);
  expect(e, `${a.code} in en-US`).not.toMatch(CJK);
  expect(e).not.toMatch(/[{}]/);
}

describe('alertText', () => {
  it('every worded code has its wording in both dictionaries', () => {
    for (const code of WORDED_ALERT_CODES) {
      expect(zh.maybe(`alerts.msg.${code}`), `zh-CN alerts.msg.${code}`).toBeDefined();
      expect(en.maybe(`alerts.msg.${code}`), `en-US alerts.msg.${code}`).toBeDefined();
    }
  });

  it('words a real auth.throttled alert with its operator, count and wait', async () => {
    const { app } = makeApp();
    await addOperator(app, 'admin', 'root');
    for (let i = 0; i < 5; i += 1) await call(app, null, 'auth.login', { name: 'root', password: `guess-${i}` });
    const a = listAlerts(app, { limit: 10, offset: 0 }).items.find((x) => x.code === 'auth.throttled')!;
    expectWorded(a);
    expect(alertText(zh, a)).toBe('操作员 root 连续 5 次密码错误：此后每次失败后需等待 30 秒才能再登录');
  });

  it('words a real payments.cancel_stuck alert with the order number', async () => {
    const t = payApp({ payments: { stuckCancelAttempts: 1 } });
    const { order: o } = await orderWithConsumedCoupon(t.app);
    await pastTheTimeout(t);
    const a = listAlerts(t.app, { limit: 10, offset: 0 }).items.find((x) => x.code === 'payments.cancel_stuck')!;
    expectWorded(a);
    expect(alertText(en, a)).toContain(o.number);
    await t.scheduler.stop();
  });

  it("an alert without the details its wording needs (an older build's), or of a code not worded, shows the core's message", () => {
    const old = { code: 'auth.throttled', message: '5 wrong passwords in a row for operator root', details: {} };
    expect(alertText(zh, old)).toBe(old.message);
    const unknown = { code: 'something.new', message: 'a new kind of alert', details: { x: 1 } };
    expect(alertText(en, unknown)).toBe(unknown.message);
  });
});
