import { performance } from 'node:perf_hooks';

/**
 * Chunk sizes for a long job (campaigns, statement imports) that yields between chunks (issue 18: no task on the thread that
 * answers the operator longer than 100 ms). A fixed size is right on one machine and too large on a
 * busy one: 1,000 campaign credits took 70 ms on a quiet core and over 200 ms at a load of 13. With
 * a time budget, each chunk is sized from how long the last one took: shrunk in proportion when it
 * ran over, grown by half when it took less than half, never above the configured size nor below 10.
 * Without a budget the size is the configured one (the CLI, the tests that count chunks).
 */
export interface Pace {
  size(): number;
  /** Runs one chunk and adjusts the next chunk's size to how long it took. */
  time<T>(chunk: () => T): T;
}

const FLOOR = 10;
const START = 100;

export function pace(max: number, budgetMs?: number): Pace {
  let size = budgetMs ? Math.min(max, START) : max;
  return {
    size: () => size,
    time(chunk) {
      const t0 = performance.now();
      const value = chunk();
      const ms = performance.now() - t0;
      if (budgetMs && ms > budgetMs) size = Math.max(FLOOR, Math.floor((size * budgetMs) / ms));
      else if (budgetMs && ms < budgetMs / 2) size = Math.min(max, Math.ceil(size * 1.5));
      return value;
    },
  };
}

/** The budget the app's own long jobs keep each chunk to, well under the 100 ms goal. */
export const APP_CHUNK_BUDGET_MS = 40;

/** Lets the event loop answer what waited (a click, a charger's message) before the next chunk. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
