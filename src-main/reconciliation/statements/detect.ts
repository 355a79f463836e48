import { parseAlipayCsv } from './alipay';
import { ALIPAY_TITLE } from './alipay-frame';
import { readAlipayZip } from './alipay-zip';
import { GZIP_MAGIC, ZIP_MAGIC, decode, firstLineBytes, gunzip, startsWith } from './bytes';
import { parseGenericCsv, parseGenericMapping } from './generic';
import { buildStatement, RowTally, type FileFacts, type ParsedStatement } from './summary';
import { refuse, type Statement, type StatementChannel, type StatementRow } from './types';
import { sha256Hex, wallClockToEpoch } from './values';
import { looksLikeWechat, parseWechatBill, wechatBillInSteps, type RowSink, type WechatBill } from './wechat';

export interface ParseOptions {
  /** The channel's saved column mapping; needed for an aggregator CSV (validated here). */
  mapping?: unknown;
  /** Skip detection (an operator who said what the file is). */
  format?: StatementChannel;
  /** When given, a file naming another merchant is refused. */
  expectMerchantId?: string;
  /**
   * The sha256 (hex) of these very bytes, when the caller has already computed it (the import
   * hashes first to recognise a file it already kept): a 280 MB bill is then hashed once, not twice.
   */
  fileSha256?: string;
}

function looksLikeAlipay(buf: Buffer): boolean {
  const first = firstLineBytes(buf);
  // UTF-8 too: a re-saved Alipay file must reach the reader that refuses it for its encoding.
  return decode(first, 0, first.length, 'gb18030').startsWith(ALIPAY_TITLE) || decode(first, 0, first.length, 'utf-8').startsWith(ALIPAY_TITLE);
}

function sniff(content: Buffer, opts: ParseOptions): StatementChannel | undefined {
  if (opts.format) return opts.format;
  if (looksLikeWechat(content)) return 'wechat';
  if (looksLikeAlipay(content)) return 'alipay';
  return opts.mapping === undefined ? undefined : 'generic';
}

function parseText(content: Buffer, file: string, opts: ParseOptions, sink: RowSink | undefined): ParsedStatement {
  const channel = sniff(content, opts);
  if (channel === 'wechat') return wechatParsed(parseWechatBill(content, file, sink));
  if (channel === 'alipay') return parseAlipayCsv(content, file);
  if (channel === 'generic') return parseGenericCsv(content, file, parseGenericMapping(opts.mapping));
  const first = decode(firstLineBytes(content), 0, Math.min(firstLineBytes(content).length, 120), 'utf-8');
  throw refuse(
    { file, line: 1 },
    'unknown_format',
    `not a WeChat Pay bill or an Alipay statement, and no column mapping was given for an aggregator CSV; the first line is ${JSON.stringify(first)}`,
  );
}

function wechatParsed(bill: WechatBill): ParsedStatement {
  const { layout, ...rest } = bill;
  return { ...rest, channel: 'wechat', layout: layout.layout, source: 'wechat', period: undefined, feesReconcilable: true };
}

/** A date in the file name (…20240301… or …2024-03-01…), for a statement without rows. */
function dateInName(fileName: string): string | undefined {
  for (const m of fileName.matchAll(/(20\d{2})-?(\d{2})-?(\d{2})/g)) {
    if (wallClockToEpoch(+m[1], +m[2], +m[3], 0, 0, 0, 0) !== undefined) return `${m[1]}-${m[2]}-${m[3]}`;
  }
  return undefined;
}

function finish(parsed: ParsedStatement, facts: FileFacts, opts: ParseOptions, tally: RowTally | undefined): Statement {
  const statement = buildStatement(parsed, facts, tally);
  const expected = opts.expectMerchantId;
  if (expected !== undefined && statement.merchantId !== '' && statement.merchantId !== expected) {
    throw refuse({ file: facts.fileName }, 'merchant_mismatch', `the statement is for merchant ${statement.merchantId}, not ${expected}`, {
      found: statement.merchantId,
      expected,
    });
  }
  if (statement.merchantId === '' && expected !== undefined) statement.merchantId = expected;
  const named = statement.billDates.length === 0 ? dateInName(facts.fileName) : undefined;
  if (named) {
    statement.billDates = [named];
    statement.notes.push('the statement has no rows: its date is taken from the file name');
  }
  return statement;
}

/** A statement file unpacked (gzip, the ZIP's 业务明细 entry) and ready to be parsed synchronously. */
export interface Unpacked {
  content: Buffer;
  facts: FileFacts;
  /** The name a ZIP entry's problems are reported under; undefined for a plain or gzip file. */
  entryFile: string | undefined;
}

/** What a streamed import does with each row, told the statement's channel (known before the first row). */
export type StatementRowSink = (row: StatementRow, channel: StatementChannel) => void;

/** The asynchronous half of detectAndParse: the gzip or ZIP unpacked, nothing parsed yet. */
export async function unpackStatement(bytes: Buffer, fileName: string, opts: ParseOptions = {}): Promise<Unpacked> {
  if (bytes.length === 0) throw refuse({ file: fileName }, 'truncated', 'the file is empty');
  const facts: FileFacts = { fileName, fileSha256: opts.fileSha256 ?? sha256Hex(bytes), compression: 'none', entryName: undefined };
  let content = bytes;
  if (startsWith(content, GZIP_MAGIC)) {
    content = gunzip(content, { file: fileName });
    facts.compression = 'gzip';
  }
  if (startsWith(content, ZIP_MAGIC) && opts.format !== 'generic') {
    const entry = await readAlipayZip(content, fileName);
    facts.compression = 'zip';
    facts.entryName = entry.entryName;
    return { content: entry.bytes, facts, entryFile: `${fileName}:${entry.entryName}` };
  }
  if (content.length === 0) throw refuse({ file: fileName }, 'truncated', 'the file is empty');
  return { content, facts, entryFile: undefined };
}

/**
 * The synchronous half: parses and checks an unpacked file. With a sink, each row goes to it as it
 * is read (a WeChat bill's million rows are never held at once; an Alipay or mapped CSV's after
 * its own reading) and the Statement's `rows` is empty; the file may still be refused after its
 * last row (its summary, its merchant), so a sink writes where a refusal undoes it.
 */
export function parseUnpacked(u: Unpacked, opts: ParseOptions = {}, sink?: StatementRowSink): Statement {
  if (!sink) return finish(parseFile(u, opts, undefined), u.facts, opts, undefined);
  const tally = new RowTally();
  const take = (row: StatementRow, channel: StatementChannel) => {
    tally.add(row);
    sink(row, channel);
  };
  const parsed = parseFile(u, opts, (row) => take(row, 'wechat'));
  // The readers that do not stream (Alipay, a mapped CSV: a few thousand rows a day) hand their rows over here.
  for (const row of parsed.rows) take(row, parsed.channel);
  parsed.rows = [];
  return finish(parsed, u.facts, opts, tally);
}

/** A statement parsed a slice at a time (parseUnpackedInSteps). */
export interface StatementSteps {
  /** Hands at most `rows` more rows to the sink; after the last, checks the file and returns the Statement (its `rows` empty). */
  step(rows: number): Statement | undefined;
}

/**
 * parseUnpacked with a sink, a slice of rows at a time, so that an import can commit and yield
 * between slices. The same rows reach the sink in the same order and the same refusals are thrown
 * (a wrong header at the first step, a bad line at the step that reads it, the summary and the
 * merchant at the last), as parseUnpacked's with one step.
 */
export function parseUnpackedInSteps(u: Unpacked, opts: ParseOptions, sink: StatementRowSink): StatementSteps {
  const tally = new RowTally();
  const take = (row: StatementRow, channel: StatementChannel) => {
    tally.add(row);
    sink(row, channel);
  };
  if (u.entryFile === undefined && sniff(u.content, opts) === 'wechat') {
    const bill = wechatBillInSteps(u.content, u.facts.fileName, (row) => take(row, 'wechat'));
    return {
      step(rows) {
        const done = bill.step(rows);
        return done && finish(wechatParsed(done), u.facts, opts, tally);
      },
    };
  }
  // The readers that do not stream (Alipay, a mapped CSV: a few thousand rows a day) read the file
  // at the first step; their rows then go to the sink a slice at a time.
  let parsed: ParsedStatement | undefined;
  let next = 0;
  return {
    step(rows) {
      parsed ??= parseFile(u, opts, undefined);
      const end = Math.min(parsed.rows.length, next + rows);
      for (; next < end; next++) take(parsed.rows[next], parsed.channel);
      if (next < parsed.rows.length) return undefined;
      parsed.rows = [];
      return finish(parsed, u.facts, opts, tally);
    },
  };
}

/** The file read by its reader; only the WeChat reader takes the sink (its rows then are not collected). */
function parseFile(u: Unpacked, opts: ParseOptions, wechatSink: RowSink | undefined): ParsedStatement {
  return u.entryFile !== undefined ? parseAlipayCsv(u.content, u.entryFile) : parseText(u.content, u.facts.fileName, opts, wechatSink);
}

/**
 * Recognises a statement file by its bytes (gzip or ZIP magic, then the WeChat or Alipay header,
 * else the caller's column mapping) and returns it parsed and checked, with the sha256 of the
 * bytes as given. A file it cannot vouch for is refused (`invalid_input`, details.reason).
 */
export async function detectAndParse(bytes: Buffer, fileName: string, opts: ParseOptions = {}): Promise<Statement> {
  return parseUnpacked(await unpackStatement(bytes, fileName, opts), opts);
}
