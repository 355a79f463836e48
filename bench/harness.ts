import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * The benchmark harness. A benchmark measures its own raw baseline in the same run, on the same
 * machine and disk, and reports ratios against it: absolute numbers drift between machines,
 * ratios say whether our code is the bottleneck. Benchmarks never assert; they report.
 */
export interface BenchReport {
  name: string;
  /** Measured values, each with its unit in the key (e.g. raw_insert_per_s, p99_ms). */
  figures: Record<string, number>;
  /** ours / baseline, with the goal stated next to it. */
  ratios: Record<string, { value: number; goal: string; met: boolean }>;
  notes: string[];
}

export interface BenchOptions {
  json: boolean;
  /** Scales work down for a quick check (npm run bench -- <name> --quick). */
  quick: boolean;
  /** A fresh temp directory for this benchmark's files; removed after the run. */
  dir: string;
}

export type Benchmark = (opts: BenchOptions) => Promise<BenchReport>;

export function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

export async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Infinity;
}

export function percentile(sortedOrNot: number[], p: number): number {
  if (sortedOrNot.length === 0) return NaN;
  const s = [...sortedOrNot].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}

/** A ratio with its goal: `atLeast` for throughput ratios, `atMost` for time ratios. */
export function ratio(value: number, goal: { atLeast?: number; atMost?: number }): BenchReport['ratios'][string] {
  const met = (goal.atLeast === undefined || value >= goal.atLeast) && (goal.atMost === undefined || value <= goal.atMost);
  const text = goal.atLeast !== undefined ? `>= ${goal.atLeast}` : `<= ${goal.atMost}`;
  return { value: Number(value.toFixed(3)), goal: text, met };
}

export function machine(): Record<string, string | number> {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `depotdesk-bench-${name}-`));
}

export function formatReport(r: BenchReport): string {
  const lines = [`== ${r.name}`];
  for (const [k, v] of Object.entries(r.figures)) lines.push(`  ${k.padEnd(36)} ${formatNumber(v)}`);
  for (const [k, v] of Object.entries(r.ratios)) {
    lines.push(`  ${`ratio ${k}`.padEnd(36)} ${v.value.toFixed(3)}  (goal ${v.goal}: ${v.met ? 'met' : 'NOT met'})`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(3);
}
