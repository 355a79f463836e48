/**
 * Every rule that depends on time reads it from a Clock, so tests can move time by hand and the
 * depot's business day is computed in one place. Times in the core are UTC epoch milliseconds.
 */
export interface Clock {
  now(): number;
  /** IANA zone of the depot, e.g. Asia/Shanghai: business days and cron run in it. */
  readonly timeZone: string;
}

export function systemClock(timeZone: string): Clock {
  return { now: () => Date.now(), timeZone };
}

export class FakeClock implements Clock {
  private current: number;
  constructor(
    start: number | string = '2026-01-15T00:00:00Z',
    readonly timeZone = 'Asia/Shanghai',
  ) {
    this.current = typeof start === 'number' ? start : Date.parse(start);
    if (!Number.isFinite(this.current)) throw new Error(`FakeClock: bad start ${String(start)}`);
  }
  now(): number {
    return this.current;
  }
  advance(ms: number): number {
    if (ms < 0) throw new Error('FakeClock: time does not go backwards');
    this.current += ms;
    return this.current;
  }
  set(at: number | string): void {
    const t = typeof at === 'number' ? at : Date.parse(at);
    if (t < this.current) throw new Error('FakeClock: time does not go backwards');
    this.current = t;
  }
}

/** The calendar date (yyyy-MM-dd) of an instant in the given zone. */
export function businessDate(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(at));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** True when the zone name is one the runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** One day in milliseconds (a UTC day; business days follow the depot's zone, see businessDate). */
export const DAY_MS = 86_400_000;
