import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { wordingFor } from '../../src-renderer/i18n/wording';
import { auditInputLines, parseAuditInput } from '../../src-renderer/lib/auditInput';
import { zhCN } from '../../src-renderer/i18n/zh-CN';
import { enUS } from '../../src-renderer/i18n/en-US';
import { depot } from '../../src-main/modules';

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');
const numbers = { session: (id: string) => (id === 'S1' ? 'CD00000042' : id), order: (id: string) => (id === 'O1' ? 'DD202612070002' : id) };

/** The top-level fields of a method's input (through optional/default/refine wrappers). */
function inputKeys(schema: z.ZodType): string[] {
  let s: unknown = schema;
  for (let i = 0; i < 10; i++) {
    const def = (s as { _zod?: { def?: { innerType?: unknown; in?: unknown } } })._zod?.def;
    const inner = def?.innerType ?? def?.in;
    if (!inner) break;
    s = inner;
  }
  return Object.keys((s as { shape?: Record<string, unknown> }).shape ?? {});
}

describe('an audit row’s details read as a form, not as JSON', () => {
  it('a sign-in shows its fields with labels in the operator’s language and the starred password as •••', () => {
    const input = parseAuditInput('{"name":"admin","password":"***"}');
    expect(auditInputLines(zh, 'auth.login', input, numbers)).toEqual([
      { key: 'name', label: '名称', value: 'admin' },
      { key: 'password', label: '密码', value: '•••' },
    ]);
    expect(auditInputLines(en, 'auth.login', input, numbers).map((l) => `${l.label} ${l.value}`)).toEqual(['Name admin', 'Password •••']);
  });

  it('shows every field, sessions and orders by number, money in yuan, yes/no, lists and nested settings in words', () => {
    const input = parseAuditInput(
      '{"orderId":"O1","amount":"88","reason":"顾客改用现金","active":false,"tags":["fleet","vip"],"params":{"count":4,"windowHours":24},"wait":true}',
    );
    const lines = auditInputLines(zh, 'x.y', input, numbers);
    expect(lines).toEqual([
      { key: 'orderId', label: '支付订单', value: 'DD202612070002' },
      { key: 'amount', label: '金额', value: '¥88.00' },
      { key: 'reason', label: '原因', value: '顾客改用现金' },
      { key: 'active', label: zh.t('audit.field.active'), value: '否' },
      { key: 'tags', label: zh.t('audit.field.tags'), value: 'fleet、vip' },
      { key: 'params', label: zh.t('audit.field.params'), value: 'count 4 · windowHours 24' },
      { key: 'wait', label: zh.t('audit.field.wait'), value: '是' },
    ]);
    for (const l of lines) expect(l.value).not.toMatch(/[{}"[\]]/);
    expect(auditInputLines(en, 'x.y', parseAuditInput('{"active":true,"note":null}'), numbers)).toEqual([{ key: 'active', label: 'Active', value: 'Yes' }]);
    // A record cut at 1000 characters is not an object: there are no lines to show.
    expect(auditInputLines(zh, 'x.y', parseAuditInput('{"spec":{"name":"…'), numbers)).toEqual([]);
  });

  it('every field a command takes has a label in both languages (read from the contract, so a new field without one fails here)', () => {
    const keys = Object.values(depot.methods)
      .filter((d) => d.kind === 'command')
      .flatMap((d) => inputKeys(d.input as z.ZodType));
    expect(keys).toContain('password');
    expect(keys.length).toBeGreaterThan(50);
    const unlabelled = [...new Set(keys)].filter((k) => !(`audit.field.${k}` in zhCN) || !(`audit.field.${k}` in enUS));
    expect(unlabelled).toEqual([]);
  });
});
