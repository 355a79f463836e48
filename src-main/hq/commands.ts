import type { MqttClient } from 'mqtt';
import type { Pool } from 'pg';
import { monotonicFactory } from 'ulidx';
import { z } from 'zod';
import { DepotError } from '../kernel/errors';
import { COMMAND_PAYLOADS, commandMessage, commandTopic, isCommandKind, zodIssues, COMMAND_KINDS, type CommandMessage } from '../kernel/hq-command';
import type { Logger } from '../kernel/logger';
import { DEPOT_ID } from './wire';

/**
 * Commands HQ sends a depot (docs/headquarters.md "Commands"): a refund request, a tariff version,
 * the authorization list. HQ only asks: the depot carries each out once, as its own act, in one
 * transaction with its journal row `hq.command` (src-main/headquarters/commands.ts), and HQ learns
 * the outcome from that row like any other fact (derive.ts marks the command done or refused in the
 * transaction that ingests it). HQ never writes a depot's ledger.
 *
 * Guarantees (test/hq/commands.test.ts):
 * - issueCommand stores a command only with a known kind, a payload of that kind's shape
 *   (kernel/hq-command.ts) and a depot id fit for a topic; its id is a new ULID, the depot's
 *   idempotency key for it.
 * - A command stays 'sent' until the depot's journal row for it is ingested; until then the running
 *   `hq serve` publishes it again (QoS 1, not retained) when the depot sends a hello or a resend, at
 *   most every 10 s on its other batches, and every minute. Publishing it twice is harmless: the
 *   depot finds its key and does nothing.
 * - Once done or refused it is never published again.
 */

const ulid = monotonicFactory();

export interface HqCommand {
  id: string;
  depotId: string;
  kind: string;
  payload: unknown;
  issuedAt: string;
  issuedBy: string;
  state: 'sent' | 'done' | 'refused';
  outcome: unknown;
  doneSeq: number | null;
}

interface CommandRow {
  id: string;
  depot_id: string;
  kind: string;
  payload: unknown;
  issued_at: Date;
  issued_by: string;
  state: HqCommand['state'];
  outcome: unknown;
  done_seq: string | null;
}

const COLUMNS = 'id, depot_id, kind, payload, issued_at, issued_by, state, outcome, done_seq';

const toCommand = (r: CommandRow): HqCommand => ({
  id: r.id,
  depotId: r.depot_id,
  kind: r.kind,
  payload: r.payload,
  issuedAt: r.issued_at.toISOString(),
  issuedBy: r.issued_by,
  state: r.state,
  outcome: r.outcome,
  doneSeq: r.done_seq === null ? null : Number(r.done_seq),
});

export interface IssueInput {
  depotId: string;
  kind: string;
  payload: unknown;
  /** Who at HQ issues it (shown at the depot, in its audit log and journal). */
  issuedBy: string;
}

/** Checks and stores a command as 'sent'; the running `hq serve` publishes it to the depot. */
export async function issueCommand(pool: Pool, input: IssueInput): Promise<HqCommand> {
  const depot = DEPOT_ID.safeParse(input.depotId);
  if (!depot.success) throw new DepotError('invalid_input', `depot: "${input.depotId}" ${depot.error.issues[0].message}`, { field: 'depot' });
  if (!isCommandKind(input.kind)) {
    throw new DepotError('invalid_input', `kind: "${input.kind}" is not a command a depot carries out (${COMMAND_KINDS.join(', ')})`, { field: 'kind' });
  }
  const by = z.string().trim().min(1).max(100).safeParse(input.issuedBy);
  if (!by.success) throw new DepotError('invalid_input', 'as: name who issues the command (1 to 100 characters)', { field: 'as' });
  const payload = COMMAND_PAYLOADS[input.kind].safeParse(input.payload);
  if (!payload.success) throw new DepotError('invalid_input', `payload: ${zodIssues(payload.error)}`, { field: 'payload' });
  return insertCommand(pool, { depotId: depot.data, kind: input.kind, payload: input.payload, issuedBy: by.data });
}

/**
 * Stores a command without checking its kind or payload: for tests that must show what a depot
 * does with a command it cannot carry out (an older depot, a newer HQ). issueCommand is the door.
 */
export async function insertCommand(pool: Pool, input: IssueInput): Promise<HqCommand> {
  const r = await pool.query<CommandRow>(`INSERT INTO hq_commands (id, depot_id, kind, payload, issued_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`, [
    ulid(),
    input.depotId,
    input.kind,
    JSON.stringify(input.payload),
    input.issuedBy,
  ]);
  return toCommand(r.rows[0]);
}

export async function getCommand(pool: Pool, id: string): Promise<HqCommand> {
  const r = await pool.query<CommandRow>(`SELECT ${COLUMNS} FROM hq_commands WHERE id = $1`, [id]);
  if (!r.rows[0]) throw new DepotError('not_found', `command: HQ has no command ${id}`, { field: 'command' });
  return toCommand(r.rows[0]);
}

/** Commands still waiting for their depot (one depot's, or every depot's), oldest first. */
export async function pendingCommands(pool: Pool, depotId?: string, limit = 1000): Promise<HqCommand[]> {
  const r = await pool.query<CommandRow>(
    `SELECT ${COLUMNS} FROM hq_commands WHERE state = 'sent' AND ($1::text IS NULL OR depot_id = $1) ORDER BY issued_at, id LIMIT $2`,
    [depotId ?? null, limit],
  );
  return r.rows.map(toCommand);
}

/** Commands newest first, of one depot and/or in one state (`depotdesk hq commands`). */
export async function listCommands(pool: Pool, f: { depotId?: string; state?: HqCommand['state']; limit?: number } = {}): Promise<HqCommand[]> {
  const r = await pool.query<CommandRow>(
    `SELECT ${COLUMNS} FROM hq_commands WHERE ($1::text IS NULL OR depot_id = $1) AND ($2::text IS NULL OR state = $2) ORDER BY issued_at DESC, id DESC LIMIT $3`,
    [f.depotId ?? null, f.state ?? null, f.limit ?? 100],
  );
  return r.rows.map(toCommand);
}

/** The depot's reason for a refused command, from its outcome; null otherwise. */
export function refusalOf(c: HqCommand): string | null {
  const reason = (c.outcome as { reason?: unknown } | null)?.reason;
  return c.state === 'refused' && typeof reason === 'string' ? reason : null;
}

/** The message a depot reads on depot/{id}/commands. */
export function commandMessageOf(c: HqCommand): CommandMessage {
  return commandMessage.parse({ type: 'command', id: c.id, kind: c.kind, payload: c.payload, issuedAt: Date.parse(c.issuedAt), issuedBy: c.issuedBy });
}

/** A depot's turn on its batches: at most this often, unless the batch stored nothing (a hello or a resend). */
const BATCH_REPUBLISH_MS = 10_000;
const EVERY_MINUTE_MS = 60_000;

/**
 * Publishes pending commands from the running `hq serve`: for a depot that spoke (a batch, a
 * hello) and for every depot every minute. Failures are logged; the next turn publishes again.
 */
export class CommandPublisher {
  private readonly lastTurn = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly busy = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly o: { pool: Pool; client: MqttClient; log: Logger; everyMs?: number }) {
    this.timer = setInterval(() => this.track(this.publishPending(undefined)), o.everyMs ?? EVERY_MINUTE_MS);
    this.timer.unref();
  }

  /** The depot sent a batch (stored: the rows HQ took from it; 0 for a hello or a resend). */
  depotSpoke(depotId: string, stored: number): void {
    if (this.stopped) return;
    const now = Date.now();
    const last = this.lastTurn.get(depotId);
    if (stored > 0 && last !== undefined && now - last < BATCH_REPUBLISH_MS) return;
    this.lastTurn.set(depotId, now);
    this.track(this.publishPending(depotId));
  }

  private track(p: Promise<void>): void {
    this.busy.add(p);
    void p.finally(() => this.busy.delete(p));
  }

  /** Publishes what is pending (for one depot, or all); resolves once each publish was handed to the client. */
  async publishPending(depotId: string | undefined): Promise<void> {
    try {
      const pending = await pendingCommands(this.o.pool, depotId);
      if (pending.length === 0 || this.stopped) return;
      await Promise.all(pending.map((c) => this.publish(c)));
      await this.o.pool.query('UPDATE hq_commands SET last_published_at = now() WHERE id = ANY($1::text[])', [pending.map((c) => c.id)]);
    } catch (e) {
      this.o.log.warn({ depot: depotId ?? null, err: (e as Error).message }, 'pending commands not published; the next turn publishes them again');
    }
  }

  private publish(c: HqCommand): Promise<void> {
    let message: CommandMessage;
    try {
      message = commandMessageOf(c);
    } catch (e) {
      // A row stored by hand or by insertCommand with a kind no message can carry: the depot cannot read it either.
      this.o.log.error({ command: c.id, depot: c.depotId, err: (e as Error).message }, 'a pending command is not a valid message; not published');
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.o.client.publish(commandTopic(c.depotId), JSON.stringify(message), { qos: 1, retain: false }, (err) => {
        if (err) this.o.log.warn({ command: c.id, depot: c.depotId, err: err.message }, 'command not published; published again on the next turn');
        else this.o.log.debug({ command: c.id, depot: c.depotId, kind: c.kind }, 'command published');
        resolve();
      });
    });
  }

  /** Publishes nothing more; waits for the turns under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([...this.busy]);
  }
}
