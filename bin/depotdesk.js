#!/usr/bin/env node
// Runs the CLI from its esbuild bundle in out/cli/, rebuilt first when src-main changed since it
// was built (scripts/build-cli.js: a stat of each source, then ~1 s of esbuild when one is newer).
// Loading the TypeScript through tsx instead cost 3–4 s of CPU on every command.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readyCliEntry } from '../scripts/build-cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let entry;
try {
  entry = await readyCliEntry(root);
} catch (e) {
  process.stderr.write(`depotdesk: ${e.message}\n`);
  process.exit(1);
}
await import(pathToFileURL(entry).href);
