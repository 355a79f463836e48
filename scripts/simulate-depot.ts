/**
 * `npm run simulate -- --seed N --days D [--keep] [--trace]` (--trace prints every step): the seeded depot simulation
 * (src-main/simulation/depot-sim.ts, docs/simulation.md). Exits 0 when every step kept every
 * invariant, 1 with the seed, step and what broke otherwise, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { SimCharger } from '../src-main/chargers/simulator';
import { describeViolation, simulateDepot } from '../src-main/simulation/depot-sim';
import type { ChargerFactory } from '../src-main/simulation/world';

/** The charger side: the project's own charger simulator over MQTT (src-main cannot import it; see world.ts). */
export const simChargers: ChargerFactory = (o) =>
  new SimCharger({ id: o.id, password: o.password, brokerUrl: o.brokerUrl, connectors: o.connectors, now: o.now, callTimeoutMs: 15_000, callRetries: 0 });

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run simulate -- --seed N --days D [--keep] [--trace]\n`);
  process.exit(2);
}

function wholeNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text)) usage(`--${name}: a whole number (got "${text}")`);
  return Number(text);
}

async function main(): Promise<void> {
  let values: { seed?: string; days?: string; keep?: boolean; trace?: boolean };
  try {
    ({ values } = parseArgs({
      options: { seed: { type: 'string' }, days: { type: 'string' }, keep: { type: 'boolean' }, trace: { type: 'boolean' } },
      allowNegative: true,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  const seed = wholeNumber('seed', values.seed, 1);
  const days = wholeNumber('days', values.days, 1);
  if (days < 1) usage('--days: at least 1');
  const started = process.hrtime.bigint();
  const r = await simulateDepot({
    seed,
    days,
    chargers: simChargers,
    keepDir: values.keep,
    log: (l) => process.stdout.write(`${l}\n`),
    onStep: values.trace ? (step, at, d) => process.stdout.write(`#${step} ${new Date(at).toISOString()} ${d}\n`) : undefined,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const counts = Object.entries(r.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
  process.stdout.write(`steps by kind: ${counts}\n`);
  const timing = Object.entries(r.timing)
    .sort(([, a], [, b]) => b - a)
    .map(([k, ms]) => `${k}=${(ms / 1000).toFixed(1)}s`)
    .join(' ');
  const states = Object.entries(r.finalStates)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
  process.stdout.write(`at the end: ${states}\n`);
  process.stdout.write(`real time by kind: ${timing}\n`);
  if (values.keep) process.stdout.write(`depot kept in ${r.dir}\n`);
  if (r.violation) {
    process.stdout.write(`${describeViolation(r.violation, days)}\n`);
    process.exitCode = 1;
    return;
  }
  const perMinute = (days / seconds) * 60;
  process.stdout.write(
    `seed ${seed}: ${days} depot-day(s), ${r.steps} steps, 0 violations, fingerprint ${r.fingerprint.slice(0, 16)} — ${seconds.toFixed(1)} s (${perMinute.toFixed(1)} depot-days per minute)\n`,
  );
}

// Run only as the entry point: the tests import simChargers from here.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`simulate: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
