import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServices } from '../../src-main/boot/services';
import { depot } from '../../src-main/modules';
import { backupDatabase } from '../../src-main/kernel/db/backup';
import { rotateBackups, runDoctor } from '../../src-main/system';

const { crons, workers } = depot;
import { makeApp, tempDir } from '../helpers';

describe('the services a serving core runs', () => {
  it('every cron names a registered worker, and no kind is registered twice', () => {
    const kinds = workers.map((w) => w.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const c of crons) expect(kinds, c.name).toContain(c.kind);
    expect(kinds).toEqual(expect.arrayContaining(['chargers.markOffline', 'ledger.expireHolds', 'system.nightlyBackup', 'jobs.prune']));
  });

  it('start the scheduler and the charger link, report the broker, and stop cleanly', async () => {
    const { app } = makeApp({ overrides: { broker: { port: 0 } } });
    const services = await startServices(app, { poll: false });
    try {
      expect(services.chargers).not.toBeNull();
      await services.chargers!.transport.connected();
      expect(app.runtime.broker.state).toBe('connected');
      expect(app.runtime.broker.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await services.stop();
    }
    expect(app.runtime.broker.state).not.toBe('connected');
  });

  it('a broker that cannot start leaves the app running, offline, with an alert', async () => {
    const first = makeApp({ overrides: { broker: { port: 0 } } });
    const s1 = await startServices(first.app, { poll: false });
    const port = Number(new URL(first.app.runtime.broker.url!).port);
    const { app } = makeApp({ overrides: { broker: { port } } });
    const alerts: string[] = [];
    app.events.subscribe((e) => {
      if (e.type === 'alert') alerts.push(e.payload.code);
    });
    const s2 = await startServices(app, { poll: false });
    try {
      expect(s2.chargers).toBeNull();
      expect(app.runtime.broker.state).toBe('offline');
      expect(alerts).toContain('broker_start_failed');
      // The reason is kept for serve to print, not only logged (issue 19).
      expect(app.runtime.broker.error).toMatch(/^the charger link did not start: /);
    } finally {
      await s2.stop();
      await s1.stop();
    }
  });

  it('the nightly backup runs as a job and keeps only backup.keep copies', async () => {
    const backups = tempDir();
    const { app, clock } = makeApp({ overrides: { backup: { dir: backups, keep: 2 } } });
    const services = await startServices(app, { poll: false, chargers: false });
    try {
      await services.scheduler.drain(); // the first pass records where each cron schedule starts
      for (let night = 0; night < 3; night += 1) {
        clock.advance(24 * 3600_000);
        await services.scheduler.drain();
      }
      const files = fs.readdirSync(backups).filter((f) => f.endsWith('.sqlite'));
      expect(files).toHaveLength(2);
      const jobs = app.sqlite.prepare("SELECT state FROM jobs WHERE kind = 'system.nightlyBackup'").all() as { state: string }[];
      expect(jobs).toHaveLength(3);
      expect(jobs.every((j) => j.state === 'completed')).toBe(true);
    } finally {
      await services.stop();
    }
  });

  it('a damaged depot still opens (no integrity check on open); doctor names the damage, and the backup refuses to keep a copy of it', async () => {
    const { app, dir } = makeApp();
    // A connector of a charger that does not exist: a foreign-key violation written behind the app's back.
    app.sqlite.pragma('foreign_keys = OFF');
    app.sqlite.prepare("INSERT INTO connectors (charger_id, connector_id, status) VALUES ('NO-SUCH-CHARGER', 1, 'Available')").run();
    app.close();

    const reopened = makeApp({ dir }).app;
    const report = await runDoctor(reopened, depot.doctorChecks);
    const integrity = report.checks.find((c) => c.name === 'integrity');
    expect(integrity?.ok).toBe(false);
    expect(integrity?.detail).toContain('foreign key: connectors');

    const target = path.join(tempDir(), 'depotdesk-copy.sqlite');
    await expect(backupDatabase(reopened.sqlite, target)).rejects.toMatchObject({ code: 'integrity_failed', message: expect.stringContaining('connectors') });
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.existsSync(`${target}.partial`)).toBe(true);
  });

  it('rotation deletes the oldest backups by name and leaves other files alone', () => {
    const dir = tempDir();
    for (const f of ['depotdesk-20260101T023000Z.sqlite', 'depotdesk-20260102T023000Z.sqlite', 'depotdesk-20260103T023000Z.sqlite', 'notes.txt']) {
      fs.writeFileSync(path.join(dir, f), 'x');
    }
    expect(rotateBackups(dir, 1)).toEqual(['depotdesk-20260101T023000Z.sqlite', 'depotdesk-20260102T023000Z.sqlite']);
    expect(fs.readdirSync(dir).sort()).toEqual(['depotdesk-20260103T023000Z.sqlite', 'notes.txt']);
  });
});

describe('one serving core per database', () => {
  it('a second serving core on the same data directory is refused while the first runs, and may start after it stopped', async () => {
    const first = makeApp({ overrides: { broker: { port: 0 } } });
    const s1 = await startServices(first.app, { poll: false, chargers: false });
    const fs2 = await import('node:fs');
    // Another process holding the lock: simulate with this test runner's parent pid, which is alive.
    fs2.writeFileSync(path.join(first.dir, 'serving.lock'), String(process.ppid));
    const second = makeApp({ dir: first.dir });
    await expect(startServices(second.app, { poll: false, chargers: false })).rejects.toThrowError(/already running .* \(pid \d+\)/);
    fs2.writeFileSync(path.join(first.dir, 'serving.lock'), String(process.pid));
    await s1.stop();
    expect(fs2.existsSync(path.join(first.dir, 'serving.lock'))).toBe(false);
    const s2 = await startServices(second.app, { poll: false, chargers: false });
    await s2.stop();
  });

  it('a lock left by a crashed process is taken over', async () => {
    const { app, dir } = makeApp();
    fs.writeFileSync(path.join(dir, 'serving.lock'), '999999999');
    const s = await startServices(app, { poll: false, chargers: false });
    expect(fs.readFileSync(path.join(dir, 'serving.lock'), 'utf8')).toBe(String(process.pid));
    await s.stop();
  });
});
