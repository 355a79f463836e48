import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A private PostgreSQL cluster for the HQ tests and benchmarks: initdb into a temporary folder
 * (trust authentication, superuser `postgres`), listening on 127.0.0.1 on a free port with its
 * unix socket in that folder. No vitest here, so a benchmark can use it too (test/hq/ uses it
 * through test/postgres.ts, which stops it after the file).
 *
 * PostgreSQL refuses to run as root: started by root (CI), the folder is handed to the `postgres`
 * user and initdb and postgres run with that user's uid and gid.
 */

/** Where Debian (postgresql-NN) and others put the server binaries; the newest version wins. */
function findBinDir(): string | null {
  const candidates: string[] = [];
  for (const root of ['/usr/lib/postgresql', '/usr/local/pgsql']) {
    if (!fs.existsSync(root)) continue;
    if (fs.existsSync(path.join(root, 'bin', 'postgres'))) candidates.push(path.join(root, 'bin'));
    for (const version of fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
      const bin = path.join(root, version, 'bin');
      if (fs.existsSync(path.join(bin, 'postgres')) && fs.existsSync(path.join(bin, 'initdb'))) candidates.push(bin);
    }
  }
  for (const bin of ['/usr/bin', '/usr/local/bin', '/opt/homebrew/bin']) {
    if (fs.existsSync(path.join(bin, 'postgres')) && fs.existsSync(path.join(bin, 'initdb'))) candidates.push(bin);
  }
  return candidates[0] ?? null;
}

export const POSTGRES_BIN_DIR = findBinDir();
const WHERE = '/usr/lib/postgresql/*/bin, /usr/local/pgsql/bin, /usr/bin, /usr/local/bin, /opt/homebrew/bin';

/** The user PostgreSQL runs as when we are root: null when not root; undefined when root and there is no such user. */
function runAs(): { uid: number; gid: number } | null | undefined {
  if (process.getuid?.() !== 0) return null;
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const RUN_AS = runAs();

/** Why PostgreSQL cannot be started here, or null when it can. */
export const postgresMissing: string | null =
  POSTGRES_BIN_DIR === null
    ? `no PostgreSQL server binaries (initdb, postgres) in ${WHERE}; install the postgresql package`
    : RUN_AS === undefined
      ? 'running as root and there is no postgres user to run PostgreSQL as (PostgreSQL refuses root)'
      : null;

export interface Postgres {
  /** The superuser's URL for the `postgres` database. */
  url: string;
  port: number;
  /** The cluster's folder (data in data/, the socket beside it). */
  dir: string;
  /** A new empty database; resolves to its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops PostgreSQL (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
  /** SIGKILL to the server and all its backends, as a crash would leave it. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (crash recovery runs if it was killed). */
  restart(): Promise<void>;
}

export interface LaunchPostgresOptions {
  /** fsync at commit (default true, as in production; the benchmarks measure with it). */
  fsync?: boolean;
  /** More server settings (-c name=value). */
  settings?: Record<string, string>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function initdb(dataDir: string): void {
  const r = spawnSync(
    path.join(POSTGRES_BIN_DIR!, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    // cwd: a folder the postgres user can enter (the repository may be in root's home on CI).
    { encoding: 'utf8', cwd: path.dirname(dataDir), ...(RUN_AS ?? {}) },
  );
  if (r.status !== 0) throw new Error(`initdb failed (exit ${r.status}): ${r.stderr || r.error?.message}`);
}

/** Every live cluster, killed if the process exits without stopping it (the server runs in its own process group). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) killGroup(p, 'SIGKILL');
});

function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.pid!, signal);
  } catch {
    // Already gone.
  }
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((resolve) => p.once('exit', () => resolve()));
}

/** Starts the server; resolves once it says it accepts connections. */
async function startServer(dir: string, port: number, opts: LaunchPostgresOptions): Promise<ChildProcess> {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    fsync: opts.fsync === false ? 'off' : 'on',
    shared_buffers: '64MB',
    max_connections: '100',
    ...opts.settings,
  };
  const args = ['-D', path.join(dir, 'data'), '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  // Its own process group, so kill() reaches the backends too, as a crash of the server would.
  const p = spawn(path.join(POSTGRES_BIN_DIR!, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, cwd: dir, ...(RUN_AS ?? {}) });
  live.add(p);
  p.once('exit', () => live.delete(p));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    p.stderr!.on('data', (d: Buffer) => {
      // Read for as long as it runs (a full pipe would stall the server), kept only up to 64 KiB.
      if (stderr.length < 65_536) stderr += d.toString();
      if (stderr.includes('database system is ready to accept connections')) resolve();
    });
    p.once('exit', (code, signal) => reject(new Error(`postgres exited (${code ?? signal}) before it was ready:\n${stderr}`)));
  });
  return p;
}

export async function launchPostgres(opts: LaunchPostgresOptions = {}): Promise<Postgres> {
  if (postgresMissing) throw new Error(postgresMissing);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-postgres-'));
  if (RUN_AS) fs.chownSync(dir, RUN_AS.uid, RUN_AS.gid);
  let proc: ChildProcess | null = null;
  try {
    initdb(path.join(dir, 'data'));
    const port = await freePort();
    proc = await startServer(dir, port, opts);
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const stopWith = async (signal: NodeJS.Signals) => {
      const p = proc;
      proc = null;
      if (!p) return;
      const gone = exited(p);
      if (signal === 'SIGKILL') killGroup(p, signal);
      else p.kill(signal);
      await gone;
    };
    return {
      url,
      port,
      dir,
      async createDatabase(name) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        } finally {
          await client.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
      },
      async stop() {
        // SIGINT: the fast shutdown, which ends the sessions still open.
        await stopWith('SIGINT');
        fs.rmSync(dir, { recursive: true, force: true });
      },
      kill: () => stopWith('SIGKILL'),
      async restart() {
        await stopWith('SIGINT');
        proc = await startServer(dir, port, opts);
      },
    };
  } catch (e) {
    if (proc) killGroup(proc, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
