import fs from 'node:fs';
import path from 'node:path';

/**
 * better-sqlite3 is a native module, and a native module is built for one ABI
 * (NODE_MODULE_VERSION): Node 20 is 115, Electron 45 is 150. Tests and the CLI run on Node and
 * use node_modules/better-sqlite3/build; the Electron window needs its own build, kept apart in
 * native/electron/ (packaged: <resources>/native/) and handed to better-sqlite3 through its
 * `nativeBinding` option, so neither build ever overwrites the other.
 *
 * The ABI is read from the binary itself: a module registered with NODE_MODULE_INIT exports a
 * symbol named node_register_module_v<ABI>. That is how scripts/build-electron-native.js refuses
 * a build that silently came out for the wrong runtime, and how the shell refuses to load one.
 */

export const NATIVE_FILE = 'better_sqlite3.node';

export interface NativeLocation {
  /** app.isPackaged */
  packaged: boolean;
  /** process.resourcesPath (packaged) */
  resourcesDir: string;
  /** The project folder (development): where native/electron/ lives. */
  projectDir: string;
}

export function electronNativePath(where: NativeLocation): string {
  return where.packaged ? path.join(where.resourcesDir, 'native', NATIVE_FILE) : path.join(where.projectDir, 'native', 'electron', NATIVE_FILE);
}

const MARKER = Buffer.from('node_register_module_v', 'latin1');

/**
 * The NODE_MODULE_VERSION a .node binary was built for, or null when the binary does not say
 * (an N-API module, or not a Node addon at all).
 */
export function readNodeModuleVersion(binary: Buffer): number | null {
  const found = new Set<number>();
  let at = binary.indexOf(MARKER);
  while (at !== -1) {
    let end = at + MARKER.length;
    while (end < binary.length && binary[end] >= 0x30 && binary[end] <= 0x39) end += 1;
    if (end > at + MARKER.length) found.add(Number(binary.subarray(at + MARKER.length, end).toString('latin1')));
    at = binary.indexOf(MARKER, end);
  }
  // Two different numbers would mean a corrupt or stitched file: trust neither.
  return found.size === 1 ? [...found][0] : null;
}

export type NativeBindingChoice = { ok: true; path: string } | { ok: false; path: string; reason: 'missing' | 'unreadable' | 'wrong_abi'; message: string };

/**
 * Picks the Electron build of better-sqlite3 for this runtime. `expectedAbi` is
 * process.versions.modules inside Electron.
 */
export function electronNativeBinding(
  where: NativeLocation,
  expectedAbi: string | number,
  read: (file: string) => Buffer = (file) => fs.readFileSync(file),
): NativeBindingChoice {
  const file = electronNativePath(where);
  let binary: Buffer;
  try {
    binary = read(file);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      ok: false,
      path: file,
      reason: missing ? 'missing' : 'unreadable',
      message: missing
        ? `the Electron build of better-sqlite3 is missing at ${file}; build it with \`node scripts/build-electron-native.js\` (see docs/electron.md)`
        : `cannot read ${file}: ${(e as Error).message}`,
    };
  }
  const abi = readNodeModuleVersion(binary);
  if (abi !== Number(expectedAbi)) {
    return {
      ok: false,
      path: file,
      reason: 'wrong_abi',
      message: `${file} was built for NODE_MODULE_VERSION ${abi ?? 'unknown'}, this Electron needs ${expectedAbi}; rebuild it with \`node scripts/build-electron-native.js\``,
    };
  }
  return { ok: true, path: file };
}
