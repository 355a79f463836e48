import { describe, expect, it } from 'vitest';
import { byNumber, isSessionNumber, numberMatches, typedNumber } from '../../src-renderer/lib/typedNumber';

/** Numbers read out over the phone reach the forms with spaces and in any case (issue 16). */
describe('a business number as people type it', () => {
  const sessions = [
    { id: '01M980RN5AKETMJ7GPNAVJDNT9', number: 'CD00000089' },
    { id: '01M980RN5946KCMMAQSKYHN9HZ', number: 'CD00000090' },
  ];

  it('drops spaces and upper-cases: "cd 0000 0089" is CD00000089', () => {
    expect(typedNumber(' cd 0000 0089 ')).toBe('CD00000089');
    expect(isSessionNumber('cd 0000 0089')).toBe(true);
    expect(isSessionNumber('CD123')).toBe(false);
    expect(isSessionNumber('01M980RN5AKETMJ7GPNAVJDNT9')).toBe(false);
  });

  it('finds the session picked or typed by its number, or by the id a link carries; nothing for a number the list does not hold', () => {
    expect(byNumber(sessions, 'cd0000 0089')?.id).toBe('01M980RN5AKETMJ7GPNAVJDNT9');
    expect(byNumber(sessions, '01M980RN5946KCMMAQSKYHN9HZ')?.number).toBe('CD00000090');
    expect(byNumber(sessions, 'CD00000091')).toBeUndefined();
  });

  it('filters options by the typed part of a number, however spaced', () => {
    expect(numberMatches('CD00000089', 'cd0000 008')).toBe(true);
    expect(numberMatches('CD00000089', '0 0 9 0')).toBe(false);
    expect(numberMatches('CD00000090', '0 0 9 0')).toBe(true);
  });
});
