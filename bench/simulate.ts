import { performance } from 'node:perf_hooks';
import { simulateDepot } from '../src-main/simulation/depot-sim';
import { simChargers } from '../scripts/simulate-depot';
import { ratio, type Benchmark } from './harness';

/**
 * The seeded depot simulation's pace (issue 19: "the benchmark reports depot-days simulated per
 * minute"): seeds 1…10 × 3 depot-days each (3 × 1 with --quick), one after another, each from a
 * fresh depot. Reported: depot-days per minute of wall time, steps per second, violations found
 * (a benchmark reports them; `npm run simulate` and test/simulation are where they fail), and the
 * share of the time spent checking the invariants after every step — checking must not be what
 * the simulation mostly does.
 */
const bench: Benchmark = async ({ quick }) => {
  const seeds = quick ? 3 : 10;
  const days = quick ? 1 : 3;
  let steps = 0;
  let violations = 0;
  let checksMs = 0;
  let crashes = 0;
  const t0 = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const r = await simulateDepot({ seed, days, chargers: simChargers });
    steps += r.steps;
    violations += r.violation ? 1 : 0;
    checksMs += r.timing.checks ?? 0;
    crashes += r.counts.crash ?? 0;
  }
  const ms = performance.now() - t0;
  const depotDays = seeds * days;
  return {
    name: 'simulate',
    figures: {
      seeds,
      depot_days: depotDays,
      steps,
      crashes,
      violations,
      wall_s: Math.round(ms / 100) / 10,
      depot_days_per_minute: Math.round((depotDays / (ms / 60_000)) * 10) / 10,
      steps_per_s: Math.round((steps / (ms / 1000)) * 10) / 10,
    },
    ratios: {
      invariant_checks_share_of_time: ratio(checksMs / ms, { atMost: 0.5 }),
    },
    notes: [
      `seeds 1…${seeds} × ${days} depot-day(s), each a fresh depot (src-main/simulation/depot-sim.ts), one after another`,
      'the checks after every step: ledger verify and the domain invariants (invariants.ts)',
    ],
  };
};

export default bench;
