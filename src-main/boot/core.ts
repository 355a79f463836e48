import fs from 'node:fs';
import type { Clock } from '../kernel/clock';
import { loadConfig, parseOverrides, resolvePaths, type Config, type DataPaths } from '../kernel/config';
import { createAppContext, type AppContext, type RuntimeState } from '../kernel/context';
import type { Logger } from '../kernel/logger';

/**
 * Start-up and shut-down order, the same for Electron, `serve` and the CLI:
 *   1. resolve the data directory and read config (+ one-run overrides)
 *   2. open SQLite, apply pragmas, migrate (refusing a newer or edited schema), quick_check
 *   3. start the services the mode needs (HTTP, IPC, later: jobs, broker) — done by the caller
 * Stop runs the reverse: services first, the database last.
 */
export interface CoreOptions {
  dataDir?: string;
  db?: string;
  overrides?: readonly string[] | Record<string, unknown>;
  mode: RuntimeState['mode'];
  clock?: Clock;
  log?: Logger;
  nativeBinding?: string;
  migrationsDir?: string;
}

export function resolveCoreConfig(opts: Pick<CoreOptions, 'dataDir' | 'db' | 'overrides'>): { paths: DataPaths; config: Config } {
  const paths = resolvePaths({ dataDir: opts.dataDir, db: opts.db });
  const overrides = Array.isArray(opts.overrides)
    ? parseOverrides(opts.overrides as readonly string[])
    : ((opts.overrides as Record<string, unknown> | undefined) ?? {});
  return { paths, config: loadConfig(paths.configFile, overrides) };
}

export function openCore(opts: CoreOptions): AppContext {
  const { paths, config } = resolveCoreConfig(opts);
  fs.mkdirSync(paths.dataDir, { recursive: true });
  return createAppContext({
    paths,
    config,
    mode: opts.mode,
    clock: opts.clock,
    log: opts.log,
    nativeBinding: opts.nativeBinding,
    migrationsDir: opts.migrationsDir,
  });
}

/** Where a running instance announces itself, so CLI commands that need the live core find it. */
export interface InstanceFile {
  url: string;
  pid: number;
  mode: RuntimeState['mode'];
  startedAt: number;
  /** The MQTT broker this instance's charger link uses (the real port when configured as 0). */
  broker?: string | null;
}

export function instanceFilePath(paths: DataPaths): string {
  return `${paths.dataDir}/instance.json`;
}

export function writeInstanceFile(paths: DataPaths, info: InstanceFile): void {
  const file = instanceFilePath(paths);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

export function removeInstanceFile(paths: DataPaths, pid = process.pid): void {
  const info = readInstanceFile(paths);
  if (info && info.pid === pid) fs.rmSync(instanceFilePath(paths), { force: true });
}

export function readInstanceFile(paths: DataPaths): InstanceFile | null {
  try {
    return JSON.parse(fs.readFileSync(instanceFilePath(paths), 'utf8')) as InstanceFile;
  } catch {
    return null;
  }
}
