#!/usr/bin/env node
// The CLI (and `depotdesk serve`) run from a bundle of src-main/cli/run.ts made with esbuild, in
// out/cli/ (git-ignored). Loading the TypeScript through tsx cost 3–4 s of CPU on every command;
// the bundle is plain ESM that Node loads at once, split at the command table's dynamic imports so
// a command loads only its own module and `--help` loads no domain at all.
//
// Nobody has to remember to build it: `npm install` builds it (the `prepare` script runs this
// file), and bin/depotdesk.js asks cliEntry() on every start and rebuilds (about 1 s) when any file
// the bundle was made from, or any folder holding one, changed after the build began.
//
// Several processes may start the CLI at once (the tests do). Each build goes to a folder of its
// own and is published by renaming a pointer file over out/cli/current.json, which is atomic: a
// reader sees the old build or the new one, never half of one. Builds that lost the race, and old
// ones, are removed an hour later (a running `serve` may still be reading its own).
//
// This file is imported by bin/depotdesk.js before anything else, so it imports only node:
// built-ins at the top; esbuild is loaded when a build is needed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = 'src-main/cli/run.ts';
/** Worker threads' entries, each its own file beside run.js (src-main/reports/export-thread.ts finds it there). */
const WORKERS = {
  'export-worker': 'src-main/reports/export-worker.ts',
  // Long reads off the main thread (src-main/kernel/read-thread.ts finds them beside run.js).
  'verify-worker': 'src-main/ledger/verify-worker.ts',
  'report-worker': 'src-main/compensation/report-worker.ts',
};
/** Files that shape the bundle without being imported by it. */
const CONFIG_INPUTS = ['package.json', 'tsconfig.json', 'scripts/build-cli.js'];
const KEEP_OLD_BUILDS_MS = 60 * 60_000;

export const cliOutDir = (root) => path.join(root, 'out', 'cli');
const pointerFile = (root) => path.join(cliOutDir(root), 'current.json');

/** The build out/cli/current.json names, or null when there is none or it cannot be read. */
export function currentBuild(root) {
  try {
    const build = JSON.parse(fs.readFileSync(pointerFile(root), 'utf8'));
    return typeof build?.dir === 'string' && Array.isArray(build.inputs) && Array.isArray(build.folders) && typeof build.startedMs === 'number' ? build : null;
  } catch {
    return null;
  }
}

/**
 * Is this build older than its sources? Yes when an input is missing or was modified after the
 * build began, or a source folder holding an input gained or lost a file (a new module that an
 * import may now resolve to). Only stat calls: a few milliseconds for the ~250 inputs.
 */
export function isStale(root, build) {
  const changed = (rel) => {
    try {
      return fs.statSync(path.join(root, rel)).mtimeMs >= build.startedMs;
    } catch {
      return true;
    }
  };
  return build.inputs.some(changed) || build.folders.some(changed) || !fs.existsSync(path.join(cliOutDir(root), build.dir, 'run.js'));
}

/** The bundle's entry file when it is up to date with the sources, else null. */
export function cliEntry(root) {
  const build = currentBuild(root);
  if (!build || isStale(root, build)) return null;
  return path.join(cliOutDir(root), build.dir, 'run.js');
}

/** The worker entries this tree has (a project without a worker, like the bundle tests' own, builds without one). */
const presentWorkers = (root) => Object.fromEntries(Object.entries(WORKERS).filter(([, file]) => fs.existsSync(path.join(root, file))));

/** esbuild's settings: one ESM bundle for Node 20, every package left in node_modules. */
function buildOptions(root, outdir) {
  return {
    absWorkingDir: root,
    entryPoints: { run: ENTRY, ...presentWorkers(root) },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // better-sqlite3 is native, aedes and mqtt open sockets, exceljs is large: all stay packages,
    // resolved from the repository's node_modules above out/cli/.
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    // Error names and class names stay as written (esbuild would rename a class on a collision).
    keepNames: true,
    metafile: true,
    logLevel: 'silent',
  };
}

/** Builds into a new folder and publishes it as current; returns the entry file. */
export async function buildCli(root) {
  const outRoot = cliOutDir(root);
  fs.mkdirSync(outRoot, { recursive: true });
  const dir = `build-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const outdir = path.join(outRoot, dir);
  fs.mkdirSync(outdir);
  // The build's start time is read from the file system's own clock, the one that stamps the
  // sources: a source saved after this moment makes the build stale, even one saved mid-build.
  const started = path.join(outdir, 'started');
  fs.writeFileSync(started, '');
  const startedMs = fs.statSync(started).mtimeMs;
  const { build } = await import('esbuild');
  let result;
  try {
    result = await build(buildOptions(root, outdir));
  } catch (e) {
    fs.rmSync(outdir, { recursive: true, force: true });
    throw new Error(
      `building the CLI bundle failed:\n${(e.errors ?? []).map((x) => `  ${x.location?.file ?? ''}:${x.location?.line ?? ''} ${x.text}`).join('\n') || e.message}`,
    );
  }
  fs.writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules')), ...CONFIG_INPUTS];
  const folders = [...new Set(Object.keys(result.metafile.inputs).map((f) => path.dirname(f)))].filter((f) => !f.includes('node_modules'));
  const tmp = `${pointerFile(root)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  fs.writeFileSync(tmp, JSON.stringify({ dir, startedMs, inputs, folders }));
  fs.renameSync(tmp, pointerFile(root));
  removeOldBuilds(root, dir);
  return path.join(outdir, 'run.js');
}

/** Removes builds other than `keep` that are more than an hour old (best effort: another process may race us). */
function removeOldBuilds(root, keep) {
  const outRoot = cliOutDir(root);
  for (const name of fs.readdirSync(outRoot)) {
    if (name === keep || !name.startsWith('build-')) continue;
    const full = path.join(outRoot, name);
    try {
      if (Date.now() - fs.statSync(full).mtimeMs > KEEP_OLD_BUILDS_MS) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

/** The entry of an up-to-date bundle, building one first when needed. */
export async function readyCliEntry(root) {
  return cliEntry(root) ?? (await buildCli(root));
}

// `node scripts/build-cli.js` (npm's `prepare`): build now, whatever the state.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  try {
    const entry = await buildCli(root);
    console.log(`depotdesk CLI bundle: ${path.relative(root, entry)}`);
  } catch (e) {
    console.error(e.message);
    process.exitCode = 1;
  }
}
