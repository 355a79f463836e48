import path from 'node:path';
import pino from 'pino';
import { privateDir, privateFile } from './private-files';

/**
 * Structured logs: one JSON object per line in <data dir>/logs/depotdesk.log. The logger is the
 * only place log formatting lives; domains call `log.child({ domain })`.
 */
export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  /** Directory for depotdesk.log; omit to log to stderr only (tests, one-shot CLI runs). */
  dir?: string;
  /** Also copy warnings and errors to stderr (the serve command does). */
  stderr?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.dir) {
    privateDir(opts.dir);
    privateFile(path.join(opts.dir, 'depotdesk.log'));
    // sync: a crash must not lose the lines that explain it.
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: path.join(opts.dir, 'depotdesk.log'), sync: true, mkdir: true }) });
  }
  if (opts.stderr || !opts.dir) {
    streams.push({ level: opts.dir ? 'warn' : (level as pino.Level), stream: pino.destination({ fd: 2, sync: true }) });
  }
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
