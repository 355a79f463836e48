import DecimalJs from 'decimal.js';
import { z } from 'zod';
import { DepotError } from '../kernel/errors';

/**
 * Money in DepotDesk.
 *
 * Guarantees:
 * - An amount of money in the core and in the database is an integer number of fen (分), never a
 *   float of yuan. Every function here that returns money returns a safe integer of fen.
 * - Yuan text from an operator or a file ("45.60") is parsed exactly, digit by digit; text with
 *   more than two decimals, a sign where none is allowed, anything that is not a plain decimal
 *   number, or an amount above the limit is refused with an `invalid_input` error naming the field.
 *   Nothing is ever silently rounded on the way in.
 * - Arithmetic that can produce fractions of a fen (price × energy, percentages) is done in
 *   decimal.js and rounded exactly once, half-up (halves away from zero) to the fen, by
 *   `roundHalfUpToFen` / `roundFenHalfUp`. This file is the only place the rounding policy lives.
 * - `formatFen` prints fen as yuan with exactly two decimals and round-trips through `parseYuan`.
 */

/** decimal.js with enough precision for any depot sum, rounding half-up; a clone so nobody's global setting changes ours. */
export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Decimal = DecimalJs;
export type DecimalValue = DecimalJs.Value;

/** An integer number of fen. A type alias for readability; `assertFen` is the runtime check. */
export type Fen = number;

/** The largest single amount DepotDesk accepts: 100 million yuan. Sums stay far below 2^53 fen. */
export const MAX_AMOUNT_FEN = 10_000_000_000;

const YUAN_TEXT = /^(-)?(\d+)(?:\.(\d*))?$/;

export interface ParseYuanOptions {
  /** Accept "0" / "0.00" (default true). Transfers need `allowZero: false` or `parsePositiveYuan`. */
  allowZero?: boolean;
  /** Accept a leading minus (default false): only adjustments and corrections take signed amounts. */
  allowNegative?: boolean;
  /** Upper bound in fen for the absolute value (default MAX_AMOUNT_FEN). */
  maxFen?: number;
}

function bad(field: string, text: unknown, why: string): DepotError {
  return new DepotError('invalid_input', `${field}: ${why} (got ${JSON.stringify(text)})`, { field, value: text, reason: why });
}

/**
 * Parses yuan text such as "45.60", "45.6", "45" or "0.05" into integer fen. Surrounding blanks
 * are ignored; thousands separators, exponents, "+", currency signs and full-width digits are not
 * accepted, because an operator who typed them meant something this parser cannot be sure of.
 */
export function parseYuan(text: string, field = 'amount', opts: ParseYuanOptions = {}): Fen {
  if (typeof text !== 'string') throw bad(field, text, 'must be an amount in yuan written as text, like "45.60"');
  const trimmed = text.trim();
  if (trimmed === '') throw bad(field, text, 'is empty; enter an amount in yuan, like "45.60"');
  const m = YUAN_TEXT.exec(trimmed);
  if (!m) throw bad(field, text, 'is not a number; enter an amount in yuan, like "45.60"');
  const [, minus, whole, frac = ''] = m;
  if (frac.length > 2) throw bad(field, text, 'has more than 2 decimals; amounts are in yuan to the fen (0.01)');
  const fenText = `${whole}${frac.padEnd(2, '0')}`.replace(/^0+(?=\d)/, '');
  const maxFen = opts.maxFen ?? MAX_AMOUNT_FEN;
  // Compare as text length first so a 400-digit input never becomes a float.
  if (fenText.length > String(maxFen).length || Number(fenText) > maxFen) {
    throw bad(field, text, `is too large; at most ${formatFen(maxFen)} yuan`);
  }
  const fen = Number(fenText);
  if (minus && fen !== 0 && !opts.allowNegative) throw bad(field, text, 'must not be negative');
  if (fen === 0 && opts.allowZero === false) throw bad(field, text, 'must be more than 0.00');
  return minus && fen !== 0 ? -fen : fen;
}

/** An amount that must be at least 0.01 yuan (what every transfer moves). */
export function parsePositiveYuan(text: string, field = 'amount', opts: Omit<ParseYuanOptions, 'allowZero' | 'allowNegative'> = {}): Fen {
  return parseYuan(text, field, { ...opts, allowZero: false, allowNegative: false });
}

/** 4560 → "45.60", -5 → "-0.05". */
export function formatFen(fen: Fen): string {
  assertFen(fen, 'fen', { allowNegative: true, maxFen: Number.MAX_SAFE_INTEGER });
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100);
  const cents = abs % 100;
  return `${sign}${yuan}.${cents.toString().padStart(2, '0')}`;
}

/** Throws unless `value` is a safe integer of fen within the bounds. */
export function assertFen(value: unknown, field = 'amount', opts: { allowNegative?: boolean; allowZero?: boolean; maxFen?: number } = {}): asserts value is Fen {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw bad(field, value, 'must be a whole number of fen');
  }
  if (value < 0 && !opts.allowNegative) throw bad(field, value, 'must not be negative');
  if (value === 0 && opts.allowZero === false) throw bad(field, value, 'must be more than 0');
  if (Math.abs(value) > (opts.maxFen ?? MAX_AMOUNT_FEN)) throw bad(field, value, 'is too large');
}

function toSafeFen(d: DecimalJs, what: string): Fen {
  const n = d.toNumber();
  if (!Number.isSafeInteger(n)) throw new DepotError('internal', `${what}: ${d.toString()} fen is out of range`);
  return n === 0 ? 0 : n; // no -0
}

/**
 * THE rounding policy: an exact amount in yuan → integer fen, half-up (halves away from zero).
 * 1.005 yuan → 101 fen; 1.00499 → 100; -1.005 → -101.
 */
export function roundHalfUpToFen(yuan: DecimalValue): Fen {
  return toSafeFen(new Decimal(yuan).times(100).toDecimalPlaces(0, DecimalJs.ROUND_HALF_UP), 'roundHalfUpToFen');
}

/** The same policy for an exact amount already expressed in fen (e.g. 1234.5 fen → 1235). */
export function roundFenHalfUp(fen: DecimalValue): Fen {
  return toSafeFen(new Decimal(fen).toDecimalPlaces(0, DecimalJs.ROUND_HALF_UP), 'roundFenHalfUp');
}

/** Fen → exact yuan Decimal (for arithmetic that mixes with prices). */
export function fenToYuan(fen: Fen): Decimal {
  return new Decimal(fen).dividedBy(100);
}

/**
 * Units used by tariffs: a price is an integer number of 1e-5 yuan per kWh (1.23456 yuan/kWh =
 * 123456), energy is integer Wh. Their product is exact here; round it once, at settlement.
 */
export const PRICE_SCALE = 100_000;

/** price (1e-5 yuan/kWh) × energy (Wh) → exact yuan, unrounded. */
export function priceTimesEnergy(priceE5PerKwh: number, energyWh: number): Decimal {
  if (!Number.isSafeInteger(priceE5PerKwh) || priceE5PerKwh < 0) throw bad('price', priceE5PerKwh, 'must be a whole, non-negative number of 0.00001 yuan/kWh');
  if (!Number.isSafeInteger(energyWh) || energyWh < 0) throw bad('energy', energyWh, 'must be a whole, non-negative number of Wh');
  // yuan = (price / 1e5) × (Wh / 1000)
  return new Decimal(priceE5PerKwh).times(energyWh).dividedBy(PRICE_SCALE * 1000);
}

/** Parses a price per kWh written in yuan ("1.23456") into integer 1e-5 yuan/kWh. */
export function parsePricePerKwh(text: string, field = 'price'): number {
  if (typeof text !== 'string') throw bad(field, text, 'must be a price in yuan/kWh written as text, like "1.2345"');
  const m = /^(\d+)(?:\.(\d{0,5}))?$/.exec(text.trim());
  if (!m) {
    if (/^\d+\.\d{6,}$/.test(text.trim())) throw bad(field, text, 'has more than 5 decimals; prices are in 0.00001 yuan/kWh');
    if (/^-/.test(text.trim())) throw bad(field, text, 'must not be negative');
    throw bad(field, text, 'is not a number; enter a price in yuan/kWh, like "1.2345"');
  }
  const units = Number(`${m[1]}${(m[2] ?? '').padEnd(5, '0')}`);
  if (!Number.isSafeInteger(units) || units > 100 * PRICE_SCALE) throw bad(field, text, 'is too large; at most 100 yuan/kWh');
  return units;
}

/** 123456 → "1.23456". */
export function formatPricePerKwh(units: number): string {
  return new Decimal(units).dividedBy(PRICE_SCALE).toFixed(5);
}

export function sumFen(values: Iterable<Fen>): Fen {
  let total = 0;
  for (const v of values) total += v;
  if (!Number.isSafeInteger(total)) throw new DepotError('internal', 'sum of fen left the safe integer range');
  return total;
}

/**
 * How amounts cross the contract: callers send yuan text ("100.00"); answers carry both the
 * integer fen (for programs) and the formatted yuan text (for people), so nobody formats twice.
 */
export interface Amount {
  fen: Fen;
  yuan: string;
}

export function amount(fen: Fen): Amount {
  return { fen, yuan: formatFen(fen) };
}

export const amountSchema = z.object({ fen: z.number().int(), yuan: z.string() });

/**
 * A zod field for yuan text; a bad value becomes an `invalid_input` issue on that field with the
 * same message parseYuan gives. Output: integer fen.
 */
export function yuanField(opts: ParseYuanOptions = {}) {
  return z.string().transform((text, ctx) => {
    try {
      // The field name comes from zod's path; the dispatcher puts it in front of this message.
      return parseYuan(text, 'amount', opts);
    } catch (e) {
      const reason = e instanceof DepotError ? String((e.details as { reason?: string }).reason ?? e.message) : String(e);
      ctx.addIssue({ code: 'custom', message: `${reason} (got ${JSON.stringify(text)})` });
      return z.NEVER;
    }
  });
}

/** yuanField for amounts that must be at least 0.01. */
export function positiveYuanField(opts: Omit<ParseYuanOptions, 'allowZero' | 'allowNegative'> = {}) {
  return yuanField({ ...opts, allowZero: false, allowNegative: false });
}
