import fs from 'node:fs';
import path from 'node:path';
import { resolveCoreConfig } from '../../boot/core';
import { ensureInstanceToken } from '../../kernel/token';
import { startBrowserMode } from '../../boot/serve';
import { DepotError } from '../../kernel/errors';
import { ROLES, operatorCount, verifyAudit, type AuditVerdict } from '../../operators';
import { backupFileName, backupWithCheckpoint, checkpointLine, runDemo, runDoctor } from '../../system';
import { depot } from '../../modules';
import { readPassword, UsageError, type Command } from '../framework';

export const foundationCommands: Command[] = [
  {
    name: 'init',
    summary: 'Create the data directory, the database and the first admin (password from DEPOTDESK_PASSWORD).',
    usage: 'depotdesk init --admin NAME [--display-name TEXT]',
    options: { admin: { type: 'string' }, 'display-name': { type: 'string' } },
    async run(cx) {
      const name = cx.args.admin as string | undefined;
      if (!name) throw new UsageError('init needs --admin NAME (the first admin account)', { field: '--admin' });
      const app = cx.openApp({ create: true });
      ensureInstanceToken(app.paths.tokenFile);
      if (operatorCount(app) > 0) {
        throw new DepotError('refused', `${app.paths.dataDir} is already initialised (it has operators); use operator add`);
      }
      const password = await readPassword(`password for ${name}: `);
      // Through the contract, so the first action of the depot is in its audit log too.
      const admin = await cx.call<{ name: string }>('setup.createAdmin', {
        name,
        displayName: cx.args['display-name'] as string | undefined,
        password,
      });
      cx.print({ dataDir: app.paths.dataDir, dbFile: app.paths.dbFile, admin }, `initialised ${app.paths.dataDir}; admin ${admin.name} created`);
    },
  },
  {
    name: 'serve',
    summary: 'Browser mode: run the core and serve the operator screens over HTTP on 127.0.0.1.',
    usage: 'depotdesk serve [--port N] [--host H]',
    options: { port: { type: 'string' }, host: { type: 'string' } },
    async run(cx) {
      const set = [...cx.global.set];
      if (cx.args.port !== undefined) {
        if (!/^\d+$/.test(cx.args.port as string)) throw new UsageError(`--port must be a number, got "${cx.args.port}"`, { field: '--port' });
        set.push(`http.port=${cx.args.port}`);
      }
      if (cx.args.host !== undefined) set.push(`http.host=${JSON.stringify(cx.args.host)}`);
      const mode = await startBrowserMode({ dataDir: cx.global.dataDir, db: cx.global.db, overrides: set });
      // Serving without chargers is allowed (the books stay usable), but never silently.
      const brokerError = mode.app.runtime.broker.error;
      if (brokerError) process.stderr.write(`depotdesk serve: WARNING: ${brokerError}; chargers cannot connect until it is fixed (depotdesk doctor)\n`);
      cx.print(
        { url: mode.http.url, loginUrl: mode.http.loginUrl, dataDir: mode.app.paths.dataDir, pid: process.pid, broker: { ...mode.app.runtime.broker } },
        [`DepotDesk is serving ${mode.app.paths.dataDir}`, `Open this URL in a browser: ${mode.http.loginUrl}`, 'Press Ctrl+C to stop.'].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await mode.stop();
    },
  },
  {
    name: 'doctor',
    summary: 'Check the data directory, migrations, integrity, audit chain and broker reachability; --repair fixes what has a safe fix.',
    usage: 'depotdesk doctor [--repair] [--json]',
    options: { repair: { type: 'boolean' } },
    async run(cx) {
      const app = cx.openApp();
      const report = await runDoctor(app, depot.doctorChecks, { repair: Boolean(cx.args.repair) });
      cx.print(report, () => report.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`).join('\n'));
      return report.ok ? 0 : 1;
    },
  },
  {
    name: 'backup',
    summary: 'Write an online, checked backup of the database.',
    usage: 'depotdesk backup [--out FILE]',
    options: { out: { type: 'string' } },
    async run(cx) {
      const app = cx.openApp();
      const out = (cx.args.out as string | undefined) ?? path.join(app.config.backup.dir || app.paths.backupDir, backupFileName(app.clock.now()));
      const result = await backupWithCheckpoint(app, out);
      cx.print(
        result,
        `backup written to ${result.file} (${result.bytes} bytes)\nchain checkpoint ${checkpointLine(result.checkpoint)} (also in ${result.file}.checkpoint.json)`,
      );
    },
  },
  {
    name: 'audit verify',
    summary: "Walk the audit log's SHA-256 and keyed chains and hold them to every signed checkpoint; exit 1 naming the first broken row.",
    async run(cx) {
      const verdict = verifyAudit(cx.openApp());
      const problem = auditProblem(verdict);
      cx.print(verdict, () =>
        problem === null
          ? `audit log ok: ${verdict.rows} rows, keyed chain intact, held to ${verdict.checkpoints.checked} checkpoint(s) (key ${verdict.key.file})`
          : `audit log BROKEN: ${problem}`,
      );
      if (problem !== null && !cx.global.json) process.stderr.write(`${problem}\n`);
      return verdict.ok ? 0 : 1;
    },
  },
  {
    name: 'operator add',
    summary: 'Add an operator account (as an admin; the new password from DEPOTDESK_NEW_PASSWORD).',
    usage: 'depotdesk operator add --name NAME --role operator|supervisor|finance|admin [--display-name TEXT] --as ADMIN',
    options: { name: { type: 'string' }, role: { type: 'string' }, 'display-name': { type: 'string' } },
    async run(cx) {
      const role = cx.args.role as string | undefined;
      if (!cx.args.name) throw new UsageError('operator add needs --name', { field: '--name' });
      if (!role || !(ROLES as readonly string[]).includes(role)) {
        throw new UsageError(`--role must be one of ${ROLES.join(', ')}`, { field: '--role' });
      }
      const password = process.env.DEPOTDESK_NEW_PASSWORD;
      if (!password) throw new UsageError("set DEPOTDESK_NEW_PASSWORD to the new operator's password", { field: 'DEPOTDESK_NEW_PASSWORD' });
      const op = await cx.call<{ name: string; role: string }>('operators.create', {
        name: cx.args.name,
        role,
        displayName: cx.args['display-name'],
        password,
      });
      cx.print(op, `operator ${op.name} (${op.role}) added`);
    },
  },
  {
    name: 'operator list',
    summary: 'List operator accounts.',
    async run(cx) {
      const list = await cx.call<{ name: string; displayName: string; role: string; disabled: boolean }[]>('operators.list');
      cx.print(list, () => list.map((o) => `${o.name.padEnd(20)} ${o.role.padEnd(11)} ${o.disabled ? 'disabled' : ''} ${o.displayName}`).join('\n'));
    },
  },
  {
    name: 'demo',
    summary: 'Create a small demo depot in the data directory (password from DEPOTDESK_PASSWORD, default "depotdesk-demo").',
    async run(cx) {
      const { paths } = resolveCoreConfig({ dataDir: cx.global.dataDir, db: cx.global.db, overrides: cx.global.set });
      fs.mkdirSync(paths.dataDir, { recursive: true });
      const app = cx.openApp({ create: true });
      ensureInstanceToken(app.paths.tokenFile);
      const password = process.env.DEPOTDESK_PASSWORD || 'depotdesk-demo';
      const steps = await runDemo(app, depot.demoSteps, { password });
      cx.print({ dataDir: app.paths.dataDir, steps }, () => [`demo depot in ${app.paths.dataDir}`, ...steps.map((s) => `- ${s.step}: ${s.result}`)].join('\n'));
    },
  },
];

/** What is wrong with an audit verdict, in one line; null when nothing is. */
function auditProblem(v: AuditVerdict): string | null {
  if (v.broken) return v.broken.id > 0 ? `row ${v.broken.id}: ${v.broken.reason}` : v.broken.reason;
  if (v.checkpoints.forged.length > 0) return `checkpoint ${v.checkpoints.forged.join(', ')}: its signature does not hold (edited, or not made with this depot's key)`;
  return null;
}
