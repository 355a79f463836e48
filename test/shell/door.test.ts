import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readInstanceFile } from '../../src-main/kernel/instance';
import { readInstanceToken } from '../../src-main/kernel/token';
import { openDoorForWindow, type Door } from '../../src-main/shell/door';
import { makeApp } from '../helpers';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!();
});

function occupyPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      open.push(() => new Promise((done) => server.close(() => done())));
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

describe('the HTTP door the Electron window opens for the CLI', () => {
  it('moves to a free loopback port when the configured one is taken, and the CLI finds it', async () => {
    const taken = await occupyPort();
    const { app } = makeApp({ overrides: { http: { port: taken } } });
    const door = (await openDoorForWindow(app)) as Door;
    expect(door).not.toBeNull();
    open.push(() => door.stop());
    expect(door.http.port).not.toBe(taken);

    const info = readInstanceFile(app.paths);
    expect(info?.url).toBe(door.http.url);
    const res = await fetch(new URL('/rpc', door.http.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${readInstanceToken(app.paths.tokenFile)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'auth.me', params: {} }),
    });
    expect(await res.json()).toMatchObject({ ok: true, data: { setupRequired: true } });
  });

  it('lets the window start without a door when the door cannot open at all', async () => {
    const { app } = makeApp();
    const door = await openDoorForWindow(app, () => Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' })));
    expect(door).toBeNull();
  });

  it('removes instance.json on stop, so the CLI does not try a closed window', async () => {
    const { app } = makeApp({ overrides: { http: { port: 0 } } });
    const door = (await openDoorForWindow(app)) as Door;
    expect(readInstanceFile(app.paths)).not.toBeNull();
    await door.stop();
    expect(readInstanceFile(app.paths)).toBeNull();
  });
});
