import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { GENESIS_HASH, type JournalRow } from '../kernel/journal-hash';
import { raiseAlert, resolveAlert } from '../alerts';
import { commandTopic } from '../kernel/hq-command';
import { receiveCommand } from './commands';
import { openHqLink, type HqLink, type LinkState } from './link';
import { ensureUplinkRow, readUplinkState, recordAck, recordError, recordRefusal, recordSent, type Refusal } from './state';

/**
 * The depot's uplink to headquarters: the journal (kernel/journal.ts), sent over MQTT to HQ's
 * broker, pruned where HQ has it (docs/headquarters.md "The wire", "The uplink").
 *
 * Guarantees:
 * - It sends only rows after the sequence HQ acknowledged, contiguous and in sequence order, at most
 *   hq.batchRows rows (and, but for a single larger row, hq.maxBatchBytes) per message, and has at
 *   most one batch in flight.
 * - An ack moves the acknowledged sequence only if its hash equals the depot's own hash at that
 *   sequence. Otherwise the urgent alert 'hq.history_mismatch' is raised, no row is sent and nothing
 *   is pruned until an ack that does match arrives (HQ set right; a hello a minute asks for one).
 *   An ack for rows the depot no longer keeps ('hq.cannot_refill') stops it the same way.
 * - No ack within hq.ackTimeoutMs: the batch is sent again from the acknowledged sequence (HQ drops
 *   the rows it already has).
 * - A refused batch (HQ's reason: gap, prev_mismatch, hash_mismatch, …) raises one 'hq.refused'
 *   alert per refused sequence, resolved once HQ acknowledges that sequence; the uplink waits
 *   hq.ackTimeoutMs, doubling per further refusal up to 5 minutes, before it sends again.
 * - Rows are pruned only at or below the acknowledged sequence, only those older than hq.keepDays,
 *   never the journal's last row (the tip), and never while sending is stopped by a mismatch.
 * - Charging and settling never wait on it: it runs on timers and MQTT callbacks, reads at most one
 *   batch per query and writes its own one-row state in short transactions. A broker or an HQ that
 *   is down changes nothing but the lag; an error in a pass is logged and the next pass tries again.
 * - Before any ack has arrived on a connection, it sends a hello (a batch with no rows) so that HQ
 *   answers with where it stands; HQ's retained ack on depot/{id}/ack usually says so first.
 */

/** The journal as the uplink reads and prunes it: kernel/journal.ts in a depot (index.ts), a stand-in in unit tests. */
export interface UplinkJournal {
  depotId(): string;
  /** The last row's sequence and hash; { 0, GENESIS_HASH } when empty. */
  tip(): { seq: number; hash: string };
  /** Up to `limit` rows after `afterSeq`, in sequence order. */
  read(afterSeq: number, limit: number): JournalRow[];
  /** Deletes the rows at or below `uptoSeq` (never the tip); how many went. */
  prune(uptoSeq: number): number;
}

export type UplinkConnection = 'off' | LinkState;

export interface Uplink {
  readonly depotId: string;
  connection(): UplinkConnection;
  /** Sends nothing more, disconnects; resolves once the client is closed. */
  stop(): Promise<void>;
}

export const hqTopics = {
  journal: (depotId: string) => `depot/${depotId}/journal`,
  ack: (depotId: string) => `depot/${depotId}/ack`,
  commands: commandTopic,
};

/** What HQ publishes on depot/{id}/ack (docs/headquarters.md "The wire"); unknown fields are ignored. */
export const ackMessage = z.object({
  type: z.literal('ack'),
  depot: z.string(),
  seq: z.number().int().min(0),
  /** HQ's hash at seq; null or the genesis hash at 0. */
  hash: z.string().nullable(),
  refused: z.object({ seq: z.number().int(), reason: z.string(), detail: z.unknown().optional() }).nullable().optional(),
});
export type AckMessage = z.infer<typeof ackMessage>;

const DAY_MS = 86_400_000;
const MAX_REST_MS = 5 * 60_000;
/** How often an uplink stopped by a mismatch says hello (rows: []) to learn whether HQ was set right. */
const HALTED_HELLO_MS = 60_000;
/** Bytes of a message around its rows ({"type":"journal","depot":…,"name":…,"tip":…,"rows":[]}), besides the name. */
const ENVELOPE_BYTES = 200;

const running = new WeakMap<AppContext, Uplink>();

/** The uplink this core runs, or null (not enabled, or a one-shot CLI process). */
export function runningUplink(app: AppContext): Uplink | null {
  return running.get(app) ?? null;
}

/** Where the depot's journal stands against HQ's acknowledgement: the hash to compare, or why there is none. */
export type HashAt = { kind: 'hash'; hash: string } | { kind: 'beyond_tip'; tip: number } | { kind: 'not_kept'; oldest: number | null };

export function depotHashAt(journal: UplinkJournal, seq: number, acked: { seq: number; hash: string }): HashAt {
  if (seq === 0) return { kind: 'hash', hash: GENESIS_HASH };
  const tip = journal.tip();
  if (seq > tip.seq) return { kind: 'beyond_tip', tip: tip.seq };
  if (seq === tip.seq) return { kind: 'hash', hash: tip.hash };
  const [row] = journal.read(seq - 1, 1);
  if (row?.seq === seq) return { kind: 'hash', hash: row.hash };
  // The acknowledged row itself may be pruned; its hash was kept when it was acknowledged.
  if (seq === acked.seq) return { kind: 'hash', hash: acked.hash };
  return { kind: 'not_kept', oldest: row?.seq ?? null };
}

/**
 * Deletes the oldest journal rows that HQ acknowledged (at or below `ackedSeq`) and that are older
 * than `cutoff` (epoch ms), stopping at the first row that is not both, and never the tip; at most
 * `limit` rows per call. Returns how many rows went.
 */
export function pruneAcknowledged(journal: UplinkJournal, opts: { ackedSeq: number; cutoff: number; limit: number }): number {
  const tip = journal.tip().seq;
  const prunable = (r: JournalRow) => r.seq <= opts.ackedSeq && r.seq < tip && r.at < opts.cutoff;
  const [oldest] = journal.read(0, 1);
  if (!oldest || !prunable(oldest)) return 0;
  let upto = 0;
  for (const row of journal.read(0, opts.limit)) {
    if (!prunable(row)) break;
    upto = row.seq;
  }
  return upto > 0 ? journal.prune(upto) : 0;
}

/** The rows as they travel: the eight fields the hash covers or is, nothing else the store may add. */
function wireRow(r: JournalRow): JournalRow {
  return { seq: r.seq, key: r.key, kind: r.kind, v: r.v, at: r.at, prev: r.prev, hash: r.hash, payload: r.payload };
}

/** The contiguous run after `afterSeq` that fits in `maxBytes` (at least one row, however large). */
export function nextBatch(journal: UplinkJournal, afterSeq: number, maxRows: number, maxBytes: number): JournalRow[] {
  const out: JournalRow[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const row of journal.read(afterSeq, maxRows)) {
    if (row.seq !== afterSeq + out.length + 1) break;
    const size = Buffer.byteLength(JSON.stringify(wireRow(row))) + 1;
    if (out.length > 0 && bytes + size > maxBytes) break;
    out.push(wireRow(row));
    bytes += size;
  }
  return out;
}

interface InFlight {
  /** The last sequence of the batch; the acknowledged one for a hello. */
  to: number;
  hello: boolean;
  timer: NodeJS.Timeout;
}

/**
 * The running uplink's state. One instance per started uplink; every entry point (timer, MQTT
 * callback) goes through guard(), so an exception ends that pass, not the process.
 */
class UplinkRun {
  private readonly log: AppContext['log'];
  private readonly cfg: AppContext['config']['hq'];
  private readonly topic: { journal: string; ack: string; commands: string };
  private link: HqLink | null = null;
  private state: LinkState = 'connecting';
  private connected = false;
  /** An ack arrived on this connection: HQ's position is known. */
  private heard = false;
  private cursor: { seq: number; hash: string };
  private inFlight: InFlight | null = null;
  private wake: NodeJS.Timeout | null = null;
  /** Set while the uplink waits after a refusal. */
  private resting: NodeJS.Timeout | null = null;
  private refusals = 0;
  /** Why sending stopped (a history mismatch, rows no longer kept), or null. */
  private halted: string | null = null;
  private lastError: string | null;
  private refused: Refusal | null;
  private stopped = false;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly app: AppContext,
    private readonly journal: UplinkJournal,
    readonly depotId: string,
  ) {
    this.log = app.log.child({ domain: 'headquarters' });
    this.cfg = app.config.hq;
    this.topic = { journal: hqTopics.journal(depotId), ack: hqTopics.ack(depotId), commands: hqTopics.commands(depotId) };
    ensureUplinkRow(app);
    const saved = readUplinkState(app);
    this.cursor = { seq: saved.ackedSeq, hash: saved.ackedHash };
    this.lastError = saved.lastError;
    this.refused = saved.refused;
  }

  start(): void {
    this.link = openHqLink({
      url: this.cfg.brokerUrl,
      username: this.cfg.username,
      password: this.cfg.password,
      clientId: this.cfg.clientId || `depotdesk-uplink-${this.depotId}`,
      caFile: this.cfg.caFile,
      // Subscribed before the hello leaves: HQ answers a hello with the commands waiting for this depot.
      subscribe: [this.topic.ack, this.topic.commands],
      log: this.log,
      onState: (state, error) => this.guard('connection change', () => this.onState(state, error)),
      onMessage: (topic, payload) =>
        topic === this.topic.commands ? this.guard('command', () => this.onCommand(payload)) : this.guard('ack', () => this.onMessage(topic, payload)),
    });
  }

  connection(): UplinkConnection {
    return this.stopped ? 'off' : this.state;
  }

  /** Idempotent: a second call waits for the first. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopped = true;
      this.settle();
      this.endRest();
      if (this.wake) clearTimeout(this.wake);
      this.stopping = this.link ? this.link.stop() : Promise.resolve();
    }
    return this.stopping;
  }

  private guard(what: string, fn: () => void): void {
    if (this.stopped) return;
    try {
      fn();
    } catch (e) {
      this.log.error({ err: e }, `HQ uplink: ${what} failed; trying again in hq.pollMs`);
      try {
        this.setError(`${what} failed: ${(e as Error).message}`);
      } catch (again) {
        // The database itself refuses (closed, full): the log has it; the next pass tries again.
        this.log.error({ err: again }, 'HQ uplink: recording the error failed too');
      }
      this.settle();
      this.schedule(this.cfg.pollMs);
    }
  }

  private onState(state: LinkState, error: string | null): void {
    this.state = state;
    const wasConnected = this.connected;
    this.connected = state === 'connected';
    // The retained ack may be handled before the subscription's answer: `heard` is reset on a
    // disconnect, not on the connect that follows it.
    if (this.connected && !wasConnected) {
      this.pump();
    } else if (!this.connected && wasConnected) {
      this.settle();
      this.heard = false;
    }
    if (state === 'offline' && error) this.setError(`HQ's broker: ${error}`);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== this.topic.ack) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      this.log.warn({ topic }, 'HQ ack that is not JSON ignored');
      return;
    }
    const ack = ackMessage.safeParse(parsed);
    if (!ack.success) {
      this.log.warn({ topic, issues: ack.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'malformed HQ ack ignored');
      return;
    }
    if (ack.data.depot !== this.depotId) {
      this.log.warn({ topic, depot: ack.data.depot }, "HQ ack for another depot's id ignored");
      return;
    }
    this.onAck(ack.data);
  }

  /** A command from HQ (commands.ts): carried out once; its journal row goes out with the next batch. */
  private onCommand(payload: Buffer): void {
    const r = receiveCommand(this.app, payload);
    this.log.info({ command: r.commandId, kind: r.kind, outcome: r.outcome, reason: r.reason }, 'HQ command received');
    // Its row is in the journal now: send it without waiting for the next poll.
    if (r.outcome === 'done' || r.outcome === 'refused') this.pump();
  }

  private onAck(ack: AckMessage): void {
    if (!this.checkAck(ack)) return;
    const now = this.app.clock.now();
    this.heard = true;
    this.halted = null;
    this.cursor = { seq: ack.seq, hash: this.hashFor(ack) };
    recordAck(this.app, this.cursor.seq, this.cursor.hash, now);
    if (ack.refused) return this.onRefused(ack, ack.refused, now);
    this.clearRefusal(ack.seq);
    // An ack that does not reach the refused row (HQ answering a hello) leaves the refusal, its
    // error and its backoff as they are.
    if (!this.refused) {
      this.refusals = 0;
      this.setError(null);
    }
    const batch = this.inFlight;
    if (!batch || batch.hello || ack.seq >= batch.to) {
      this.settle();
      this.pump();
    }
    this.prune();
  }

  /** The depot's hash at an ack's sequence (checkAck has made sure there is one). */
  private hashFor(ack: AckMessage): string {
    const at = depotHashAt(this.journal, ack.seq, this.cursor);
    if (at.kind !== 'hash') throw new DepotError('internal', `no depot hash at ${ack.seq} after the ack was checked`);
    return at.hash;
  }

  /** True when the ack's hash is the depot's own at its sequence; otherwise sending stops, with an alert. */
  private checkAck(ack: AckMessage): boolean {
    const at = depotHashAt(this.journal, ack.seq, this.cursor);
    if (at.kind === 'hash' && (ack.hash === at.hash || (ack.seq === 0 && (ack.hash === null || ack.hash === '')))) return true;
    const details = { depotId: this.depotId, seq: ack.seq, hqHash: ack.hash, depotHash: at.kind === 'hash' ? at.hash : null, ackedSeq: this.cursor.seq };
    if (at.kind === 'not_kept') {
      this.halt(
        'hq.cannot_refill',
        `HQ acknowledges journal row ${ack.seq} but this depot keeps rows only from ${at.oldest ?? 'its tip'} on (hq.keepDays): HQ must be restored from a newer backup; nothing is sent until then`,
        { ...details, oldestKept: at.oldest },
      );
    } else {
      const why =
        at.kind === 'beyond_tip'
          ? `HQ acknowledges journal row ${ack.seq} but this depot's journal ends at ${at.tip} (was the depot restored from an older backup?)`
          : `HQ's hash at journal row ${ack.seq} is not this depot's (${String(ack.hash).slice(0, 12)}… against ${at.hash.slice(0, 12)}…)`;
      this.halt('hq.history_mismatch', `${why}: HQ and the depot hold different histories; nothing is sent or pruned until that is resolved`, details);
    }
    return false;
  }

  private halt(code: string, message: string, details: Record<string, unknown>): void {
    this.settle();
    // Hellos only, now and then: an HQ set right (or a broker that lost the retained ack) answers one.
    this.schedule(Math.max(this.cfg.ackTimeoutMs, HALTED_HELLO_MS));
    if (this.halted === message) return;
    this.halted = message;
    this.setError(message);
    raiseAlert(this.app, { code, level: 'urgent', message, subject: `${code}:${this.depotId}`, details });
  }

  private onRefused(ack: AckMessage, r: NonNullable<AckMessage['refused']>, now: number): void {
    const detail = r.detail === undefined || r.detail === null ? null : typeof r.detail === 'string' ? r.detail : JSON.stringify(r.detail);
    const message = `HQ refused journal row ${r.seq} (${r.reason}${detail ? `: ${detail}` : ''}); HQ holds the rows up to ${ack.seq}`;
    if (this.refused?.seq !== r.seq || this.refused.reason !== r.reason) {
      this.refused = { seq: r.seq, reason: r.reason, detail, at: now };
      recordRefusal(this.app, this.refused);
      raiseAlert(this.app, {
        code: 'hq.refused',
        level: 'urgent',
        message,
        subject: `hq.refused:${r.seq}`,
        details: { seq: r.seq, reason: r.reason, detail, ackedSeq: ack.seq },
      });
    }
    this.setError(message);
    this.settle();
    this.refusals += 1;
    const rest = Math.min(MAX_REST_MS, this.cfg.ackTimeoutMs * 2 ** Math.min(this.refusals - 1, 20));
    this.endRest();
    this.resting = setTimeout(() => {
      this.resting = null;
      this.guard('send', () => this.pump());
    }, rest);
  }

  private endRest(): void {
    if (this.resting) clearTimeout(this.resting);
    this.resting = null;
  }

  /** HQ now holds the refused row: the refusal is over. */
  private clearRefusal(ackedSeq: number): void {
    if (!this.refused || ackedSeq < this.refused.seq) return;
    const seq = this.refused.seq;
    this.refused = null;
    this.endRest();
    recordRefusal(this.app, null);
    resolveAlert(this.app, `hq.refused:${seq}`, {
      message: `HQ has accepted journal row ${seq} (acknowledged up to ${ackedSeq})`,
      code: 'hq_row_accepted',
      params: { seq, ackedSeq },
    });
  }

  private setError(error: string | null): void {
    if (error === this.lastError) return;
    this.lastError = error;
    recordError(this.app, error);
  }

  /** Sends the next batch (or the hello) if nothing is in flight and sending is allowed. */
  private pump(): void {
    if (this.stopped || !this.connected || this.inFlight || this.resting) return;
    if (!this.heard || this.halted) return this.send([], true);
    const rows = nextBatch(this.journal, this.cursor.seq, this.cfg.batchRows, this.cfg.maxBatchBytes);
    if (rows.length === 0) {
      this.prune();
      return this.schedule(this.cfg.pollMs);
    }
    this.send(rows, false);
  }

  private send(rows: JournalRow[], hello: boolean): void {
    const message = { type: 'journal', depot: this.depotId, name: this.cfg.depotName, tip: this.journal.tip().seq, rows };
    const to = hello ? this.cursor.seq : rows[rows.length - 1].seq;
    const timer = setTimeout(() => this.guard('ack timeout', () => this.onTimeout()), this.cfg.ackTimeoutMs);
    this.inFlight = { to, hello, timer };
    this.link!.publish(this.topic.journal, JSON.stringify(message)).catch((e: unknown) => {
      this.log.warn({ err: (e as Error).message, to }, 'publishing a journal batch failed; it is sent again after hq.ackTimeoutMs');
    });
    recordSent(this.app, this.app.clock.now());
  }

  private onTimeout(): void {
    const batch = this.inFlight;
    this.inFlight = null;
    if (!batch) return;
    this.setError(
      `HQ has not acknowledged ${batch.hello ? 'the hello' : `the rows up to ${batch.to}`} within ${this.cfg.ackTimeoutMs} ms (hq.ackTimeoutMs); sending again`,
    );
    this.pump();
  }

  /** Forgets the batch in flight (its ack no longer awaited). */
  private settle(): void {
    if (this.inFlight) clearTimeout(this.inFlight.timer);
    this.inFlight = null;
  }

  /** Runs a pump after `ms`, replacing any pass already scheduled. */
  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.wake) clearTimeout(this.wake);
    this.wake = setTimeout(() => {
      this.wake = null;
      this.guard('send', () => this.pump());
    }, ms);
  }

  private prune(): void {
    if (this.halted) return;
    const n = pruneAcknowledged(this.journal, { ackedSeq: this.cursor.seq, cutoff: this.app.clock.now() - this.cfg.keepDays * DAY_MS, limit: this.cfg.batchRows });
    if (n > 0) this.log.debug({ pruned: n, ackedSeq: this.cursor.seq }, 'journal rows HQ holds pruned');
  }
}

/**
 * Starts the uplink with the depot's hq.* settings: connects in the background and returns at once.
 * Throws (config_invalid) only for settings it cannot use: no broker URL, a bad URL, an unreadable CA file.
 */
export function startUplinkWith(app: AppContext, journal: UplinkJournal): Uplink {
  if (running.has(app)) throw new DepotError('conflict', 'the HQ uplink is already running in this process');
  if (!app.config.hq.brokerUrl) throw new DepotError('config_invalid', 'hq.brokerUrl is empty (mqtt://host:1883 or mqtts://host:8883)', { key: 'hq.brokerUrl' });
  const run = new UplinkRun(app, journal, journal.depotId());
  run.start();
  const uplink: Uplink = {
    depotId: run.depotId,
    connection: () => run.connection(),
    stop: async () => {
      if (running.get(app) === uplink) running.delete(app);
      await run.stop();
    },
  };
  running.set(app, uplink);
  app.log.info({ depotId: run.depotId, broker: app.config.hq.brokerUrl.replace(/\/\/[^@/]*@/, '//***@') }, 'HQ uplink started');
  return uplink;
}
