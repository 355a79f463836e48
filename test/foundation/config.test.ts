import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, loadConfig, parseOverrides, resolvePaths } from '../../src-main/kernel/config';
import { VERSION } from '../../src-main/kernel/version';
import { REPO_ROOT, tempDir } from '../helpers';

describe('configuration', () => {
  it('a fresh data directory needs no config file: every key has a default', () => {
    const c = loadConfig(path.join(tempDir(), 'config.json'));
    expect(c.timeZone).toBe('Asia/Shanghai');
    expect(c.http).toEqual({ host: '127.0.0.1', port: 4820, allowLan: false });
    expect(c.locale).toBe('zh-CN');
  });

  it('--set overrides one value for one run, over the file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ http: { port: 5000 }, timeZone: 'Asia/Urumqi' }));
    const c = loadConfig(path.join(dir, 'config.json'), parseOverrides(['http.port=6001', 'locale=en-US']));
    expect(c.http.port).toBe(6001);
    expect(c.timeZone).toBe('Asia/Urumqi');
    expect(c.locale).toBe('en-US');
  });

  it('a bad value is named by its key', () => {
    const file = path.join(tempDir(), 'config.json');
    expect(() => loadConfig(file, parseOverrides(['timeZone=Mars/Olympus']))).toThrowError(/timeZone: not a known IANA time zone/);
    expect(() => loadConfig(file, parseOverrides(['http.port="eighty"']))).toThrowError(/http\.port/);
    expect(() => loadConfig(file, parseOverrides(['colour=blue']))).toThrowError(/colour/);
    expect(() => parseOverrides(['novalue'])).toThrowError(/key=value/);
  });

  it('a misspelt key inside a section is refused, named, not silently ignored (issue 19)', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ sessions: { startTimeoutSecs: 5 } }));
    expect(() => loadConfig(path.join(dir, 'config.json'))).toThrowError(/sessions: Unrecognized key: "startTimeoutSecs"/);
    expect(() => loadConfig(path.join(tempDir(), 'config.json'), parseOverrides(['reconciliation.windowDay=5']))).toThrowError(
      /reconciliation: Unrecognized key: "windowDay"/,
    );
  });

  it('a broken config file is reported with its path', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
    expect(() => loadConfig(path.join(dir, 'config.json'))).toThrowError(/config\.json is not valid JSON/);
  });

  it('serving the depot LAN must be switched on deliberately', () => {
    const file = path.join(tempDir(), 'config.json');
    expect(() => loadConfig(file, parseOverrides(['http.host="0.0.0.0"']))).toThrowError(/http\.allowLan=true/);
    expect(loadConfig(file, parseOverrides(['http.host="0.0.0.0"', 'http.allowLan=true'])).http.host).toBe('0.0.0.0');
  });

  it('data lives in the per-user app-data folder unless --db or --data-dir says otherwise', () => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/home/x/.config' }, 'linux')).toBe('/home/x/.config/DepotDesk');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\x\\AppData\\Roaming' }, 'win32')).toMatch(/DepotDesk$/);
    expect(defaultDataDir({ DEPOTDESK_DATA_DIR: '/srv/depot' }, 'linux')).toBe('/srv/depot');
    const p = resolvePaths({ db: '/tmp/a/b/depot.sqlite' });
    expect(p.dataDir).toBe('/tmp/a/b');
    expect(p.dbFile).toBe('/tmp/a/b/depot.sqlite');
    expect(resolvePaths({ dataDir: '/tmp/q' }).dbFile).toBe('/tmp/q/depotdesk.sqlite');
  });

  it('the version shown in About is the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
