import { describe, expect, it } from 'vitest';
import { displayFen, formatBytes, formatFigure, formatWh } from '../../src-renderer/lib/format';

describe('figures on the dashboard', () => {
  it('shows fen as yuan with exactly two decimals, digit for digit', () => {
    expect(displayFen(0)).toBe('¥0.00');
    expect(displayFen(5)).toBe('¥0.05');
    expect(displayFen(123456789)).toBe('¥1,234,567.89');
    expect(displayFen(-1050)).toBe('-¥10.50');
    // Beyond float-safe cents arithmetic (0.1 + 0.2 style errors) the integer path stays exact.
    expect(displayFen(9007199254740991)).toBe('¥90,071,992,547,409.91');
  });

  it('shows bytes as B, KB or MB', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(4096)).toBe('4.0 KB');
    expect(formatBytes(5 * 1024 * 1024 + 512 * 1024)).toBe('5.5 MB');
  });

  it('shows Wh as kWh with three exact decimals', () => {
    expect(formatWh(12345)).toBe('12.345 kWh');
    expect(formatWh(7)).toBe('0.007 kWh');
  });

  it('formats each figure by its unit', () => {
    expect(formatFigure(1234, 'count')).toBe('1,234');
    expect(formatFigure(1234, 'fen')).toBe('¥12.34');
    expect(formatFigure(2048, 'bytes')).toBe('2.0 KB');
    expect(formatFigure(1500, 'wh')).toBe('1.500 kWh');
  });
});
