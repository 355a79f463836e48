import type { DoctorCheck, DoctorCheckDef, DoctorOptions } from '../kernel/plugins';
import fs from 'node:fs';
import net from 'node:net';
import type { AppContext } from '../kernel/context';
import { readInstanceFile } from '../kernel/instance';
import { quickCheck } from '../kernel/db/connection';
import { readMigrations } from '../kernel/db/migrate';
import { defaultMigrationsDir } from '../kernel/db/connection';
import { triggersCheck } from './triggers';
import { depotId, journalTip, verifyJournal } from '../kernel/journal';

/**
 * `depotdesk doctor`: the checks an operator (or support on the phone) runs when something feels
 * wrong. Each check says ok or not, and what to do when it is not.
 *
 * Guarantees:
 * - Without `repair`, doctor changes nothing.
 * - With `repair`, a check that knows a safe repair makes it (in one transaction, logging what it
 *   changed), says what it did, and is ok afterwards; a check without one only reports.
 */

function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function brokerCheck(app: AppContext): Promise<DoctorCheck> {
  const b = app.config.broker;
  if (b.mode === 'external') {
    let url: URL;
    try {
      url = new URL(b.url);
    } catch {
      return { name: 'broker', ok: false, detail: `broker.url "${b.url}" is not a URL (mqtt://host:port or mqtts://…)` };
    }
    const port = Number(url.port || (url.protocol === 'mqtts:' ? 8883 : 1883));
    const ok = await tcpReachable(url.hostname, port);
    return { name: 'broker', ok, detail: ok ? `external broker ${url.host} reachable` : `external broker ${url.host} is not reachable` };
  }
  const running = readInstanceFile(app.paths);
  if (running) {
    // The running instance says where its broker is (the port may have been chosen at start).
    let host = b.host;
    let port = b.port;
    try {
      if (running.broker) {
        const u = new URL(running.broker);
        host = u.hostname;
        port = Number(u.port || 1883);
      }
    } catch {
      // an unreadable URL in instance.json: fall back to the configured address
    }
    const ok = await tcpReachable(host, port);
    return {
      name: 'broker',
      ok,
      detail: ok
        ? `embedded broker on ${host}:${port} reachable (instance pid ${running.pid})`
        : `DepotDesk is running (pid ${running.pid}) but its broker on ${host}:${port} does not answer`,
    };
  }
  const reachable = await tcpReachable(b.host, b.port);
  return {
    name: 'broker',
    ok: true,
    detail: reachable
      ? `DepotDesk is not running, and something else already listens on ${b.host}:${b.port}: the embedded broker will not be able to start there`
      : `embedded broker (${b.host}:${b.port}) starts with the app; DepotDesk is not running now`,
  };
}

/**
 * The depot-wide checks (data folder, migrations, integrity, token file, broker), then each
 * module's checks in the order src-main/modules.ts lists them.
 */
export async function runDoctor(app: AppContext, moduleChecks: readonly DoctorCheckDef[], opts: DoctorOptions = {}): Promise<{ ok: boolean; checks: DoctorCheck[] }> {
  const checks: DoctorCheck[] = [];
  try {
    fs.accessSync(app.paths.dataDir, fs.constants.W_OK);
    checks.push({ name: 'data_dir', ok: true, detail: `${app.paths.dataDir} is writable` });
  } catch {
    checks.push({ name: 'data_dir', ok: false, detail: `${app.paths.dataDir} is not writable` });
  }
  const known = readMigrations(defaultMigrationsDir()).length;
  checks.push({
    name: 'migrations',
    ok: app.migrations.applied === known,
    detail: `${app.migrations.applied} of ${known} migrations applied (latest ${app.migrations.latest ?? 'none'})`,
  });
  checks.push(triggersCheck(app));
  const integrity = quickCheck(app.sqlite, true);
  checks.push({
    name: 'integrity',
    ok: integrity.ok,
    detail: integrity.ok ? 'integrity_check ok, no foreign-key violations' : integrity.problems.slice(0, 5).join('; '),
  });
  if (fs.existsSync(app.paths.tokenFile) && process.platform !== 'win32') {
    const mode = fs.statSync(app.paths.tokenFile).mode & 0o777;
    checks.push({
      name: 'instance_token',
      ok: (mode & 0o077) === 0,
      detail: (mode & 0o077) === 0 ? 'instance token readable by this user only' : `instance token has mode ${mode.toString(8)}; run chmod 600`,
    });
  }
  checks.push(await brokerCheck(app));
  for (const check of moduleChecks) checks.push(await check.run(app, opts));
  return { ok: checks.every((c) => c.ok), checks };
}

/**
 * The journal headquarters receives (kernel/journal.ts): every stored row chains from the one
 * before it and carries its own hash. A break means a row was changed, added or removed by hand
 * after it was written; HQ would refuse the batch holding it.
 */
export function journalDoctorCheck(app: AppContext): DoctorCheck {
  const v = verifyJournal(app.sqlite);
  if (v.ok) {
    const detail = v.rows === 0 ? 'the journal is empty' : `${v.rows} journal rows up to seq ${v.tip} chain (depot ${depotId(app.sqlite)})`;
    return { name: 'journal_chain', ok: true, detail };
  }
  return {
    name: 'journal_chain',
    ok: false,
    detail: `the journal's chain breaks at seq ${v.seq} (${v.reason.replace(/_/g, ' ')}; tip ${journalTip(app.sqlite).seq}): a row there was changed, inserted or removed by hand, and headquarters will refuse it`,
  };
}

export const journalDoctorCheckDef: DoctorCheckDef = { name: 'journal_chain', run: journalDoctorCheck };
