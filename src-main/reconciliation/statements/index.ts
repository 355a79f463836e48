/**
 * Payment-gateway statements (对账单): bytes in, a checked Statement out. A pure parsing layer —
 * no database, no clock, no I/O — so the reconciliation domain can store and match what it
 * returns, and tests can feed it real bytes. The facts about the files are in
 * ../shared/formats/payment-statements.md.
 *
 * Guarantees:
 * - A file is either read completely and checked, or refused with one DepotError('invalid_input')
 *   whose message names the file, the line and what is wrong, and whose details carry `reason`
 *   (truncated, summary_mismatch, wrong_encoding, unknown_header, field_count, bad_amount,
 *   bad_time, …) and `line`. There is never a partial Statement.
 * - Streaming (parseUnpacked with a row sink, for the import): the rows go to the sink as they are
 *   read and the Statement's `rows` is empty; a file refused after some rows (a bad later line, its
 *   summary, its merchant) has already handed those over, so a sink writes only where the refusal
 *   undoes them (the import: rows nobody reads until the statement is kept, removed on a refusal).
 *   parseUnpackedInSteps does the same a slice of rows at a time, so the import can yield between
 *   slices; detectAndParse collects them as before.
 * - Columns are found by their header names, never by position. A WeChat header that is not
 *   exactly one of the known layouts (ALL, SUCCESS, REFUND, legacy 24-column) is refused naming
 *   the unknown and missing columns; an Alipay or mapped CSV header missing a needed column too.
 * - Money is integer fen, read digit by digit from the decimal text; no amount passes through a
 *   float. A digit below the fen that is not zero (WeChat prints 手续费 with 5 decimals, already
 *   rounded) refuses the file: nothing is rounded on the way in.
 * - Times are the gateways' China time (UTC+08:00, no zone printed) converted to epoch ms; a time
 *   that does not exist on the calendar is refused.
 * - WeChat: every detail row has exactly the header's field count after splitting on ",`", and
 *   the summary line's count and every money total equal the rows' count and column sums.
 * - Alipay: the content is GB18030; bytes that are UTF-8 are refused as a re-saved file, never
 *   decoded into mojibake. The #交易合计 count and 商家实收 total (and 商家优惠, and #退款合计 when
 *   present) equal the rows'. 服务费 is reported, marked not reconcilable.
 * - `fileSha256` is the sha256 of the bytes as given (the .gz or .zip itself), so the same
 *   download is recognisable however often it is imported.
 * - The same bytes and options always give the same Statement.
 */
export {
  detectAndParse,
  parseUnpacked,
  parseUnpackedInSteps,
  unpackStatement,
  type ParseOptions,
  type StatementRowSink,
  type StatementSteps,
  type Unpacked,
} from './detect';
export { parseWechatBill, type WechatBill } from './wechat';
export { parseAlipayCsv, checkAlipayEncoding } from './alipay';
export { readAlipayZip, type AlipayZipEntry } from './alipay-zip';
export { genericMappingSchema, parseGenericMapping, parseGenericCsv, type GenericMapping, type GenericMappingInput } from './generic';
export { WECHAT_LAYOUTS, type WechatLayout } from './wechat-layouts';
export type {
  DeclaredFigure,
  Statement,
  StatementChannel,
  StatementFees,
  StatementLayout,
  StatementProblem,
  StatementRow,
  StatementRowKind,
  StatementSummary,
} from './types';
