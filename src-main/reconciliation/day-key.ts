/**
 * How recon_statement_rows stores a depot-zone day: the integer yyyyMMdd (2026-03-01 is 20260301),
 * four bytes in the row and in its day index instead of ten characters, on a table that takes a
 * million rows a day. Every other table keeps days as 'yyyy-MM-dd' text, and so do the queries'
 * callers: the conversion happens here, at the statement rows' edge. Both keep the calendar order.
 */

export function dayKey(day: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`dayKey: ${JSON.stringify(day)} is not a day yyyy-MM-dd`);
  return Number(day.slice(0, 4)) * 10_000 + Number(day.slice(5, 7)) * 100 + Number(day.slice(8, 10));
}

export function dayText(key: number): string {
  const y = Math.floor(key / 10_000);
  const m = Math.floor(key / 100) % 100;
  const d = key % 100;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A day's statement rows are read through the statements whose day span covers the day and their
 * rows' id ranges (import.ts), statement first (CROSS JOIN keeps that order): a range scan of the
 * table, with no index entry per row on the day. NOT INDEXED keeps the planner on the rowid range:
 * without statistics it would rather build an automatic index over every row ever kept. Binds
 * @day, a dayKey.
 */
export const ROWS_OF_DAY_FROM = `recon_statements s CROSS JOIN recon_statement_rows r NOT INDEXED ON r.id BETWEEN s.row_id_from AND s.row_id_to
  WHERE s.day_from <= @day AND s.day_to >= @day AND r.day = @day`;

/**
 * The first row id of an import under way (recon_imports), or the largest integer when none is:
 * a query that reads statement rows by an index of theirs (not through a kept statement's range)
 * reads only `r.id <` this, so rows written by an import whose statement is not kept yet are never
 * matched against (import.ts).
 */
export const FIRST_UNKEPT_ROW = '(SELECT coalesce(min(row_id_from), 9223372036854775807) FROM recon_imports)';
