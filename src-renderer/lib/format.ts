/**
 * Display formatting. Money arrives as integer fen and is formatted with integer arithmetic, so
 * a displayed amount is exactly the stored one (no floating-point rounding on the way).
 */
import { formatTime } from './time';

/** 'time': an instant, epoch ms. */
export type FigureUnit = 'count' | 'fen' | 'bytes' | 'wh' | 'time';

const grouped = (n: number) => Math.trunc(n).toLocaleString('en-US');

/**
 * Fen as the operator reads it on screen: "¥1,234.56", "-¥10.50". Not the core's `formatFen`
 * (src-main/money), which writes plain yuan text ("1234.56") that parses back: the renderer
 * bundle takes only types from src-main, never its runtime (decimal.js, zod, kernel errors).
 */
export function displayFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}¥${grouped(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * @deprecated The old name of `displayFen`, kept only until the pages under src-renderer/pages
 * import `displayFen` (they belong to another change in flight); `formatFen` is the core's name.
 */
export { displayFen as formatFen };

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

export function formatWh(wh: number): string {
  const sign = wh < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(wh));
  return `${sign}${grouped(Math.floor(abs / 1000))}.${String(abs % 1000).padStart(3, '0')} kWh`;
}

export function formatFigure(value: number, unit: FigureUnit): string {
  switch (unit) {
    case 'fen':
      return displayFen(value);
    case 'bytes':
      return formatBytes(value);
    case 'wh':
      return formatWh(value);
    case 'count':
      return grouped(value);
    case 'time':
      return formatTime(value, 'MM-DD HH:mm');
  }
}
