import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatReport, machine, tempDir, type Benchmark, type BenchReport } from './harness';

/**
 * npm run bench -- <name> [<name> …] [--json] [--quick]
 * Each name is a file bench/<name>.ts whose default export is a Benchmark.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('-child.ts') && !['run.ts', 'harness.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const unknownFlags = args.filter((a) => a.startsWith('-') && a !== '--json' && a !== '--quick');
let names = args.filter((a) => !a.startsWith('-'));

if (unknownFlags.length > 0) {
  process.stderr.write(`bench: unknown option ${unknownFlags.join(', ')} (options: --json, --quick)\n`);
  process.exit(2);
}
if (names.length === 0 || names.includes('all')) names = available;
const missing = names.filter((n) => !available.includes(n));
if (missing.length > 0) {
  process.stderr.write(`bench: no benchmark named ${missing.join(', ')}; available: ${available.join(', ') || '(none)'}\n`);
  process.exit(2);
}

const reports: BenchReport[] = [];
for (const name of names) {
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { default: Benchmark };
  const dir = tempDir(name);
  try {
    const report = await mod.default({ json, quick, dir });
    reports.push(report);
    if (!json) process.stdout.write(formatReport(report) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
if (json) {
  process.stdout.write(JSON.stringify({ machine: machine(), at: new Date().toISOString(), quick, reports }, null, 2) + '\n');
} else {
  const m = machine();
  process.stdout.write(`machine: ${m.cpu}, ${m.cpus} cores, ${m.memGiB} GiB, node ${m.node}${quick ? ' (quick run)' : ''}\n`);
}
