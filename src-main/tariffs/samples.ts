import { DepotError } from '../kernel/errors';
import type { MeterSample } from './quote';
import { instantOf, isCalendarDate } from './zone';

/**
 * Meter samples as people and files write them: ISO 8601 timestamps and cumulative kWh with up to
 * 3 decimals. Both are converted exactly (kWh → integer Wh, timestamp → epoch ms) or refused with
 * the line or field named; nothing is rounded on the way in.
 */

const KWH_TEXT = /^(\d+)(?:\.(\d+))?$/;

/** "12.345" kWh → 12345 Wh, exactly; more than 3 non-zero decimals is refused, not rounded. */
export function parseKwh(text: string, field: string): number {
  const t = typeof text === 'string' ? text.trim() : text;
  const m = typeof t === 'string' ? KWH_TEXT.exec(t) : null;
  if (!m) {
    throw new DepotError('invalid_input', `${field}: energy must be a non-negative number of kWh like "12.345"; got ${JSON.stringify(text)}`, { field });
  }
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > 3) {
    throw new DepotError('invalid_input', `${field}: energy "${t}" has more than 3 decimals; readings are whole Wh (0.001 kWh)`, { field });
  }
  const wh = Number(`${m[1]}${frac.padEnd(3, '0')}`);
  if (!Number.isSafeInteger(wh)) throw new DepotError('invalid_input', `${field}: energy "${t}" is too large`, { field });
  return wh;
}

const ISO_TEXT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * ISO 8601 → epoch ms. With `wallClockZone`, a timestamp without offset is read as wall time in that
 * zone (the quote calculator's inputs); without it the offset is required (files from chargers).
 */
export function parseTimestamp(text: string, field: string, wallClockZone?: string): number {
  const t = typeof text === 'string' ? text.trim() : '';
  const m = ISO_TEXT.exec(t);
  const fail = (why: string) => new DepotError('invalid_input', `${field}: ${why}; got ${JSON.stringify(text)}`, { field });
  if (!m) throw fail('timestamp must be ISO 8601 with a UTC offset, like 2024-07-15T10:30:00+08:00');
  const [, date, hh, mm, ss = '00', frac = '', offset] = m;
  if (!isCalendarDate(date)) throw fail(`${date} is not a calendar date`);
  const h = Number(hh);
  const mi = Number(mm);
  const s = Number(ss);
  if (h > 23 || mi > 59 || s > 59) throw fail('time of day must be 00:00:00 to 23:59:59');
  if (frac.replace(/0+$/, '').length > 3) throw fail('timestamps are kept to the millisecond; use at most 3 decimals of a second');
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const msOfDay = ((h * 60 + mi) * 60 + s) * 1000 + ms;
  if (!offset) {
    if (!wallClockZone) throw fail('timestamp needs a UTC offset such as +08:00 or Z');
    return instantOf(date, msOfDay, wallClockZone);
  }
  let offsetMin = 0;
  if (offset.toUpperCase() !== 'Z') {
    const om = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)!;
    const oh = Number(om[2]);
    const omin = Number(om[3] ?? '0');
    if (oh > 14 || omin > 59) throw fail(`UTC offset ${offset} is out of range`);
    offsetMin = (om[1] === '-' ? -1 : 1) * (oh * 60 + omin);
  }
  const [y, mo, d] = date.split('-').map(Number);
  return Date.UTC(y, mo - 1, d) + msOfDay - offsetMin * 60_000;
}

function unquote(cell: string): string {
  const c = cell.trim();
  return c.length >= 2 && c.startsWith('"') && c.endsWith('"') ? c.slice(1, -1).trim() : c;
}

/**
 * Samples CSV: one `timestamp,energy_kwh` per line; an optional header line with those names,
 * blank lines and lines starting with # are skipped. Errors name the line number (1-based).
 */
export function parseSamplesCsv(text: string, source = 'samples'): MeterSample[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const samples: MeterSample[] = [];
  let seenContent = false;
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map(unquote);
    const label = `line ${lineNo}`;
    if (!seenContent) {
      seenContent = true;
      if (cells.length === 2 && cells[0].toLowerCase() === 'timestamp' && cells[1].toLowerCase() === 'energy_kwh') return;
    }
    if (cells.length !== 2) {
      throw new DepotError('invalid_input', `${source} ${label}: expected 2 fields "timestamp,energy_kwh", got ${cells.length}: ${JSON.stringify(raw)}`, {
        field: label,
        line: lineNo,
      });
    }
    try {
      samples.push({ at: parseTimestamp(cells[0], label), wh: parseKwh(cells[1], label), label });
    } catch (e) {
      if (e instanceof DepotError) throw new DepotError(e.code, `${source} ${e.message}`, { field: label, line: lineNo });
      throw e;
    }
  });
  return samples;
}
