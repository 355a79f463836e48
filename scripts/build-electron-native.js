#!/usr/bin/env node
// Builds better-sqlite3 for the Electron in node_modules/electron and installs it as
// native/electron/better_sqlite3.node, which the packaged app ships as <resources>/native/.
//
//   node scripts/build-electron-native.js [--arch x64|arm64|ia32] [--from-source]
//                                         [--headers-dir DIR] [--target VERSION]
//
// Why a separate copy: node_modules/better-sqlite3/build is the Node build the tests and the CLI
// load. Rebuilding it in place for Electron (what @electron/rebuild and electron-builder do by
// default) breaks every test until someone rebuilds it back. So we build in a temp copy of the
// package and install only the finished binary.
//
// Why the ABI check at the end: node-gyp quietly prefers a local Node header folder when one is
// configured (this machine's npmrc sets nodedir=/usr), and then "builds for Electron" a binary
// for Node's ABI that crashes the window at start. We read NODE_MODULE_VERSION from the binary
// itself and refuse to install anything that is not Electron's.
//
// Needs: a C++ toolchain and Python (node-gyp), and either internet access to
// https://electronjs.org/headers (and GitHub for the prebuilt fast path), or --headers-dir
// pointing at an unpacked node-v<electron>-headers.tar.gz.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { readNodeModuleVersion, NATIVE_FILE } = await import('../src-main/shell/native.ts');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST_URL = 'https://electronjs.org/headers';

function fail(line) {
  console.error(`build-electron-native: ${line}`);
  process.exit(1);
}

const { values: opts } = parseArgs({
  options: {
    arch: { type: 'string', default: process.arch },
    target: { type: 'string' },
    'headers-dir': { type: 'string' },
    'from-source': { type: 'boolean', default: false },
  },
});

// Read the version and ABI from files: importing the `electron` package would try to download it.
const electronPkg = path.join(root, 'node_modules', 'electron', 'package.json');
if (!fs.existsSync(electronPkg)) fail('node_modules/electron is not installed; run npm install first');
const electronVersion = opts.target ?? JSON.parse(fs.readFileSync(electronPkg, 'utf8')).version;
const abiFile = path.join(root, 'node_modules', 'electron', 'abi_version');
let expectedAbi = opts.target ? null : Number(fs.readFileSync(abiFile, 'utf8').trim());
if (!expectedAbi) {
  const { createRequire } = await import('node:module');
  expectedAbi = Number(createRequire(import.meta.url)('node-abi').getAbi(electronVersion, 'electron'));
}
const arch = opts.arch;
const sqlitePkg = path.join(root, 'node_modules', 'better-sqlite3');
if (!fs.existsSync(path.join(sqlitePkg, 'binding.gyp'))) fail('node_modules/better-sqlite3 is not installed; run npm install first');
const sqliteVersion = JSON.parse(fs.readFileSync(path.join(sqlitePkg, 'package.json'), 'utf8')).version;

console.log(`building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (NODE_MODULE_VERSION ${expectedAbi}, ${process.platform}-${arch})`);

// Build tools must see our choices only: npm passes npmrc settings (nodedir, target, runtime…)
// to child processes as npm_config_* variables, and any of them would silently win.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_config_(nodedir|target|runtime|disturl|dist_url|arch|target_arch|build_from_source)$/i.test(k)),
);
const devdir = path.join(os.homedir(), '.electron-gyp');
const headersDir = opts['headers-dir'] ? path.resolve(opts['headers-dir']) : null;
const cachedHeaders = path.join(devdir, electronVersion, 'include', 'node', 'node_version.h');

if (headersDir && !fs.existsSync(path.join(headersDir, 'include', 'node', 'node_version.h'))) {
  fail(`--headers-dir ${headersDir} has no include/node/node_version.h; unpack node-v${electronVersion}-headers.tar.gz from ${DIST_URL}/v${electronVersion}/ there`);
}

if (!headersDir && !fs.existsSync(cachedHeaders)) {
  // Ask once, up front, so an offline machine gets one clear line instead of a node-gyp trace.
  const url = `${DIST_URL}/v${electronVersion}/node-v${electronVersion}-headers.tar.gz`;
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(15_000), redirect: 'follow' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (e) {
    fail(
      `cannot download the Electron ${electronVersion} headers from ${url} (${e.cause?.code ?? e.cause?.message ?? e.message}); ` +
        'run this on a machine that can reach electronjs.org, or pass --headers-dir (see docs/electron.md)',
    );
  }
}

const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-native-'));
process.on('exit', () => fs.rmSync(staging, { recursive: true, force: true }));
const work = path.join(staging, 'better-sqlite3');
fs.cpSync(sqlitePkg, work, { recursive: true, filter: (src) => path.relative(sqlitePkg, src).split(path.sep)[0] !== 'build' });

function run(cmd, args) {
  console.log(`$ ${path.basename(cmd)} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cmd, ...args], { cwd: work, env, stdio: 'inherit' });
  return r.status === 0;
}

const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);
let built = false;
if (!opts['from-source'] && !headersDir) {
  // Prebuilt Electron binaries from better-sqlite3's GitHub releases: no compiler needed.
  built = run(bin('prebuild-install', 'bin.js'), ['--runtime', 'electron', '--target', electronVersion, '--arch', arch, '--verbose']);
  if (!built) console.log('no prebuilt binary; compiling from source');
}
if (!built) {
  const gypArgs = ['rebuild', '--release', `--target=${electronVersion}`, `--arch=${arch}`, `--devdir=${devdir}`];
  gypArgs.push(headersDir ? `--nodedir=${headersDir}` : `--dist-url=${DIST_URL}`);
  built = run(bin('node-gyp', path.join('bin', 'node-gyp.js')), gypArgs);
  if (!built) fail('node-gyp failed (output above); nothing was installed');
}

const produced = path.join(work, 'build', 'Release', NATIVE_FILE);
if (!fs.existsSync(produced)) fail(`the build reported success but ${produced} does not exist; nothing was installed`);
const abi = readNodeModuleVersion(fs.readFileSync(produced));
if (abi !== expectedAbi) {
  fail(
    `the binary was built for NODE_MODULE_VERSION ${abi ?? 'unknown'}, not Electron's ${expectedAbi} ` +
      "(node-gyp used Node headers instead of Electron's: check nodedir in your npmrc); nothing was installed",
  );
}

const outDir = path.join(root, 'native', 'electron');
fs.mkdirSync(outDir, { recursive: true });
const target = path.join(outDir, NATIVE_FILE);
fs.copyFileSync(produced, `${target}.tmp`);
fs.renameSync(`${target}.tmp`, target);
fs.writeFileSync(
  path.join(outDir, 'build-info.json'),
  JSON.stringify({ betterSqlite3: sqliteVersion, electron: electronVersion, abi, platform: process.platform, arch, builtAt: new Date().toISOString() }, null, 2) + '\n',
);
console.log(`installed ${path.relative(root, target)} (NODE_MODULE_VERSION ${abi}); node_modules/better-sqlite3/build was not touched`);
