import type { FailureCode, ReviewReason, SessionState } from './schema';

/**
 * What each timeline event carries for the screens to word it (issue 16): codes and figures, never
 * sentences. The English `detail` beside it stays the record (the CLI, the audit, a support call);
 * the renderer words an event from its kind and these params in the operator's language.
 *
 * - Money in fen and energy in Wh, as integers; times as epoch ms.
 * - People by what an operator reads (a driver's name as it was then); an operator by id, which the
 *   read side turns into a display name (OPERATOR_PARAMS).
 * - Protocol words stay codes (a stop reason `EVDisconnected`, a charger's answer `Rejected`): the
 *   dictionaries word them.
 * - Flat: every value a string, a number or null, so a row's params are one JSON object of scalars.
 * - Events written before migration 0034 have no params (null); they are worded by their kind alone.
 */

type Empty = Record<never, never>;

/** How a request to a charger came to nothing: it answered no, or the CALL itself failed. */
export type ChargerRefusal = { refusal: 'answered'; answer: string } | { refusal: 'call_failed'; answer: null };

export interface SessionEventParams {
  placed: { prepayFen: number; driverName: string; chargerId: string; connectorId: number; idTag: string };
  remote_start_sent: { chargerId: string; connectorId: number };
  remote_start_accepted: Empty;
  remote_start_unanswered: Empty;
  remote_start_refused: { failureCode: Extract<FailureCode, 'remote_start_refused'> } & ChargerRefusal;
  start_timeout: { failureCode: Extract<FailureCode, 'start_timeout'>; timeoutSeconds: number };
  cancel: { failureCode: Extract<FailureCode, 'cancelled'> };
  hold_voided: { releasedFen: number };
  start_transaction: { transactionId: number; meterStartWh: number; idTag: string };
  late_start: { transactionId: number; meterStartWh: number; idTag: string; previousState: Extract<SessionState, 'FAILED' | 'CANCELLED'> };
  charger_start: { transactionId: number; meterStartWh: number; idTag: string; driverName: string | null };
  blacklisted_driver: { driverName: string; blacklistReason: string };
  late_meter: { readings: number };
  stop_requested: { transactionId: number };
  stop_refused: ChargerRefusal;
  stop_transaction: { meterStopWh: number; energyWh: number | null; stopReason: string };
  force_close_requested: { meterWh: number; readingAt: number; reason: string };
  force_close: { meterWh: number; energyWh: number | null; readingAt: number; reason: string; requestedBy: string; note: string | null };
  force_close_rejected: { note: string };
  settled_paid: Settled;
  settled_unpaid: Settled;
  review_requested: { reviewReason: ReviewReason; amountFen: number | null; limitFen: number | null; idTag: string | null };
  review_approved: { reviewReason: ReviewReason | null; payerName: string | null; note: string | null };
  late_stop: { meterStopWh: number; energyWh: number | null; stopReason: string };
  resettled: {
    meterStopWh: number;
    stopReason: string;
    energyWh: number;
    beforeFen: number;
    afterFen: number;
    differenceFen: number;
    walletFen: number;
    debtFen: number;
    returnedFen: number;
  };
  record_attached: { record: 'stop' | 'meter'; recordId: number; transactionId: number | null; note: string };
}

/** A settlement: the amount due for the energy, and where it came from (hold, wallet, debt). */
type Settled = {
  amountFen: number;
  energyWh: number;
  electricityFen: number;
  serviceFen: number;
  holdFen: number;
  /** What of the hold went back to the wallet (0 without a hold). */
  releasedFen: number;
  walletFen: number;
  debtFen: number;
};

export type TimelineKind = keyof SessionEventParams;
export type TimelineParams = Record<string, string | number | null>;

/** Params naming an operator by id: the read side adds `<key>Name` with their display name. */
export const OPERATOR_PARAMS = ['requestedBy'] as const;
