/**
 * Wall-clock arithmetic in a plan's own time zone. Slots are defined on the wall clock ("slot 22 is
 * 11:00–11:30 local"), so every boundary is found by reading local time, never by adding 30 min to
 * a UTC instant: in a zone with DST a local day has 23 or 25 hours, and zones such as Asia/Kathmandu
 * (+05:45) put local half hours off the UTC grid. Asia/Shanghai has neither, but nothing here
 * assumes that.
 */

export const SLOT_MS = 30 * 60_000;
export const SLOTS_PER_DAY = 48;

export interface LocalTime {
  /** yyyy-MM-dd of the local calendar date. */
  date: string;
  month: number;
  /** Milliseconds since local midnight (wall clock). */
  msOfDay: number;
  /** Local wall clock minus UTC, in ms. */
  offsetMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

export function localTime(at: number, zone: string): LocalTime {
  const parts = formatter(zone).formatToParts(new Date(at));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const year = get('year');
  const month = get('month');
  const day = get('day');
  const hour = get('hour');
  const minute = get('minute');
  const second = get('second');
  const ms = ((at % 1000) + 1000) % 1000;
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { date, month, msOfDay: ((hour * 60 + minute) * 60 + second) * 1000 + ms, offsetMs: wallAsUtc - at };
}

/**
 * The first instant after `at` at which the local slot can change: the next local half-hour mark,
 * or an earlier change of UTC offset (a DST transition that does not fall on a half hour).
 */
export function nextSlotBoundary(at: number, zone: string): number {
  const here = localTime(at, zone);
  const candidate = at + (SLOT_MS - (here.msOfDay % SLOT_MS));
  if (localTime(candidate, zone).offsetMs === here.offsetMs) return candidate;
  // The offset changes somewhere in (at, candidate]: find the first millisecond it does.
  let lo = at;
  let hi = candidate;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (localTime(mid, zone).offsetMs === here.offsetMs) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The instant at which local wall time `date` + `msOfDay` happens. A wall time that does not exist
 * (skipped by a DST jump) resolves to the instant the clock jumped; one that happens twice resolves
 * to the first.
 */
export function instantOf(date: string, msOfDay: number, zone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d) + msOfDay;
  // Try the offsets in force around that wall time; the earliest that reproduces it wins.
  const offsets = new Set<number>();
  for (const probe of [wall - 36 * 3600_000, wall - 12 * 3600_000, wall, wall + 12 * 3600_000, wall + 36 * 3600_000]) {
    offsets.add(localTime(probe, zone).offsetMs);
  }
  const exact = [...offsets]
    .map((o) => wall - o)
    .filter((t) => {
      const lt = localTime(t, zone);
      return lt.date === date && lt.msOfDay === msOfDay;
    })
    .sort((a, b) => a - b);
  if (exact.length > 0) return exact[0];
  // Skipped wall time: the first instant whose local time is later than it.
  const candidates = [...offsets].map((o) => wall - o).sort((a, b) => a - b);
  for (const t of candidates) {
    const lt = localTime(t, zone);
    if (lt.date > date || (lt.date === date && lt.msOfDay > msOfDay)) {
      let lo = t - 36 * 3600_000;
      let hi = t;
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        const l = localTime(mid, zone);
        if (l.date > date || (l.date === date && l.msOfDay > msOfDay)) hi = mid;
        else lo = mid;
      }
      return hi;
    }
  }
  return candidates[0];
}

/** Start of a local calendar date. */
export function startOfDate(date: string, zone: string): number {
  return instantOf(date, 0, zone);
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written yyyy-MM-dd. */
export function isCalendarDate(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const m = DATE_TEXT.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

/** "HH:mm" of a slot's start, e.g. slot 22 → "11:00". */
export function slotLabel(slot: number): string {
  const minutes = slot * 30;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Formats an instant as ISO 8601 with the zone's offset, e.g. 2024-07-15T10:30:00+08:00. */
export function isoInZone(at: number, zone: string): string {
  const lt = localTime(at, zone);
  const totalSec = Math.floor(lt.msOfDay / 1000);
  const hh = String(Math.floor(totalSec / 3600)).padStart(2, '0');
  const mm = String(Math.floor((totalSec % 3600) / 60)).padStart(2, '0');
  const ss = String(totalSec % 60).padStart(2, '0');
  const ms = lt.msOfDay % 1000;
  const off = Math.round(lt.offsetMs / 60_000);
  const sign = off < 0 ? '-' : '+';
  const oh = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
  const om = String(Math.abs(off) % 60).padStart(2, '0');
  return `${lt.date}T${hh}:${mm}:${ss}${ms ? `.${String(ms).padStart(3, '0')}` : ''}${sign}${oh}:${om}`;
}
