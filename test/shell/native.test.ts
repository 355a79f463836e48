import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronNativeBinding, electronNativePath, readNodeModuleVersion } from '../../src-main/shell/native';
import { REPO_ROOT, tempDir } from '../helpers';

const NODE_BUILD = path.join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const ELECTRON_ABI = Number(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'electron', 'abi_version'), 'utf8').trim());

/** A stand-in binary: filler bytes around the symbol a NODE_MODULE_INIT addon exports. */
function fakeAddon(...abis: number[]): Buffer {
  return Buffer.concat([Buffer.alloc(64, 0x7f), ...abis.map((abi) => Buffer.from(`\0node_register_module_v${abi}\0`, 'latin1')), Buffer.alloc(64)]);
}

describe('reading the ABI a native module was built for', () => {
  it('reads the Node build that tests use as this Node ABI', () => {
    expect(readNodeModuleVersion(fs.readFileSync(NODE_BUILD))).toBe(Number(process.versions.modules));
  });

  it('tells the Electron ABI apart from the Node one', () => {
    expect(ELECTRON_ABI).not.toBe(Number(process.versions.modules));
    expect(readNodeModuleVersion(fakeAddon(ELECTRON_ABI))).toBe(ELECTRON_ABI);
  });

  it('says "unknown" for a file that is not an addon, or that names two ABIs', () => {
    expect(readNodeModuleVersion(Buffer.from('hello'))).toBeNull();
    expect(readNodeModuleVersion(Buffer.from('node_register_module_v'))).toBeNull();
    expect(readNodeModuleVersion(fakeAddon(115, 150))).toBeNull();
  });
});

describe('choosing the Electron build of better-sqlite3', () => {
  it('looks in native/electron/ while developing and in <resources>/native/ once packaged', () => {
    expect(electronNativePath({ packaged: false, resourcesDir: '/r', projectDir: '/proj' })).toBe(path.join('/proj', 'native', 'electron', 'better_sqlite3.node'));
    expect(electronNativePath({ packaged: true, resourcesDir: '/r', projectDir: '/proj' })).toBe(path.join('/r', 'native', 'better_sqlite3.node'));
  });

  it('uses a build made for this Electron', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'native', 'electron'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'native', 'electron', 'better_sqlite3.node'), fakeAddon(ELECTRON_ABI));
    expect(electronNativeBinding({ packaged: false, resourcesDir: '', projectDir: dir }, String(ELECTRON_ABI))).toEqual({
      ok: true,
      path: path.join(dir, 'native', 'electron', 'better_sqlite3.node'),
    });
  });

  it('refuses the Node build copied into place, naming both ABIs and the fix', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'native'), { recursive: true });
    fs.copyFileSync(NODE_BUILD, path.join(dir, 'native', 'better_sqlite3.node'));
    const choice = electronNativeBinding({ packaged: true, resourcesDir: dir, projectDir: '' }, ELECTRON_ABI);
    expect(choice).toMatchObject({ ok: false, reason: 'wrong_abi' });
    expect(!choice.ok && choice.message).toMatch(new RegExp(`${process.versions.modules}.*${ELECTRON_ABI}.*build-electron-native`));
  });

  it('says how to build it when it is missing', () => {
    const choice = electronNativeBinding({ packaged: false, resourcesDir: '', projectDir: tempDir() }, ELECTRON_ABI);
    expect(choice).toMatchObject({ ok: false, reason: 'missing' });
    expect(!choice.ok && choice.message).toMatch(/scripts\/build-electron-native\.js/);
  });
});
