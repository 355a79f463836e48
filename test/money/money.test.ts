import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import {
  Decimal,
  MAX_AMOUNT_FEN,
  amount,
  formatFen,
  formatPricePerKwh,
  parsePositiveYuan,
  parsePricePerKwh,
  parseYuan,
  positiveYuanField,
  priceTimesEnergy,
  roundFenHalfUp,
  roundHalfUpToFen,
} from '../../src-main/money';
import { DepotError } from '../../src-main/kernel/errors';

function errorOf(fn: () => unknown): DepotError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DepotError) return e;
    throw e;
  }
  throw new Error('expected a DepotError');
}

describe('money: an operator types yuan, the core keeps fen', () => {
  it('reads "45.60", "45.6", "45", "0.05" and blanks around them exactly', () => {
    expect(parseYuan('45.60')).toBe(4560);
    expect(parseYuan('45.6')).toBe(4560);
    expect(parseYuan('45')).toBe(4500);
    expect(parseYuan('45.')).toBe(4500);
    expect(parseYuan('0.05')).toBe(5);
    expect(parseYuan(' 100.00 ')).toBe(10000);
    expect(parseYuan('0007.10')).toBe(710);
    expect(parseYuan('0')).toBe(0);
  });

  it('refuses more than two decimals, naming the field', () => {
    const e = errorOf(() => parseYuan('45.601', 'topup'));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/^topup: has more than 2 decimals/);
    expect(e.details).toMatchObject({ field: 'topup' });
  });

  it('refuses negative amounts unless asked for signed ones', () => {
    expect(errorOf(() => parseYuan('-1.00', 'amount')).message).toMatch(/amount: must not be negative/);
    expect(parseYuan('-1.05', 'adjustment', { allowNegative: true })).toBe(-105);
    expect(parseYuan('-0.00')).toBe(0);
  });

  it('refuses text that is not a plain decimal number', () => {
    for (const t of ['', '  ', 'abc', '1e3', '0x10', '+5', '1,000.00', '¥5', '５', '1.2.3', '.5', 'NaN', 'Infinity']) {
      const e = errorOf(() => parseYuan(t, 'amount'));
      expect(e.code, t).toBe('invalid_input');
      expect(e.message, t).toMatch(/^amount: /);
    }
    expect(errorOf(() => parseYuan(12 as unknown as string)).message).toMatch(/written as text/);
  });

  it('refuses amounts above the limit, even absurdly long ones', () => {
    expect(parseYuan(formatFen(MAX_AMOUNT_FEN))).toBe(MAX_AMOUNT_FEN);
    expect(errorOf(() => parseYuan('100000000.01', 'amount')).message).toMatch(/too large/);
    expect(errorOf(() => parseYuan('9'.repeat(400), 'amount')).message).toMatch(/too large/);
  });

  it('refuses zero where a transfer needs a positive amount', () => {
    expect(errorOf(() => parsePositiveYuan('0.00', 'amount')).message).toMatch(/more than 0.00/);
    expect(parsePositiveYuan('0.01')).toBe(1);
  });

  it('formats fen as yuan with two decimals and round-trips', () => {
    expect(formatFen(4560)).toBe('45.60');
    expect(formatFen(5)).toBe('0.05');
    expect(formatFen(0)).toBe('0.00');
    expect(formatFen(-105)).toBe('-1.05');
    expect(amount(12345)).toEqual({ fen: 12345, yuan: '123.45' });
    fc.assert(
      fc.property(fc.integer({ min: -MAX_AMOUNT_FEN, max: MAX_AMOUNT_FEN }), (fen) => {
        expect(parseYuan(formatFen(fen), 'x', { allowNegative: true })).toBe(fen);
      }),
    );
    expect(() => formatFen(1.5)).toThrow(/whole number of fen/);
  });

  it('rounds once, half-up to the fen (halves away from zero)', () => {
    expect(roundHalfUpToFen('1.005')).toBe(101);
    expect(roundHalfUpToFen('1.00499999')).toBe(100);
    expect(roundHalfUpToFen('-1.005')).toBe(-101);
    expect(roundHalfUpToFen(new Decimal('0.125'))).toBe(13);
    expect(roundFenHalfUp('1234.5')).toBe(1235);
    expect(roundFenHalfUp('1234.49')).toBe(1234);
    expect(Object.is(roundHalfUpToFen('-0.001'), 0)).toBe(true);
  });

  it('multiplies a price per kWh by energy exactly, without floating point', () => {
    // 1.23456 yuan/kWh × 12.345 kWh = 15.2406432 yuan → 15.24
    const exact = priceTimesEnergy(123456, 12345);
    expect(exact.toString()).toBe('15.2406432');
    expect(roundHalfUpToFen(exact)).toBe(1524);
    // 0.1 + 0.2 style trap: 0.1 yuan/kWh × 3 Wh sums exactly
    expect(priceTimesEnergy(10000, 1).plus(priceTimesEnergy(10000, 2)).equals(priceTimesEnergy(10000, 3))).toBe(true);
    expect(parsePricePerKwh('1.23456')).toBe(123456);
    expect(formatPricePerKwh(123456)).toBe('1.23456');
    expect(errorOf(() => parsePricePerKwh('1.234567', 'peak')).message).toMatch(/^peak: has more than 5 decimals/);
    expect(() => priceTimesEnergy(1.5, 1)).toThrow(/price/);
  });

  it('gives contract fields an invalid_input issue that names the field', () => {
    const schema = z.object({ amount: positiveYuanField() });
    expect(schema.parse({ amount: '12.30' })).toEqual({ amount: 1230 });
    const r = schema.safeParse({ amount: '12.345' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['amount']);
    expect(r.error?.issues[0].message).toMatch(/more than 2 decimals/);
  });
});
