import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupDatabase } from '../../src-main/kernel/db/backup';
import { createLogger } from '../../src-main/kernel/logger';
import { makeApp, tempDir } from '../helpers';

/**
 * The depot's files hold drivers' personal data and operators' password hashes (issue 19, defect 5):
 * the database with its -wal and -shm, the log and backups are readable by their owner only, and a
 * data folder DepotDesk creates is 0700. Run under the usual umask 022, which left them 0644.
 */
const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

describe.runIf(process.platform !== 'win32')('private files', () => {
  it('a new depot: its folder 0700, the database, -wal and -shm 0600', () => {
    const dir = path.join(tempDir(), 'new-depot');
    const { app } = makeApp({ dir });
    app.sqlite.prepare("INSERT INTO stations (id, name, name_key, created_at) VALUES ('S1', 'a', 'a', 1)").run();
    expect(mode(dir)).toBe('700');
    for (const f of ['depotdesk.sqlite', 'depotdesk.sqlite-wal', 'depotdesk.sqlite-shm']) expect(`${f} ${mode(path.join(dir, f))}`).toBe(`${f} 600`);
  });

  it('a database made readable by others (an older build) is tightened when it is opened', () => {
    const { app, dir } = makeApp();
    app.close();
    for (const f of ['depotdesk.sqlite', 'depotdesk.sqlite-wal', 'depotdesk.sqlite-shm']) if (fs.existsSync(path.join(dir, f))) fs.chmodSync(path.join(dir, f), 0o644);
    makeApp({ dir });
    expect(mode(path.join(dir, 'depotdesk.sqlite'))).toBe('600');
  });

  it('the log file 0600, and a backup 0600 with no -wal or -shm left beside it', async () => {
    const logs = path.join(tempDir(), 'logs');
    createLogger({ dir: logs }).info('hello');
    expect(mode(logs)).toBe('700');
    expect(mode(path.join(logs, 'depotdesk.log'))).toBe('600');

    const { app } = makeApp();
    const backups = path.join(tempDir(), 'backups');
    const { file } = await backupDatabase(app.sqlite, path.join(backups, 'copy.sqlite'));
    expect(mode(backups)).toBe('700');
    expect(mode(file)).toBe('600');
    expect(fs.readdirSync(backups)).toEqual(['copy.sqlite']);
  });
});
