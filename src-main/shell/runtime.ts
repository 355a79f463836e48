import fs from 'node:fs';
import path from 'node:path';

/**
 * Is there an Electron binary to run? Answered from files only: requiring the electron package answers
 * the same question by downloading the binary when it is missing, which on an offline depot PC
 * (or this build machine) hangs and then throws. `npm start` and the Electron e2e tests ask here.
 */

export type ElectronRuntime = { available: true; binary: string } | { available: false; reason: string };

export function findElectronBinary(projectDir: string, env: NodeJS.ProcessEnv = process.env): ElectronRuntime {
  const pkgDir = path.join(projectDir, 'node_modules', 'electron');
  if (!fs.existsSync(path.join(pkgDir, 'package.json'))) return { available: false, reason: 'the electron package is not installed' };
  const pathFile = path.join(pkgDir, 'path.txt');
  let executable: string;
  try {
    executable = fs.readFileSync(pathFile, 'utf8').trim();
  } catch {
    return { available: false, reason: 'node_modules/electron/path.txt is missing: the binary was never downloaded' };
  }
  // The same override the electron package itself honours, for a binary unpacked by hand.
  const distDir = env.ELECTRON_OVERRIDE_DIST_PATH ? path.resolve(env.ELECTRON_OVERRIDE_DIST_PATH) : path.join(pkgDir, 'dist');
  const binary = path.join(distDir, executable);
  try {
    if (fs.statSync(binary).isFile()) return { available: true, binary };
  } catch {
    // fall through
  }
  return { available: false, reason: `no Electron binary at ${path.relative(projectDir, binary) || binary}` };
}

/**
 * Does out/renderer need building? Yes when it is missing or older than anything it is built
 * from (the renderer sources and the build configuration).
 */
export function rendererIsStale(projectDir: string, inputs: readonly string[] = ['src-renderer', 'electron.vite.config.ts', 'vite.renderer.config.ts']): boolean {
  let builtAt: number;
  try {
    builtAt = fs.statSync(path.join(projectDir, 'out', 'renderer', 'index.html')).mtimeMs;
  } catch {
    return true;
  }
  const newer = (p: string): boolean => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return false;
    }
    if (!st.isDirectory()) return st.mtimeMs > builtAt;
    return fs.readdirSync(p).some((name) => newer(path.join(p, name)));
  };
  return inputs.some((input) => newer(path.join(projectDir, input)));
}
