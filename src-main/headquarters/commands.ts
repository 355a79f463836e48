import type { AppContext } from '../kernel/context';
import { writeTx } from '../kernel/db/connection';
import { DepotError, isDepotError } from '../kernel/errors';
import {
  COMMAND_ID,
  COMMAND_JOURNAL_KIND,
  COMMAND_KINDS,
  COMMAND_PAYLOADS,
  commandJournalKey,
  commandMessage,
  isCommandKind,
  zodIssues,
  type CommandKind,
  type CommandMessage,
  type CommandOutcome,
  type CommandPayload,
} from '../kernel/hq-command';
import { appendJournal, journalSeqOfKey } from '../kernel/journal';
import type { OperatorIdentity } from '../kernel/method';
import { raiseAlert } from '../alerts';
import { findDriverByIdTag, findDriverByPhone, type Driver } from '../ledger';
import { appendAudit } from '../operators';
import { adjustmentLimit, createAdjustment } from '../refunds';
import { activeListing, addListing, liftListing } from '../risk';
import { importTariff } from '../tariffs';

/**
 * Commands from headquarters, carried out by the depot as its own acts (issue 22,
 * docs/headquarters.md "Commands"; the message and payloads: kernel/hq-command.ts).
 *
 * Guarantees (test/hq/commands.test.ts):
 * - A command is carried out once: its effect, its journal row `hq.command` (key
 *   `hq-command:<command id>`, payload { commandId, kind, outcome, reason?, result? }) and its audit
 *   row (operator "headquarters") commit in one write transaction, or nothing does. A command
 *   delivered again finds its key in the journal and changes nothing. (A key is pruned only once HQ
 *   has acknowledged the row, and HQ marks the command done in the transaction that stores the row,
 *   so HQ never sends a command whose key the depot no longer keeps.)
 * - A command the depot cannot carry out — a kind it does not know, a payload of the wrong shape, or
 *   one its domain refuses (an unknown driver, a tariff file with problems, more refund than is
 *   left) — is refused whole: nothing of it is done, a `hq.command` row with outcome 'refused' and
 *   the reason is journaled, and the alert `hq.command_refused` is raised at the depot, all in one
 *   transaction. A message with no readable command id cannot be journaled: it is logged and alerted.
 * - A failure that is not the command's (the database busy or closed) journals nothing and throws:
 *   HQ sends the command again until the depot's row reaches it.
 * - HQ never moves money: a refund request becomes a manual adjustment awaiting a depot supervisor's
 *   approval (refunds), and money moves only when that supervisor approves, as for any refund.
 * - The kinds reach the depot's domains only through their index.ts: risk (the blacklist), tariffs
 *   (the plan import), refunds (the adjustment).
 */

/** Who a command's acts are recorded as: the blacklist's listed_by, the adjustment's created_by, the tariff's created_by, the audit log. */
export const HQ_OPERATOR_ID = 'headquarters';

export interface Received {
  commandId: string | null;
  kind: string | null;
  /** done / refused: carried out or refused now; already: its key was in the journal; unreadable: no command id to journal it under. */
  outcome: 'done' | 'refused' | 'already' | 'unreadable';
  reason?: string;
  result?: unknown;
  /** The journal row written for it now. */
  seq?: number;
}

type Handler<K extends CommandKind> = (app: AppContext, command: CommandMessage, payload: CommandPayload<K>) => unknown;

/** Carries out one message from depot/{id}/commands (a Buffer or its text). */
export function receiveCommand(app: AppContext, message: Buffer | string): Received {
  let json: unknown;
  try {
    json = JSON.parse(message.toString());
  } catch (e) {
    return unreadable(app, `not JSON: ${(e as Error).message}`);
  }
  const loose = (json ?? {}) as { id?: unknown; kind?: unknown };
  const id = COMMAND_ID.safeParse(loose.id);
  if (!id.success) return unreadable(app, `id: ${zodIssues(id.error)}`);
  const commandId = id.data;
  const givenKind = typeof loose.kind === 'string' ? loose.kind.slice(0, 64) : '(none)';
  if (journalSeqOfKey(app.sqlite, commandJournalKey(commandId)) !== null) return { commandId, kind: givenKind, outcome: 'already' };
  const parsed = commandMessage.safeParse(json);
  if (!parsed.success) return refuse(app, commandId, givenKind, null, `the command message does not read: ${zodIssues(parsed.error)}`);
  const command = parsed.data;
  if (!isCommandKind(command.kind)) {
    return refuse(
      app,
      commandId,
      command.kind,
      command,
      `this depot does not carry out "${command.kind}" commands (it knows ${COMMAND_KINDS.join(', ')}); update the depot`,
    );
  }
  return carryOut(app, command, command.kind);
}

function carryOut<K extends CommandKind>(app: AppContext, command: CommandMessage, kind: K): Received {
  const payload = COMMAND_PAYLOADS[kind].safeParse(command.payload);
  if (!payload.success) return refuse(app, command.id, kind, command, `payload: ${zodIssues(payload.error)}`);
  const handler = HANDLERS[kind] as Handler<K>;
  try {
    return writeTx(app.sqlite, (): Received => {
      // Again under the write lock: another process (the CLI, a second instance) may have carried it out meanwhile.
      if (journalSeqOfKey(app.sqlite, commandJournalKey(command.id)) !== null) return { commandId: command.id, kind, outcome: 'already' };
      const result = handler(app, command, payload.data as CommandPayload<K>);
      const seq = journal(app, { commandId: command.id, kind, outcome: 'done', result });
      audit(app, command, kind, 'ok');
      return { commandId: command.id, kind, outcome: 'done', result, seq };
    });
  } catch (e) {
    // The command's own fault (a domain's refusal, named by its code): refused whole. Anything else
    // (the database busy or closed, a bug) is not the command's: nothing is journaled, HQ sends it again.
    if (!isDepotError(e) || e.code === 'internal' || e.code === 'unavailable') throw e;
    return refuse(app, command.id, kind, command, `${e.code}: ${e.message}`);
  }
}

function journal(app: AppContext, outcome: CommandOutcome): number {
  return appendJournal(app.sqlite, app.clock.now(), { key: commandJournalKey(outcome.commandId), kind: COMMAND_JOURNAL_KIND, payload: outcome });
}

const HQ_IDENTITY = (command: CommandMessage | null): OperatorIdentity => ({
  id: HQ_OPERATOR_ID,
  name: HQ_OPERATOR_ID,
  displayName: command ? `Headquarters (${command.issuedBy})` : 'Headquarters',
  // Not stored (the audit log keeps the id and name); a command is not any depot role's act.
  role: 'admin',
});

function audit(app: AppContext, command: CommandMessage | null, kind: string, result: string, commandId = command?.id): void {
  appendAudit(app, {
    operator: HQ_IDENTITY(command),
    transport: 'job',
    method: `hq.command.${kind}`,
    input: { commandId, issuedBy: command?.issuedBy ?? null, issuedAt: command?.issuedAt ?? null, payload: command?.payload ?? null },
    result,
  });
}

/** Journals the refusal with its reason and raises the depot's alert, in one transaction; nothing of the command is done. */
function refuse(app: AppContext, commandId: string, kind: string, command: CommandMessage | null, reason: string): Received {
  return writeTx(app.sqlite, (): Received => {
    if (journalSeqOfKey(app.sqlite, commandJournalKey(commandId)) !== null) return { commandId, kind, outcome: 'already' };
    const seq = journal(app, { commandId, kind, outcome: 'refused', reason });
    audit(app, command, kind, 'refused', commandId);
    raiseAlert(app, {
      code: 'hq.command_refused',
      level: 'warning',
      message: `A command from headquarters (${kind}, ${commandId}${command ? `, issued by ${command.issuedBy}` : ''}) was refused and nothing of it was done: ${reason}`,
      subject: `hq.command_refused:${commandId}`,
      details: { commandId, kind, issuedBy: command?.issuedBy ?? null, reason },
    });
    return { commandId, kind, outcome: 'refused', reason, seq };
  });
}

function unreadable(app: AppContext, reason: string): Received {
  app.log.warn({ reason }, 'a message on the HQ commands topic names no command; nothing done');
  raiseAlert(app, {
    code: 'hq.command_unreadable',
    level: 'warning',
    message: `A message from headquarters on this depot's commands topic could not be read, so nothing was done and nothing could be reported back: ${reason}`,
    subject: 'hq.command_unreadable',
    details: { reason },
  });
  return { commandId: null, kind: null, outcome: 'unreadable', reason };
}

// ── the kinds ───────────────────────────────────────────────────────────────────────────────────

type AuthorizationEntry = CommandPayload<'risk.authorization_list'>['entries'][number];

const NAMED_MAX = 50;

function entryDriver(app: AppContext, e: AuthorizationEntry): Driver | null {
  return e.phone !== undefined ? findDriverByPhone(app, e.phone) : findDriverByIdTag(app, e.idTag!);
}

/**
 * The authorization list: 'block' lists the driver on the blacklist (unless already listed);
 * 'allow' lifts a listing headquarters made. A block the depot made itself (a supervisor, a risk
 * rule) is the depot's decision and stays: it is named in the result. Drivers and cards this depot
 * does not know (they charge elsewhere) are counted and skipped.
 */
function authorizationList(app: AppContext, command: CommandMessage, p: CommandPayload<'risk.authorization_list'>) {
  const out = { blocked: 0, allowed: 0, unchanged: 0, notHere: 0, notHereNamed: [] as string[], keptDepotBlocks: [] as string[] };
  for (const e of p.entries) {
    const label = e.phone ?? `card ${e.idTag}`;
    const driver = entryDriver(app, e);
    if (!driver) {
      out.notHere += 1;
      if (out.notHereNamed.length < NAMED_MAX) out.notHereNamed.push(label);
      continue;
    }
    const listed = activeListing(app, driver.id);
    if (e.action === 'block') {
      if (listed) out.unchanged += 1;
      else {
        addListing(app, { driverId: driver.id, reason: `总部 Headquarters: ${e.reason}`, days: e.days }, { operatorId: HQ_OPERATOR_ID });
        out.blocked += 1;
      }
    } else if (!listed) out.unchanged += 1;
    else if (listed.listedBy === HQ_OPERATOR_ID) {
      liftListing(app, listed.id, `Headquarters (${command.issuedBy}): ${e.reason}`, { operatorId: HQ_OPERATOR_ID });
      out.allowed += 1;
    } else if (out.keptDepotBlocks.length < NAMED_MAX) out.keptDepotBlocks.push(label);
  }
  return out;
}

function tariffVersion(app: AppContext, command: CommandMessage, p: CommandPayload<'tariffs.version'>) {
  const r = importTariff(app, { file: p.plan, stationId: p.stationId, operatorId: HQ_OPERATOR_ID, source: `headquarters command ${command.id}` });
  return {
    planId: r.planId,
    versionId: r.versionId,
    name: r.name,
    effectiveFrom: r.effectiveFrom,
    newPlan: r.newPlan,
    unchanged: r.unchanged,
    stationId: p.stationId ?? null,
  };
}

/** A manual adjustment awaiting a depot supervisor's approval, under the command's id; no money moves here. */
function refundRequest(app: AppContext, command: CommandMessage, p: CommandPayload<'refunds.request'>) {
  const driver = findDriverByPhone(app, p.phone);
  if (!driver) throw new DepotError('not_found', `phone: no driver with phone ${p.phone} at this depot`, { field: 'phone' });
  const ref = p.sessionId !== undefined ? { sessionId: p.sessionId } : { orderId: p.orderId! };
  const limit = adjustmentLimit(app, ref);
  if (limit.driverId !== driver.id) {
    const what = p.sessionId !== undefined ? `session ${p.sessionId}` : `order ${p.orderId}`;
    throw new DepotError('refused', `${what} is not the driver's with phone ${p.phone}`, { field: p.sessionId !== undefined ? 'sessionId' : 'orderId' });
  }
  const a = createAdjustment(app, { ...ref, amountFen: p.amountFen, reason: p.reason, id: command.id }, { operatorId: HQ_OPERATOR_ID });
  return { adjustmentId: a.id, state: a.state, amountFen: a.amount, driverId: a.driverId, sessionId: a.sessionId, orderId: a.orderId };
}

const HANDLERS: { [K in CommandKind]: Handler<K> } = {
  'risk.authorization_list': authorizationList,
  'tariffs.version': tariffVersion,
  'refunds.request': refundRequest,
};
