import { parseAlipayCsv } from './alipay';
import { ALIPAY_TITLE } from './alipay-frame';
import { readAlipayZip } from './alipay-zip';
import { GZIP_MAGIC, ZIP_MAGIC, decode, firstLineBytes, gunzip, startsWith } from './bytes';
import { parseGenericCsv, parseGenericMapping } from './generic';
import { buildStatement, type FileFacts, type ParsedStatement } from './summary';
import { refuse, type Statement, type StatementChannel } from './types';
import { sha256Hex, wallClockToEpoch } from './values';
import { looksLikeWechat, parseWechatBill } from './wechat';

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

function parseText(content: Buffer, file: string, opts: ParseOptions): ParsedStatement {
  const channel = sniff(content, opts);
  if (channel === 'wechat') {
    const bill = parseWechatBill(content, file);
    const { layout, ...rest } = bill;
    return { ...rest, channel: 'wechat', layout: layout.layout, source: 'wechat', period: undefined, feesReconcilable: true };
  }
  if (channel === 'alipay') return parseAlipayCsv(content, file);
  if (channel === 'generic') return parseGenericCsv(content, file, parseGenericMapping(opts.mapping));
  const first = decode(firstLineBytes(content), 0, Math.min(firstLineBytes(content).length, 120), 'utf-8');
  throw refuse(
    { file, line: 1 },
    'unknown_format',
    `not a WeChat Pay bill or an Alipay statement, and no column mapping was given for an aggregator CSV; the first line is ${JSON.stringify(first)}`,
  );
}

/** A date in the file name (…20240301… or …2024-03-01…), for a statement without rows. */
function dateInName(fileName: string): string | undefined {
  for (const m of fileName.matchAll(/(20\d{2})-?(\d{2})-?(\d{2})/g)) {
    if (wallClockToEpoch(+m[1], +m[2], +m[3], 0, 0, 0, 0) !== undefined) return `${m[1]}-${m[2]}-${m[3]}`;
  }
  return undefined;
}

function finish(parsed: ParsedStatement, facts: FileFacts, opts: ParseOptions): Statement {
  const statement = buildStatement(parsed, facts);
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

/**
 * Recognises a statement file by its bytes (gzip or ZIP magic, then the WeChat or Alipay header,
 * else the caller's column mapping) and returns it parsed and checked, with the sha256 of the
 * bytes as given. A file it cannot vouch for is refused (`invalid_input`, details.reason).
 */
export async function detectAndParse(bytes: Buffer, fileName: string, opts: ParseOptions = {}): Promise<Statement> {
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
    return finish(parseAlipayCsv(entry.bytes, `${fileName}:${entry.entryName}`), facts, opts);
  }
  if (content.length === 0) throw refuse({ file: fileName }, 'truncated', 'the file is empty');
  return finish(parseText(content, fileName, opts), facts, opts);
}
