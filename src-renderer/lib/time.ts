import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import timezone from 'dayjs/plugin/timezone.js';

dayjs.extend(utc);
dayjs.extend(timezone);

/**
 * Times are shown in the depot's time zone, the one its business day is computed in, whatever
 * zone the viewing PC is set to; otherwise "today" and the clock on screen could disagree.
 * The zone comes from system.about when the shell starts; until then the configured default.
 */
export const DEFAULT_ZONE = 'Asia/Shanghai';
let depotZone = DEFAULT_ZONE;

export function setDepotZone(zone: string): void {
  depotZone = zone;
}

export function formatTime(ms: number, pattern = 'YYYY-MM-DD HH:mm:ss'): string {
  return dayjs(ms).tz(depotZone).format(pattern);
}

/** Midnight that begins a depot day (yyyy-MM-dd) in the depot's zone, as an instant (ms). */
export function depotDayStart(date: string): number {
  return dayjs.tz(date, depotZone).valueOf();
}

/** The depot day (yyyy-MM-dd) an instant falls in, `days` later (negative: earlier). */
export function depotDate(ms: number, days = 0): string {
  return dayjs(ms).tz(depotZone).add(days, 'day').format('YYYY-MM-DD');
}
