import { resolveCoreConfig } from '../boot/core';
import { isoInZone } from '../tariffs';
import type { CommandContext } from './framework';

/** An instant as text, or '-' for none. */
export type TimeText = (at: number | null | undefined) => string;

/**
 * The CLI's text shows times as operators read them, on the depot's clock ("2026-01-15 09:30:00"
 * in config timeZone), like the screens and `ledger statement`; a UTC "Z" time in the same output
 * read eight hours off. --json is untouched: it keeps the epoch milliseconds the core returns.
 */
export function depotTime(zone: string): TimeText {
  return (at) => (at === null || at === undefined ? '-' : isoInZone(at, zone).slice(0, 19).replace('T', ' '));
}

// Lists ask once per row; the config file is read once per command.
const clocks = new WeakMap<CommandContext, { zone: string; at: TimeText }>();

/**
 * The depot's zone and its time text, for a command's human output. Read from the config, not the
 * opened core: a command answered by the running instance opens no database of its own.
 */
export function depotClock(cx: CommandContext): { zone: string; at: TimeText } {
  let clock = clocks.get(cx);
  if (!clock) {
    const zone = resolveCoreConfig({ dataDir: cx.global.dataDir, db: cx.global.db, overrides: cx.global.set }).config.timeZone;
    clock = { zone, at: depotTime(zone) };
    clocks.set(cx, clock);
  }
  return clock;
}
