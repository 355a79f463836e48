import v8 from 'node:v8';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { detectAndParse } from '../src-main/reconciliation/statements';
import { perSecond, ratio, time, timeAsync, type Benchmark } from './harness';

/**
 * Reading a WeChat Pay ALL bill (issue 13's importers, before any database): 1,000,000 rows
 * (100,000 with --quick), 10 % of them refunds, with unescaped commas in 商品名称 and JSON in
 * 商户数据包, as plain UTF-8 and as gzip, through detectAndParse (detection, sha256, field count,
 * exact fen, China times, the summary check).
 *
 * Baseline, same bytes, same run: rawRows below, the least a reader returning rows does. The
 * ratio is what the checks and conversions cost on top of that.
 */

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

const yuan = (fen: number) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;

function detailRow(i: number, totals: { settle: number; refund: number; fee: number }): string {
  const n = String(i).padStart(8, '0');
  const time = `2024-03-01 ${String((i * 7) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 13) % 60).padStart(2, '0')}`;
  const ids = `\`wx2421b1c4370ec43b,\`1900000109,\`0,\`,\`4200001234202403${n}12,\`DD20240301${n},\`oUpF8uMuAJO_M2pxb1Q9zNj${n.slice(-5)}`;
  const text = '`充电费,A区,2号桩,`{"station":"A1","connector":2}';
  if (i % 10 === 9) {
    const refund = 500 + (i % 3000);
    totals.refund += refund;
    totals.fee -= 3;
    return `\`${time},${ids},\`JSAPI,\`REFUND,\`OTHERS,\`CNY,\`0.00,\`0.00,\`50300000012024${n}01,\`RF20240301${n},\`${yuan(refund)},\`0.00,\`ORIGINAL,\`SUCCESS,${text},\`-0.03000,\`0.60%,\`0.00,\`${yuan(refund)},\``;
  }
  const amount = 1000 + (i % 9000);
  totals.settle += amount;
  totals.fee += 6;
  return `\`${time},${ids},\`JSAPI,\`SUCCESS,\`OTHERS,\`CNY,\`${yuan(amount)},\`0.00,\`0,\`0,\`0.00,\`0.00,\`,\`,${text},\`0.06000,\`0.60%,\`${yuan(amount)},\`0.00,\``;
}

function buildBill(rows: number): Buffer {
  const totals = { settle: 0, refund: 0, fee: 0 };
  // In chunks: one array of a million row strings would double the benchmark's peak memory.
  const chunks = [Buffer.from(HEADER + '\r\n')];
  for (let from = 0; from < rows; from += 10_000) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(rows, from + 10_000); i++) lines.push(detailRow(i, totals));
    chunks.push(Buffer.from(lines.join('\r\n') + '\r\n'));
  }
  const fee = `${yuan(totals.fee)}000`;
  const summary = `\`${rows},\`${yuan(totals.settle)},\`${yuan(totals.refund)},\`0.00,\`${fee},\`${yuan(totals.settle)},\`${yuan(totals.refund)}`;
  chunks.push(Buffer.from(`${SUMMARY_HEADER}\r\n${summary}\r\n`));
  return Buffer.concat(chunks);
}

/**
 * The baseline: the same bytes cut into lines and fields (a byte scan for ",`") and a row object
 * of five decoded fields kept per line — what any reader returning rows must do — with nothing
 * checked or converted. Returns the count; the rows are dropped before the parse runs.
 */
function rawRows(bytes: Buffer): number {
  const kept: Array<{ time: string; tradeNo: string; orderNo: string; payer: string; amount: string }> = [];
  const starts = new Int32Array(64);
  const ends = new Int32Array(64);
  for (let pos = bytes.indexOf(0x0a) + 1; pos < bytes.length;) {
    const nl = bytes.indexOf(0x0a, pos);
    const stop = nl === -1 ? bytes.length : nl - 1;
    let n = 0;
    starts[0] = pos + 1;
    for (let i = pos + 1; i < stop - 1 && n < 63; i++) {
      if (bytes[i] === 0x2c && bytes[i + 1] === 0x60) {
        ends[n++] = i;
        starts[n] = i + 2;
      }
    }
    ends[n] = stop;
    const f = (k: number) => bytes.toString('utf8', starts[k], ends[k]);
    kept.push({ time: f(0), tradeNo: f(5), orderNo: f(6), payer: f(7), amount: f(12) });
    pos = stop + 2;
  }
  return kept.length;
}

const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

/** A full GC, so the heap figure is what the rows hold rather than when the collector last ran. */
function collect(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** One detectAndParse; the statement is dropped on return, so two runs never hold two at once. */
async function parseOnce(bytes: Buffer, name: string, rows: number): Promise<{ ms: number; heldBytes: number; rss: number }> {
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const run = await timeAsync(() => detectAndParse(bytes, name));
  const rss = process.memoryUsage().rss;
  collect();
  const heldBytes = process.memoryUsage().heapUsed - heapBefore;
  if (run.value.rows.length !== rows) throw new Error(`bench: ${run.value.rows.length} rows read from ${name}, ${rows} written`);
  return { ms: run.ms, heldBytes, rss };
}

const bench: Benchmark = async ({ quick }) => {
  const rows = quick ? 100_000 : 1_000_000;
  const bill = buildBill(rows);
  const gz = gzipSync(bill);
  const raw = time(() => rawRows(bill));
  const plain = await parseOnce(bill, 'bench.csv', rows);
  const zipped = await parseOnce(gz, 'bench.csv.gz', rows);
  return {
    name: 'recon-parse',
    figures: {
      rows,
      file_mb: mb(bill.length),
      gzip_mb: mb(gz.length),
      raw_rows_ms: raw.ms,
      parse_ms: plain.ms,
      parse_gzip_ms: zipped.ms,
      parse_rows_per_s: perSecond(rows, plain.ms),
      statement_heap_mb: mb(plain.heldBytes),
      statement_heap_bytes_per_row: Math.round(plain.heldBytes / rows),
      rss_after_parse_mb: mb(Math.max(plain.rss, zipped.rss)),
    },
    ratios: {
      parse_vs_raw_rows: ratio(plain.ms / raw.ms, { atMost: 2 }),
    },
    notes: [
      'parse: detectAndParse on the plain bill — sha256, UTF-8 check, header → layout, every row split and its field count checked, every money column to fen, times to epoch ms, the summary checked against the sums',
      "statement heap: heapUsed after a full GC with the Statement alive, minus before the parse; RSS is the whole process, the 1M-row bill (external memory) and the baseline's garbage included",
      'gzip: the same bill gzipped, gunzip included',
    ],
  };
};

export default bench;
