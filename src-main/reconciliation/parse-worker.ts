import { parentPort, workerData } from 'node:worker_threads';
import { DepotError } from '../kernel/errors';
import { BATCH_ROWS, dayOfFn, MAX_AHEAD, type ParseThreadInput, type ParseThreadMessage, type RowBatch } from './parse-thread';
import { parseUnpacked, unpackStatement, type StatementChannel, type StatementRow } from './statements';
import { sha256Hex } from './statements/values';

/**
 * The statement parse thread (parse-thread.ts): hashes the bytes and says so on the parent port,
 * then unpacks, parses and checks the file, posting its rows in column batches on its own port and
 * ending with the statement or the refusal. It touches no database.
 */

class Batcher {
  private b: RowBatch | null = null;
  private dayOf: (at: number) => string;

  constructor(
    private readonly input: ParseThreadInput,
    private readonly post: (m: ParseThreadMessage, transfer?: ArrayBuffer[]) => void,
  ) {
    this.dayOf = dayOfFn(input.timeZone);
  }

  private fresh(channel: StatementChannel): RowBatch {
    return {
      type: 'rows',
      channel,
      n: 0,
      lines: new Int32Array(BATCH_ROWS),
      kinds: new Uint8Array(BATCH_ROWS),
      amounts: new Float64Array(BATCH_ROWS),
      fees: new Float64Array(BATCH_ROWS),
      times: new Float64Array(BATCH_ROWS),
      dayIdx: new Uint16Array(BATCH_ROWS),
      days: [],
      statusIdx: new Uint16Array(BATCH_ROWS),
      statuses: [],
      tradeNos: [],
      orderNos: [],
      refundNos: [],
    };
  }

  add(r: StatementRow, channel: StatementChannel): void {
    const b = (this.b ??= this.fresh(channel));
    const i = b.n++;
    b.lines[i] = r.line;
    b.kinds[i] = r.kind === 'refund' ? 1 : 0;
    b.amounts[i] = r.amountFen;
    b.fees[i] = r.feeFen;
    b.times[i] = r.time;
    b.dayIdx[i] = indexOf(b.days, this.dayOf(r.time));
    b.statusIdx[i] = indexOf(b.statuses, r.status);
    b.tradeNos.push(r.gatewayTradeNo);
    b.orderNos.push(r.merchantOrderNo);
    b.refundNos.push(r.kind === 'refund' ? (r.merchantRefundNo ?? r.gatewayRefundNo ?? '') : '');
    if (b.n === BATCH_ROWS) this.flush();
  }

  flush(): void {
    const b = this.b;
    if (!b || b.n === 0) return;
    this.b = null;
    // At most MAX_AHEAD batches ahead of the reader: the parse is faster than the inserts.
    const { counters } = this.input;
    for (;;) {
      const taken = Atomics.load(counters, 1);
      if (Atomics.load(counters, 0) - taken < MAX_AHEAD) break;
      Atomics.wait(counters, 1, taken, 1000);
    }
    this.post(b, [b.lines.buffer, b.kinds.buffer, b.amounts.buffer, b.fees.buffer, b.times.buffer, b.dayIdx.buffer, b.statusIdx.buffer] as ArrayBuffer[]);
  }
}

/** The index of `v` in the batch's short list of distinct values, added when new. */
function indexOf(values: string[], v: string): number {
  const i = values.indexOf(v);
  if (i !== -1) return i;
  values.push(v);
  return values.length - 1;
}

async function main(input: ParseThreadInput): Promise<void> {
  const { port, counters } = input;
  const post = (m: ParseThreadMessage, transfer: ArrayBuffer[] = []) => {
    port.postMessage(m, transfer);
    Atomics.add(counters, 0, 1);
    Atomics.notify(counters, 0);
  };
  try {
    const bytes = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    const hex = sha256Hex(bytes);
    parentPort!.postMessage({ type: 'sha256', hex });
    const batcher = new Batcher(input, post);
    const unpacked = await unpackStatement(bytes, input.fileName, { ...input.opts, fileSha256: hex });
    const statement = parseUnpacked(unpacked, { ...input.opts, fileSha256: hex }, (row, channel) => batcher.add(row, channel));
    batcher.flush();
    post({ type: 'done', statement });
  } catch (e) {
    const err = e as Error;
    post({
      type: 'failed',
      code: e instanceof DepotError ? e.code : 'internal',
      message: err.message,
      details: e instanceof DepotError ? e.details : undefined,
      name: err.name,
    });
  } finally {
    // Stays until the reader has taken the last message: nothing posted is lost with the thread.
    for (let taken = Atomics.load(counters, 1); taken < Atomics.load(counters, 0); taken = Atomics.load(counters, 1)) Atomics.wait(counters, 1, taken, 1000);
  }
}

if (parentPort) void main(workerData as ParseThreadInput);
