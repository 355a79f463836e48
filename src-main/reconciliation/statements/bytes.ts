import { isUtf8 } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { refuse, type Place } from './types';

/**
 * Bytes to lines. A day's WeChat bill can hold a million rows (hundreds of MB of text), more than
 * one JavaScript string may hold comfortably, so files are read line by line straight from the
 * Buffer, each line decoded on its own.
 */

export type TextEncoding = 'utf-8' | 'gb18030';

export const GZIP_MAGIC = [0x1f, 0x8b] as const;
export const ZIP_MAGIC = [0x50, 0x4b] as const;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

export function startsWith(buf: Uint8Array, magic: readonly number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

export function hasUtf8Bom(buf: Uint8Array): boolean {
  return startsWith(buf, UTF8_BOM);
}

/** True when every byte is 7-bit: such text reads the same in UTF-8 and GB18030. */
export function isAscii(buf: Uint8Array): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] > 0x7f) return false;
  return true;
}

export function isValidUtf8(buf: Uint8Array): boolean {
  return isUtf8(buf);
}

export function decode(buf: Buffer, start: number, end: number, encoding: TextEncoding): string {
  return encoding === 'utf-8' ? buf.toString('utf8', start, end) : iconv.decode(buf.subarray(start, end), 'gb18030');
}

/** Reads a Buffer line by line; CRLF and LF both end a line, and a trailing CR is dropped. */
export interface LineCursor {
  readonly buf: Buffer;
  readonly encoding: TextEncoding;
  /** Byte offset of the next line. */
  pos: number;
  /** 1-based number of the line last read (0 before the first). */
  lineNo: number;
  /** Byte range of the line last read, without its line end. */
  start: number;
  stop: number;
}

export function lineCursor(buf: Buffer, encoding: TextEncoding): LineCursor {
  return { buf, encoding, pos: hasUtf8Bom(buf) ? UTF8_BOM.length : 0, lineNo: 0, start: 0, stop: 0 };
}

/** Moves to the next line without decoding it; false at the end of the bytes. */
export function nextLineRange(c: LineCursor): boolean {
  if (c.pos >= c.buf.length) return false;
  const nl = c.buf.indexOf(0x0a, c.pos);
  const end = nl === -1 ? c.buf.length : nl;
  c.start = c.pos;
  c.stop = end > c.pos && c.buf[end - 1] === 0x0d ? end - 1 : end;
  c.pos = end + 1;
  c.lineNo++;
  return true;
}

export function atEnd(c: LineCursor): boolean {
  return c.pos >= c.buf.length;
}

export function nextLine(c: LineCursor): string | undefined {
  return nextLineRange(c) ? decode(c.buf, c.start, c.stop, c.encoding) : undefined;
}

/** The bytes of the first line (without CR/LF and BOM), for format detection. */
export function firstLineBytes(buf: Buffer): Buffer {
  const from = hasUtf8Bom(buf) ? UTF8_BOM.length : 0;
  const nl = buf.indexOf(0x0a, from);
  let end = nl === -1 ? buf.length : nl;
  if (end > from && buf[end - 1] === 0x0d) end--;
  return buf.subarray(from, end);
}

/** 1-based number of the first line that is not valid UTF-8, for an error that says where. */
export function firstNonUtf8Line(buf: Buffer): number {
  let pos = 0;
  for (let line = 1; pos < buf.length; line++) {
    const nl = buf.indexOf(0x0a, pos);
    const end = nl === -1 ? buf.length : nl;
    if (!isUtf8(buf.subarray(pos, end))) return line;
    pos = end + 1;
  }
  return 1;
}

/** Statements are a few hundred MB at most; anything larger is not one of them (or a gzip bomb). */
export const MAX_STATEMENT_BYTES = 1 << 30;

export function gunzip(buf: Buffer, place: Place): Buffer {
  try {
    return gunzipSync(buf, { maxOutputLength: MAX_STATEMENT_BYTES });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'Z_BUF_ERROR') throw refuse(place, 'truncated', 'the gzip file is truncated (it ends before its data does); download it again');
    if (code === 'ERR_BUFFER_TOO_LARGE') throw refuse(place, 'bad_archive', `the gzip file unpacks to more than ${MAX_STATEMENT_BYTES} bytes`);
    throw refuse(place, 'bad_archive', `the gzip file is damaged (${(e as Error).message})`);
  }
}
