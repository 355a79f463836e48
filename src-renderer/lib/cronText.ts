import type { I18n } from '../i18n';

/**
 * When a schedule runs, in the operator's language (issue 16): 每天 01:00, 每 5 分钟, Daily at
 * 01:00 — not `0 1 * * *`. The depot's schedules (src-main/…/jobs.ts, defineCron) use a handful
 * of shapes: every minute, every n minutes, once an hour, once a day; a weekly, a monthly and an
 * every-n-hours shape are worded too, for a schedule added later. Anything else (lists, ranges,
 * seconds, names) is not worded: null, and the screen shows the expression itself. Times are the
 * depot's (the crons run in its time zone). Plain functions: no React, antd or browser.
 */

type Wording = Pick<I18n, 'maybe'>;

/** A whole number within [min, max] written plainly ("05" and "5" alike), else undefined. */
function whole(field: string, min: number, max: number): number | undefined {
  if (!/^\d{1,2}$/.test(field)) return undefined;
  const n = Number(field);
  return n >= min && n <= max ? n : undefined;
}

/** "*\/n" with n in [1, max], else undefined. */
function step(field: string, max: number): number | undefined {
  const m = /^\*\/(\d{1,2})$/.exec(field);
  return m ? whole(m[1], 1, max) : undefined;
}

const clock = (hour: number, minute: number) => `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;

/** The dictionary key and parameters for the five fields, or null for a shape not worded. */
function shape(fields: string[]): { key: string; params: Record<string, string | number> } | null {
  const [min, hour, dom, month, dow] = fields;
  if (month !== '*') return null;
  const minute = whole(min, 0, 59);
  const h = whole(hour, 0, 23);
  if (dom === '*' && dow === '*') {
    if (hour === '*' && min === '*') return { key: 'minute', params: {} };
    const every = step(min, 59);
    if (hour === '*' && every !== undefined) return every === 1 ? { key: 'minute', params: {} } : { key: 'minutes', params: { n: every } };
    if (minute === undefined) return null;
    if (hour === '*') return { key: 'hourly', params: { minute: String(minute).padStart(2, '0') } };
    const hours = step(hour, 23);
    if (hours !== undefined) return { key: 'hours', params: { n: hours, minute: String(minute).padStart(2, '0') } };
    return h === undefined ? null : { key: 'daily', params: { time: clock(h, minute) } };
  }
  if (minute === undefined || h === undefined) return null;
  const weekday = whole(dow, 0, 7);
  if (dom === '*' && weekday !== undefined) return { key: 'weekly', params: { day: weekday % 7, time: clock(h, minute) } };
  const day = whole(dom, 1, 31);
  if (dow === '*' && day !== undefined) return { key: 'monthly', params: { day, time: clock(h, minute) } };
  return null;
}

/** A cron expression (five fields) in words, or null when its shape is not one worded here. */
export function cronText(w: Wording, expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const s = shape(fields);
  if (!s) return null;
  const params = s.key === 'weekly' ? { ...s.params, day: w.maybe(`jobs.cron.weekday.${s.params.day}`) ?? String(s.params.day) } : s.params;
  return w.maybe(`jobs.cron.every.${s.key}`, params) ?? null;
}
