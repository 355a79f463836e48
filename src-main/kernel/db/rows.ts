import type { Statement } from 'better-sqlite3';
import { DepotError } from '../errors';

/**
 * Typed rows from better-sqlite3. The driver returns `unknown`; what a row looks like is promised
 * by the query's SELECT list and aliases, which SQLite cannot check against a TypeScript type. These
 * helpers are the one place that promise is taken, so a call site names the row type next to its
 * query (`allRows<OrderRow>(st, id)`) instead of casting the result (`st.all(id) as OrderRow[]`).
 *
 * Each runs the statement exactly as `st.get/all/iterate(...params)` would: the same parameters,
 * the same mode (`raw()` rows are arrays, `pluck()` rows are the first column's value).
 */

type AnyStatement = Statement<unknown[], unknown>;

/** The first row, or undefined when there is none (`st.get`). */
export function getRow<T>(st: AnyStatement, ...params: unknown[]): T | undefined {
  return st.get(...params) as T | undefined;
}

/** Every row (`st.all`). */
export function allRows<T>(st: AnyStatement, ...params: unknown[]): T[] {
  return st.all(...params) as T[];
}

/** The rows one at a time (`st.iterate`); the connection is busy until the loop ends. */
export function iterateRows<T>(st: AnyStatement, ...params: unknown[]): IterableIterator<T> {
  return st.iterate(...params) as IterableIterator<T>;
}

/**
 * The row a query always returns (an aggregate without GROUP BY, a row just written in the same
 * transaction). None is a bug, reported as one rather than read as undefined further on.
 */
export function expectRow<T>(st: AnyStatement, ...params: unknown[]): T {
  const r = st.get(...params);
  if (r === undefined) throw new DepotError('internal', `a query that always returns a row returned none: ${st.source.replace(/\s+/g, ' ').slice(0, 200)}`);
  return r as T;
}

/** The `n` of a `SELECT count(*) AS n …` (or any one-row query with an `n` column). */
export function countRows(st: AnyStatement, ...params: unknown[]): number {
  return expectRow<{ n: number }>(st, ...params).n;
}
