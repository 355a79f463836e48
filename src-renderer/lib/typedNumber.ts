/**
 * Business numbers as people type them (issue 16): a session's CD00001234, an order's DD…. A
 * number read out over the phone arrives with spaces and in any case; it is matched without them.
 * Plain functions, no React and no core calls, so the forms and the tests share them.
 */

/** `cd 0000 1234` → `CD00001234`. */
export function typedNumber(typed: string): string {
  return typed.replace(/\s+/g, '').toUpperCase();
}

/** Whether the text is a whole session number (the core's own rule: CD and at least 8 digits). */
export function isSessionNumber(text: string): boolean {
  return /^CD\d{8,}$/.test(typedNumber(text));
}

/**
 * The item a person picked or typed, by its number (spaces and case forgiven) or, for a link that
 * carries it, by its id.
 */
export function byNumber<T extends { id: string; number: string }>(items: readonly T[], typed: string): T | undefined {
  const number = typedNumber(typed);
  return items.find((s) => s.number === number || s.id === typed.trim());
}

/** An option list's filter: the typed part of a number, however spaced, against the number. */
export function numberMatches(number: string, typed: string): boolean {
  return number.includes(typedNumber(typed));
}
