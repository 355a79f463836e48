import { parse, type Options } from 'csv-parse/sync';
import { refuse } from './types';

/** A CSV record with the file line it ends on. */
export interface CsvRecord {
  values: string[];
  line: number;
}

/**
 * csv-parse with `info: true`, which its typings do not model: each record comes back as
 * `{ record, info }`, and `info.lines` is the line the record ends on, counted from the first line
 * of `text`. csv-parse counts the CR and the LF of a CRLF inside a quoted value as two lines, so
 * line ends are made LF first; the record's first line is its last minus the line breaks in its
 * values. `lineOffset` turns that into a line of the whole file. Parse errors are refused with the
 * line csv-parse stopped at.
 */
export function parseCsvLines(text: string, options: Omit<Options, 'info' | 'columns'>, file: string, lineOffset = 0): CsvRecord[] {
  let parsed: unknown;
  try {
    parsed = parse(text.replace(/\r\n/g, '\n'), { ...options, info: true });
  } catch (e) {
    const line = lineOffset + Number((e as { lines?: number }).lines ?? 1);
    throw refuse({ file, line }, 'bad_value', `not readable as CSV (${(e as Error).message})`);
  }
  return (parsed as Array<{ record: string[]; info: { lines: number } }>).map(({ record, info }) => {
    let breaks = 0;
    for (const v of record) breaks += v.match(/[\r\n]/g)?.length ?? 0;
    return { values: record, line: lineOffset + info.lines - breaks };
  });
}
