import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n/wording';
import { auditVerdictText, WORDED_CHAIN_BREAKS, type AuditVerdictView } from '../../src-renderer/lib/auditVerdict';
import { addOperator, makeApp, ok } from '../helpers';

/**
 * The audit chain's verdict on 设置 → 审计日志 in the operator's language (issue 16): the core names
 * what broke by a code and params beside its English reason (the CLI's); the screen words the code.
 * Checked on verdicts the core really gave for a tampered log.
 */

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');
const CJK = /[\u3400-\u9fff]/;

async function auditedDepot() {
  const t = makeApp();
  const admin = await addOperator(t.app, 'admin');
  for (const name of ['aa', 'bb', 'cc', 'dd']) await ok(t.app, admin, 'operators.create', { name, role: 'operator', password: 'longenough' });
  const verify = () => ok<AuditVerdictView>(t.app, admin, 'audit.verify', {});
  return { ...t, admin, verify };
}

describe('the audit verdict in words', () => {
  it('every code the wording knows has its words in both dictionaries', () => {
    for (const code of [...WORDED_CHAIN_BREAKS, 'checkpoint_forged']) {
      expect(zh.maybe(`audit.broken.${code}`), `zh-CN audit.broken.${code}`).toBeDefined();
      expect(en.maybe(`audit.broken.${code}`), `en-US audit.broken.${code}`).toBeDefined();
    }
  });

  it('an intact log, then a row edited with sqlite: the row named, what happened to it in words', async () => {
    const { app, verify } = await auditedDepot();
    expect(auditVerdictText(zh, await verify())).toBe('审计日志完整：共 4 条，哈希链未被篡改');
    app.sqlite.exec('DROP TRIGGER audit_log_no_update');
    app.sqlite.prepare("UPDATE audit_log SET input_summary = '{}' WHERE id = 3").run();
    const v = await verify();
    expect(v.broken).toMatchObject({ id: 3, code: 'hash_mismatch', reason: expect.stringMatching(/edited/) });
    expect(auditVerdictText(zh, v)).toBe('审计日志在第 3 条处断裂：内容与其哈希不符（这一条被修改过）');
    expect(auditVerdictText(en, v)).toBe('Audit log broken at row 3: its content does not match its hash (the row was edited)');
  });

  it('a removed tail, then a removed row: each named in words, the checkpoint by its line and time', async () => {
    const { app, admin, verify } = await auditedDepot();
    await ok(app, admin, 'system.backup');
    app.sqlite.exec('DROP TRIGGER audit_log_no_delete');
    // The backup (row 5) recorded row 4 in its checkpoint; removing 4 and 5 leaves a chain valid on its own.
    app.sqlite.prepare('DELETE FROM audit_log WHERE id >= 4').run();
    const tail = await verify();
    expect(tail.broken).toMatchObject({ id: 3, code: 'tail_removed', params: { end: 3, recorded: 4, line: 1 } });
    expect(auditVerdictText(zh, tail)).toMatch(
      /^审计日志在第 3 条处断裂：哈希链止于第 3 条，但检查点文件第 1 行（\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}）记录到第 4 条：最后的记录被删除$/,
    );
    expect(auditVerdictText(en, tail)).toContain('line 1 of the checkpoint file');

    app.sqlite.prepare('DELETE FROM audit_log WHERE id = 2').run();
    const gap = await verify();
    expect(auditVerdictText(zh, gap)).toBe('审计日志在第 3 条处断裂：它之前的第 2 条缺失');
  });

  it('without its key file the log fails as a whole, the file named', async () => {
    const { app, verify } = await auditedDepot();
    const keyFile = path.join(path.dirname(app.paths.dbFile), 'chain-key');
    fs.rmSync(keyFile);
    const v = await verify();
    expect(v.broken).toMatchObject({ id: 0, code: 'key_missing', params: { file: keyFile } });
    expect(auditVerdictText(zh, v)).toBe(
      `审计日志校验未通过：链密钥文件 ${keyFile} 不见了，无法校验审计日志和账本的哈希链；请从你保存的数据文件夹副本中恢复该文件（系统绝不会为已有的链新建密钥）`,
    );
    expect(auditVerdictText(en, v)).toMatch(/^Audit log check failed: the chain key .* is missing/);
  });

  it('a forged checkpoint fails the log as a whole; a code the screen does not know shows the core’s reason', () => {
    const base = { ok: false, rows: 4, checkpoints: { forgedLines: [] } };
    const noKey: AuditVerdictView = {
      ...base,
      broken: { id: 0, reason: 'the chain key /d/chain-key is missing…', code: 'key_missing', params: { file: '/d/chain-key' } },
    };
    expect(auditVerdictText(zh, noKey)).toMatch(/^审计日志校验未通过：链密钥文件 \/d\/chain-key 不见了/);
    expect(auditVerdictText(en, noKey)).toMatch(/^Audit log check failed: the chain key \/d\/chain-key is missing/);
    const forged: AuditVerdictView = { ...base, broken: null, checkpoints: { forgedLines: [2, 5] } };
    expect(auditVerdictText(zh, forged)).toBe('审计日志校验未通过：检查点文件第 2, 5 行的签名不成立（被改过，或不是用本站密钥生成的）');
    expect(auditVerdictText(en, forged)).not.toMatch(CJK);
    const newer: AuditVerdictView = { ...base, broken: { id: 7, reason: 'something a newer core found', code: 'something_new', params: {} } };
    expect(auditVerdictText(zh, newer)).toBe('审计日志在第 7 条处断裂：something a newer core found');
    const older: AuditVerdictView = { ...base, broken: { id: 7, reason: 'row 6 is missing before row 7', code: 'row_missing', params: {} } };
    expect(auditVerdictText(en, older)).toBe('Audit log broken at row 7: row 6 is missing before row 7');
  });
});
