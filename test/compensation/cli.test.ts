import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src-main/kernel/clock';
import { verifyLedger } from '../../src-main/ledger';
import { addOperator, cli, makeApp } from '../helpers';
import { burstSpec, seedBurst } from './fixtures';

/** `depotdesk campaign …` through the real CLI (child processes), against a data dir with the 2026-01-15 case. */

const env = { DEPOTDESK_PASSWORD: 'correct-horse' };
// Each command is a child process loading the core (the bundled CLI): a second or more each on a busy machine.
const CLI_TIMEOUT = 240_000;

describe('depotdesk campaign commands', () => {
  it(
    'create → dry-run with Excel → the creator cannot approve → another supervisor approves → execute with progress lines → executing again credits nobody',
    async () => {
      const { app, dir } = makeApp({ clock: new FakeClock('2026-01-16T02:00:00Z') });
      await addOperator(app, 'supervisor', 'li.na');
      await addOperator(app, 'supervisor', 'zhou.qiang');
      seedBurst(app);
      const specFile = path.join(dir, 'spec.json');
      fs.writeFileSync(specFile, JSON.stringify(burstSpec(), null, 2));
      const base = ['--data-dir', dir];

      const created = cli(['campaign', 'create', '--spec', specFile, '--as', 'li.na', '--json', ...base], env);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const c = created.json<{ id: string; state: string }>();
      expect(c.state).toBe('draft');

      const xlsx = path.join(dir, 'dry-run.xlsx');
      const dry = cli(['campaign', 'dry-run', c.id, '--export', xlsx, '--as', 'li.na', ...base], env);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('dry run: 972 records, 595 drivers, total ¥5950.00');
      expect(dry.stdout).toMatch(/7-10\s+5 drivers\s+50 records\s+¥50.00/);
      expect(dry.stdout).toContain('exported 595 rows');
      // The most-failures list names drivers with the phone masked (139****0590), never whole.
      expect(dry.stdout).toMatch(/^ {2}\S+ {2}车主\d+ {2}139\*{4}\d{4} {2}10× {2}¥10\.00 {2}\(balance ¥100\.00\)$/m);
      expect(dry.stdout).not.toMatch(/139\d{8}/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(xlsx);
      expect(wb.getWorksheet('明细')!.rowCount).toBe(596);

      const own = cli(['campaign', 'approve', c.id, '--as', 'li.na', ...base], env);
      expect(own.code).toBe(1);
      expect(own.stderr).toMatch(/creator of a campaign cannot approve it/);

      const wrong = cli(['campaign', 'approve', c.id, '--expect-total', '5000.00', '--as', 'zhou.qiang', ...base], env);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/total is ¥5950.00, not 5000.00/);

      const approved = cli(['campaign', 'approve', c.id, '--expect-drivers', '595', '--expect-total', '5950.00', '--as', 'zhou.qiang', '--json', ...base], env);
      expect(approved.code).toBe(0);
      expect(approved.json<{ state: string }>().state).toBe('approved');

      const run = cli(['campaign', 'execute', c.id, '--as', 'zhou.qiang', '--set', 'compensation.chunkSize=200', ...base], env);
      expect(run.code).toBe(0);
      expect(run.stdout.split('\n').filter((l) => l.includes(' %  '))).toEqual([' 33 %  200 / 595 drivers', ' 67 %  400 / 595 drivers', '100 %  595 / 595 drivers']);
      expect(run.stdout).toContain('result   credited 595, already credited 0, failed 0, pending 0 of 595; credited ¥5950.00 of ¥5950.00');

      const again = cli(['campaign', 'execute', c.id, '--as', 'zhou.qiang', '--json', ...base], env);
      expect(again.code).toBe(0);
      expect(again.json<{ state: string; summary: { credited: number } }>()).toMatchObject({ state: 'completed', summary: { credited: 595 } });
      expect(app.sqlite.prepare("SELECT count(*) AS n, sum(amount) AS total FROM ledger_transfers WHERE campaign_id = ? AND code = 'compensation'").get(c.id)).toEqual({
        n: 595,
        total: 595_000,
      });
      expect(app.sqlite.prepare("SELECT count(*) AS n FROM audit_log WHERE method = 'compensation.approve' AND result = 'ok'").get()).toEqual({ n: 1 });
      expect(verifyLedger(app).violations).toEqual([]);
    },
    CLI_TIMEOUT,
  );

  it(
    'a spec file with a mistake or an unknown key is a usage error naming the field or key, and a missing file names --spec; nothing is created',
    async () => {
      const { app, dir } = makeApp();
      await addOperator(app, 'operator', 'zhang.wei');
      const specFile = path.join(dir, 'bad.json');
      fs.writeFileSync(specFile, JSON.stringify(burstSpec({ criteria: { from: '2026-01-15', to: '2026-01-15', timeWindow: { start: '9:00', end: '12:00' } } })));
      const bad = cli(['campaign', 'create', '--spec', specFile, '--as', 'zhang.wei', '--data-dir', dir], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/criteria\.timeWindow\.start: a time is HH:mm/);
      // A misspelt key used to be dropped, widening the campaign to every station (issue 19): refused, named.
      const spec = burstSpec();
      fs.writeFileSync(specFile, JSON.stringify({ ...spec, criteria: { ...spec.criteria, stationID: ['NO-SUCH'] }, note: 'x' }));
      const misspelt = cli(['campaign', 'create', '--spec', specFile, '--as', 'zhang.wei', '--data-dir', dir], env);
      expect(misspelt.code).toBe(2);
      expect(misspelt.stderr).toMatch(/criteria: Unrecognized key: "stationID"/);
      expect(misspelt.stderr).toMatch(/Unrecognized key: "note"/);
      fs.writeFileSync(specFile, '{ "name": ');
      const broken = cli(['campaign', 'create', '--spec', specFile, '--as', 'zhang.wei', '--data-dir', dir], env);
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/--spec: .*bad.json is not JSON/);
      const missing = cli(['campaign', 'create', '--spec', path.join(dir, 'nope.json'), '--as', 'zhang.wei', '--data-dir', dir], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--spec: cannot read .*nope.json \(ENOENT\)/);
      expect(app.sqlite.prepare('SELECT count(*) AS n FROM comp_campaigns').get()).toEqual({ n: 0 });
    },
    CLI_TIMEOUT,
  );
});
