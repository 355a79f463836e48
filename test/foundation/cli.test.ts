import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers';

const PW = { DEPOTDESK_PASSWORD: 'admin-password' };

// Each case spawns the real CLI several times; a busy 2-core machine (or a rebuild of the bundle
// after a source changed) makes one spawn take seconds, so the bound is per case and generous (it
// is a bound, not a timing assertion).
describe('the depotdesk command', { timeout: 240_000 }, () => {
  it('init creates the data directory and the admin without a prompt; a second init is refused', () => {
    const dir = tempDir();
    const r = cli(['init', '--admin', 'boss', '--data-dir', dir, '--json'], PW);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ admin: { name: string; role: string } }>().admin).toMatchObject({ name: 'boss', role: 'admin' });
    expect(fs.existsSync(path.join(dir, 'depotdesk.sqlite'))).toBe(true);
    expect(fs.statSync(path.join(dir, 'instance-token')).mode & 0o777).toBe(0o600);
    const again = cli(['init', '--admin', 'boss2', '--data-dir', dir], PW);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already initialised/);
  });

  it('doctor reports ok on a fresh data directory', () => {
    const dir = tempDir();
    const r = cli(['doctor', '--data-dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json<{ ok: boolean; checks: { name: string; ok: boolean }[] }>();
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['migrations', 'integrity', 'audit_chain', 'broker']));
  });

  it('usage errors exit 2 and name the problem', () => {
    const dir = tempDir();
    expect(cli(['frobnicate']).code).toBe(2);
    const badOpt = cli(['doctor', '--data-dir', dir, '--colour']);
    expect(badOpt.code).toBe(2);
    expect(badOpt.stderr).toMatch(/--colour/);
    const noAdmin = cli(['init', '--data-dir', dir]);
    expect(noAdmin.code).toBe(2);
    expect(noAdmin.stderr).toMatch(/--admin/);
    // A --set value the config refuses is the command line's mistake (issue 19: it exited 1).
    const badSet = cli(['doctor', '--data-dir', dir, '--set', 'timeZone=Nowhere/Land']);
    expect(badSet.code).toBe(2);
    expect(badSet.stderr).toMatch(/--set: .*timeZone/);
    // A --db in a folder that does not exist is a mistyped path, not a new depot.
    const typo = path.join(dir, 'no-such-folder', 'depotdesk.sqlite');
    const badDb = cli(['doctor', '--db', typo]);
    expect(badDb.code).toBe(2);
    expect(badDb.stderr).toMatch(/--db: the folder .*no-such-folder does not exist/);
    expect(fs.existsSync(path.dirname(typo))).toBe(false);
    // A negative number reaches the command, which says what is wrong with it (not node's "ambiguous").
    const negative = cli(['wallet', 'topup', '--driver', 'D1', '--amount', '-5', '--key', 'k1', '--data-dir', dir]);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/--amount/);
    expect(negative.stderr).not.toMatch(/ambiguous/);
    // Global options may come first; the error then names the command that was typed, not the value.
    const unknown = cli(['--data-dir', dir, 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const leadingBad = cli(['--colour', 'doctor', '--data-dir', dir]);
    expect(leadingBad.code).toBe(2);
    expect(leadingBad.stderr).toMatch(/--colour/);
  });

  it('operator commands act as the --as operator and respect roles', () => {
    const dir = tempDir();
    expect(cli(['init', '--admin', 'boss', '--data-dir', dir], PW).code).toBe(0);
    const add = cli(['operator', 'add', '--name', 'zhang', '--role', 'operator', '--data-dir', dir, '--as', 'boss', '--json'], {
      ...PW,
      DEPOTDESK_NEW_PASSWORD: 'zhang-password',
    });
    expect(add.code, add.stderr).toBe(0);
    const list = cli(['operator', 'list', '--data-dir', dir, '--as', 'boss', '--json'], PW);
    expect(list.json<{ name: string }[]>().map((o) => o.name)).toEqual(['boss', 'zhang']);
    const denied = cli(['operator', 'add', '--name', 'x2', '--role', 'admin', '--data-dir', dir, '--as', 'zhang'], {
      DEPOTDESK_PASSWORD: 'zhang-password',
      DEPOTDESK_NEW_PASSWORD: 'whatever-pw',
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/needs one of the roles admin/);
    const wrongPw = cli(['operator', 'list', '--data-dir', dir, '--as', 'boss'], { DEPOTDESK_PASSWORD: 'nope' });
    expect(wrongPw.code).toBe(1);
    expect(wrongPw.stderr).toMatch(/wrong operator name or password/);
    const noAs = cli(['operator', 'list', '--data-dir', dir]);
    expect(noAs.code).toBe(2);
    expect(noAs.stderr).toMatch(/--as NAME/);
  });

  it('audit verify fails naming the row someone edited with sqlite', () => {
    const dir = tempDir();
    expect(cli(['init', '--admin', 'boss', '--data-dir', dir], PW).code).toBe(0);
    for (const name of ['aa', 'bb']) {
      cli(['operator', 'add', '--name', name, '--role', 'operator', '--data-dir', dir, '--as', 'boss'], { ...PW, DEPOTDESK_NEW_PASSWORD: 'longenough' });
    }
    expect(cli(['audit', 'verify', '--data-dir', dir]).code).toBe(0);
    const db = new Database(path.join(dir, 'depotdesk.sqlite'));
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare("UPDATE audit_log SET operator_name = 'nobody' WHERE id = 2").run();
    db.close();
    const r = cli(['audit', 'verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/row 2/);
    const j = cli(['audit', 'verify', '--data-dir', dir, '--json']);
    expect(j.json()).toMatchObject({ ok: false, broken: { id: 2 } });
  });

  it('backup writes a checked copy and never overwrites an existing file', () => {
    const dir = tempDir();
    expect(cli(['init', '--admin', 'boss', '--data-dir', dir], PW).code).toBe(0);
    const out = path.join(tempDir(), 'copy.sqlite');
    const r = cli(['backup', '--out', out, '--data-dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const copy = new Database(out, { readonly: true });
    expect(copy.prepare('SELECT name FROM operators').all()).toEqual([{ name: 'boss' }]);
    copy.close();
    const again = cli(['backup', '--out', out, '--data-dir', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('demo builds a demo depot with the default password, and a second run changes nothing', () => {
    const dir = tempDir();
    const first = cli(['demo', '--data-dir', dir, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json<{ steps: { step: string }[] }>().steps.map((s) => s.step)).toEqual(
      expect.arrayContaining(['operators', 'ledger', 'tariffs', 'chargers', 'payments']),
    );
    const verify = cli(['audit', 'verify', '--data-dir', dir]);
    expect(verify.code).toBe(0);
    const list = cli(['operator', 'list', '--data-dir', dir, '--as', 'admin', '--json'], { DEPOTDESK_PASSWORD: 'depotdesk-demo' });
    expect(list.code, list.stderr).toBe(0);
    const again = cli(['demo', '--data-dir', dir, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already exist/);
  });
});
