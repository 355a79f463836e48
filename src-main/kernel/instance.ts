import fs from 'node:fs';
import type { DataPaths } from './config';
import type { RuntimeState } from './context';

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

/** Whether a process with this pid runs (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readInstanceFile(paths: DataPaths): InstanceFile | null {
  try {
    return JSON.parse(fs.readFileSync(instanceFilePath(paths), 'utf8')) as InstanceFile;
  } catch {
    return null;
  }
}
