#!/usr/bin/env node
// `npm start`: the desktop app where an Electron binary exists, browser mode where it does not.
//
//   npm start [-- <options>]     options go to Electron, or to `depotdesk serve` (--port, --host,
//                                --data-dir, --set key=value…)
//
// Never imports the `electron` package: on a machine without the binary that import starts a
// download and throws. Whether Electron can run is read from files (src-main/shell/runtime.ts).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { findElectronBinary, rendererIsStale } = await import('../src-main/shell/runtime.ts');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const passthrough = process.argv.slice(2);

/** Runs a build step quietly; its output is shown only if it fails. */
function build(label, args) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    console.error(`start: ${label} failed (exit ${r.status ?? r.signal}); output above`);
    process.exit(1);
  }
}

/** Runs the long-lived child in the foreground; Ctrl+C reaches it and its exit code is ours. */
function foreground(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  // `npm start` runs us under `sh -c`; a SIGTERM sent to npm kills that shell without passing
  // the signal on, which would leave the server running with nobody to stop it. So when our
  // parent goes, we stop the child the same way Ctrl+C would.
  const parent = process.ppid;
  const watch = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      clearInterval(watch);
      child.kill('SIGTERM');
    }
  }, 1000);
  watch.unref();
}

const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);
const runtime = findElectronBinary(root);

if (runtime.available) {
  build('electron-vite build', [bin('electron-vite', path.join('bin', 'electron-vite.js')), 'build']);
  foreground(runtime.binary, [root, ...passthrough]);
} else {
  console.log(`The Electron runtime isn't available on this machine (${runtime.reason}); starting DepotDesk in browser mode instead.`);
  if (rendererIsStale(root)) {
    const rendererOnly = path.join(root, 'vite.renderer.config.ts');
    build(
      'building the renderer',
      fs.existsSync(rendererOnly)
        ? [bin('vite', path.join('bin', 'vite.js')), 'build', '--config', rendererOnly, '--logLevel', 'warn']
        : [bin('electron-vite', path.join('bin', 'electron-vite.js')), 'build'],
    );
  }
  foreground(process.execPath, [path.join(root, 'bin', 'depotdesk.js'), 'serve', ...passthrough]);
}
