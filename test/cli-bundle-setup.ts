import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readyCliEntry } from '../scripts/build-cli.js';

/**
 * Vitest's global setup: bring the CLI bundle up to date once, before any test spawns
 * bin/depotdesk.js. bin/depotdesk.js would rebuild a stale bundle by itself; doing it here first
 * keeps parallel test files from each building their own copy, and reports a build failure once.
 */
export default async function setup(): Promise<void> {
  await readyCliEntry(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
}
