import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';
import timezone from 'dayjs/plugin/timezone';

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
