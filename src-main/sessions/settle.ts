import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { countRows } from '../kernel/db/rows';
import { getDriver, getHold, postSessionCharge } from '../ledger';
import { formatFen, roundHalfUpToFen } from '../money';
import { quoteForStation, quoteToJson, type MeterSample, type QuoteJson } from '../tariffs';
import { addTimeline, transition } from './machine';
import type { ReviewReason } from './schema';
import type { SessionEventParams } from './events';
import { announce, notifyDriver, requireSession, sessionSamples, type SessionRow } from './store';

/**
 * Settling a finished session: the real-time path at StopTransaction, and the one the settlement
 * sweeper reuses.
 *
 * Guarantees:
 * - A session is priced from its own meter readings, by the charger's timestamps, under the
 *   tariff version(s) in force at its station when each piece of energy was delivered (offline
 *   replay days late is priced as if it had arrived at once).
 * - Money moves in one ledger operation keyed `settle:<session>`, in the same transaction as the
 *   FINISHED → PAID/UNPAID change: the hold pays first (the unused rest is released), then the
 *   wallet, and what is still missing becomes a debt (UNPAID). Its transfers are
 *   `settle:<session>#<leg>` (#post, #hold:electricity, #hold:service, #wallet:…, #debt:…, #void).
 *   Settling again, from any path, returns the settled session and moves nothing.
 * - No energy means no charge: the hold is released whole and the session is PAID at ¥0.00.
 * - A session costing more than sessions.reviewAboveFen, one without a driver, without a tariff
 *   or with readings that contradict each other is not charged: it stays FINISHED, in the review
 *   queue, until a supervisor approves it (approveReview), which settles it.
 */

/** Review reasons that keep a session from being charged until a supervisor approves it. */
export const BLOCKING_REVIEWS: readonly ReviewReason[] = ['large_amount', 'unknown_id_tag', 'no_tariff', 'bad_meter'];

export interface Pricing {
  energyWh: number;
  amountFen: number;
  electricityFen: number;
  serviceFen: number;
  quote: QuoteJson;
}

/** Prices a session by its readings; throws the tariff module's error (no tariff, meter going backwards). */
export function priceSession(app: AppContext, s: SessionRow): Pricing {
  if (!s.stationId) throw new DepotError('refused', `charger ${s.chargerId} belongs to no station, so no tariff prices its energy`, { reason: 'no_tariff' });
  const samples: MeterSample[] = sessionSamples(app, s.id).map((x, i) => ({ at: x.chargerAt, wh: x.wh, label: `reading ${i + 1} (${x.source})` }));
  const q = quoteForStation(app, s.stationId, samples);
  const amountFen = q.totals.fen;
  // Rounded once for the total; the electricity leg is rounded the same way and service takes the rest.
  const electricityFen = Math.min(roundHalfUpToFen(q.totals.electricity), amountFen);
  return { energyWh: q.totals.wh.toDecimalPlaces(0).toNumber(), amountFen, electricityFen, serviceFen: amountFen - electricityFen, quote: quoteToJson(q) };
}

/** What a review flag names besides its reason: the amount and limit of a large one, the id tag nobody owns. */
type ReviewFigures = { limitFen?: number; idTag?: string };

function flagReview(app: AppContext, s: SessionRow, reason: ReviewReason, detail: string, pricing: Pricing | null, figures: ReviewFigures = {}): SessionRow {
  writeTx(app.sqlite, () => {
    expectChanges(
      app.sqlite
        .prepare(
          `UPDATE charging_sessions SET review_reason = ?, review_state = 'pending', review_note = NULL, updated_at = ?,
             amount_fen = coalesce(?, amount_fen), electricity_fen = coalesce(?, electricity_fen), service_fen = coalesce(?, service_fen),
             energy_wh = coalesce(?, energy_wh), quote = coalesce(?, quote)
           WHERE id = ? AND state = 'FINISHED'`,
        )
        .run(
          reason,
          app.clock.now(),
          pricing?.amountFen ?? null,
          pricing?.electricityFen ?? null,
          pricing?.serviceFen ?? null,
          pricing?.energyWh ?? null,
          pricing ? JSON.stringify(pricing.quote) : null,
          s.id,
        ),
      1,
      `flag session ${s.id} for review`,
    );
    addTimeline(app, s.id, {
      kind: 'review_requested',
      params: { reviewReason: reason, amountFen: pricing?.amountFen ?? null, limitFen: figures.limitFen ?? null, idTag: figures.idTag ?? null },
      detail: `${reason}: ${detail}`,
    });
    announce(app, s.id);
  });
  app.log.warn({ sessionId: s.id, reason }, `session held for review: ${detail}`);
  return requireSession(app, s.id);
}

/** A settlement's figures for its timeline event: the amount due and where it came from. */
function settledParams(r: ReturnType<typeof postSessionCharge>, pricing: Pricing): SessionEventParams['settled_paid'] {
  return {
    amountFen: r.dueFen,
    energyWh: pricing.energyWh,
    electricityFen: r.electricityFen,
    serviceFen: r.serviceFen,
    holdFen: r.paid.holdFen,
    releasedFen: r.hold?.releasedFen ?? 0,
    walletFen: r.paid.walletFen,
    debtFen: r.paid.debtFen,
  };
}

/**
 * Settles a FINISHED session (or returns it unchanged when it is already PAID/UNPAID, or held for
 * review). Anything else is an illegal transition.
 */
export function settleSession(app: AppContext, sessionId: string): SessionRow {
  const s = requireSession(app, sessionId);
  if (s.state === 'PAID' || s.state === 'UNPAID') return s;
  if (s.state !== 'FINISHED') {
    const err = new DepotError('illegal_transition', `session ${sessionId} is ${s.state}; only a FINISHED session can be settled`, { sessionId, state: s.state });
    app.log.error({ sessionId, state: s.state }, err.message);
    throw err;
  }
  const approved = s.reviewState === 'approved';
  if (s.reviewState === 'pending' && s.reviewReason && BLOCKING_REVIEWS.includes(s.reviewReason)) return s;
  if (!s.driverId) return flagReview(app, s, 'unknown_id_tag', `id tag ${s.idTag} belongs to no driver; name the driver when approving`, null, { idTag: s.idTag });

  let pricing: Pricing;
  try {
    pricing = priceSession(app, s);
  } catch (e) {
    if (!(e instanceof DepotError)) throw e;
    const reason: ReviewReason = e.code === 'invalid_input' ? 'bad_meter' : 'no_tariff';
    return flagReview(app, s, reason, e.message, null);
  }
  const limit = app.config.sessions.reviewAboveFen;
  if (pricing.amountFen > limit && !(approved && s.reviewReason === 'large_amount')) {
    return flagReview(app, s, 'large_amount', `¥${formatFen(pricing.amountFen)} is above the ¥${formatFen(limit)} review limit`, pricing, { limitFen: limit });
  }

  const driverId = s.driverId;
  writeTx(app.sqlite, () => {
    const cur = requireSession(app, sessionId);
    if (cur.state !== 'FINISHED') return;
    const holdId = cur.holdId && getHold(app, cur.holdId).status === 'pending' ? cur.holdId : null;
    const key = `settle:${sessionId}`;
    const r = postSessionCharge(app, {
      key,
      driverId,
      sessionId,
      holdId,
      electricityFen: pricing.electricityFen,
      serviceFen: pricing.serviceFen,
      memo: `session ${sessionId} on ${cur.chargerId}/${cur.connectorId}: ${pricing.quote.totals.kwh} kWh`,
    });
    const unpaid = r.paid.debtFen > 0;
    transition(app, {
      sessionId,
      from: 'FINISHED',
      event: unpaid ? 'settled_unpaid' : 'settled_paid',
      params: settledParams(r, pricing),
      detail:
        `¥${formatFen(r.dueFen)} for ${pricing.quote.totals.kwh} kWh (electricity ¥${formatFen(r.electricityFen)}, service ¥${formatFen(r.serviceFen)}): ` +
        `hold ¥${formatFen(r.paid.holdFen)}${r.hold ? `, ¥${formatFen(r.hold.releasedFen)} released` : ''}, wallet ¥${formatFen(r.paid.walletFen)}` +
        (unpaid ? `, debt ¥${formatFen(r.paid.debtFen)}` : '') +
        ` (${key})`,
      set: {
        energy_wh: pricing.energyWh,
        amount_fen: pricing.amountFen,
        electricity_fen: pricing.electricityFen,
        service_fen: pricing.serviceFen,
        quote: JSON.stringify(pricing.quote),
        paid_hold_fen: r.paid.holdFen,
        paid_wallet_fen: r.paid.walletFen,
        debt_fen: r.paid.debtFen,
        debt_id: r.debtId,
        settlement_key: key,
        settled_at: app.clock.now(),
      },
    });
    if (unpaid) {
      notifyDriver(app, {
        driverId,
        sessionId,
        kind: 'debt',
        text: `Your charging session cost ¥${formatFen(r.dueFen)}; ¥${formatFen(r.paid.debtFen)} could not be paid from your wallet and is owed. Top up to settle it before your next session.`,
      });
    }
    announce(app, sessionId);
  });
  return requireSession(app, sessionId);
}

const PENDING_REVIEW = "FROM charging_sessions WHERE review_state = 'pending'";

/** Sessions waiting for a supervisor, oldest first (LIMIT -1: all of them). */
export function reviewQueue(app: AppContext): SessionRow[] {
  return reviewQueuePage(app, { limit: -1, offset: 0 }).sessions;
}

/**
 * One page of the review queue, oldest first, with how many wait in all: a queue nobody works
 * grows without bound, and the screens page it rather than load it whole.
 */
export function reviewQueuePage(app: AppContext, page: { limit: number; offset: number }): { total: number; sessions: SessionRow[] } {
  const total = countRows(app.sqlite.prepare(`SELECT count(*) AS n ${PENDING_REVIEW}`));
  const rows = app.sqlite.prepare<unknown[], { id: string }>(`SELECT id ${PENDING_REVIEW} ORDER BY updated_at, id LIMIT @limit OFFSET @offset`).all(page);
  return { total, sessions: rows.map((r) => requireSession(app, r.id)) };
}

/**
 * A supervisor approves a session in the review queue: a finished one is then settled (for a
 * session without a driver, `driverId` names who pays); a flagged one that was already charged
 * (late start) is marked reviewed.
 */
export function approveReview(app: AppContext, input: { sessionId: string; driverId?: string; note?: string }, by: { operatorId?: string | null } = {}): SessionRow {
  const s = requireSession(app, input.sessionId);
  if (s.reviewState !== 'pending') {
    throw new DepotError('conflict', `session ${s.id} is not waiting for review${s.reviewState === 'approved' ? ' (already approved)' : ''}`, { field: 'sessionId' });
  }
  if (!s.driverId && !input.driverId) {
    throw new DepotError('invalid_input', `driverId: session ${s.id} has no driver (id tag ${s.idTag}); name the driver who pays`, { field: 'driverId' });
  }
  if (by.operatorId && s.createdBy === by.operatorId) {
    throw new DepotError('forbidden', `sessionId: session ${s.id} was started by you; someone else approves its review`, { field: 'sessionId' });
  }
  // The driver named to pay for a session nobody's id tag owned, by name as the screens show it.
  const payer = input.driverId && !s.driverId ? getDriver(app, input.driverId, 'driverId').name : null;
  writeTx(app.sqlite, () => {
    expectChanges(
      app.sqlite
        .prepare(
          `UPDATE charging_sessions SET review_state = 'approved', review_note = ?, reviewed_by = ?, reviewed_at = ?, updated_at = ?, driver_id = coalesce(driver_id, ?)
           WHERE id = ? AND review_state = 'pending'`,
        )
        .run(input.note ?? null, by.operatorId ?? null, app.clock.now(), app.clock.now(), input.driverId ?? null, s.id),
      1,
      `approve review of session ${s.id}`,
    );
    addTimeline(app, s.id, {
      kind: 'review_approved',
      params: { reviewReason: s.reviewReason, payerName: payer, note: input.note ?? null },
      operatorId: by.operatorId,
      detail: `${s.reviewReason ?? 'review'} approved${input.driverId && !s.driverId ? `; driver ${input.driverId} pays` : ''}${input.note ? `: ${input.note}` : ''}`,
    });
    announce(app, s.id);
  });
  return s.state === 'FINISHED' ? settleSession(app, s.id) : requireSession(app, s.id);
}
