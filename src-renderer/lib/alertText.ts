import type { I18n } from '../i18n';
import { displayFen, formatWh } from './format';

/**
 * An alert in the operator's language (issue 16: messages from the core carry a code and
 * parameters; the renderer words them). The core's `message` is the log's and the CLI's text; the
 * screens word each alert from its code and details with `alerts.msg.<code>`. An alert whose code
 * has no wording here, or whose details lack what the wording needs (an alert raised by an older
 * build), shows the core's message unchanged: nothing is ever hidden.
 */

type Wording = Pick<I18n, 'maybe'>;
type Params = Record<string, string | number>;
type Details = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Every value present, or null: a wording never shows a hole. */
function all(params: Record<string, string | number | undefined>): Params | null {
  return Object.values(params).every((v) => v !== undefined) ? (params as Params) : null;
}

const PARAMS: Record<string, (d: Details, w: Wording) => Params | null> = {
  job_failing: (d, w) => all({ kind: str(d.kind) && (w.maybe(`jobs.kind.${String(d.kind)}`) ?? str(d.kind)), streak: num(d.streak), error: str(d.error) }),
  sessions_unsettled: (d) => all({ count: num(d.count), threshold: num(d.threshold) }),
  sessions_unsettled_amount: (d) => {
    const est = num(d.estimatedFen);
    const limit = num(d.thresholdFen);
    return all({ amount: est === undefined ? undefined : displayFen(est), threshold: limit === undefined ? undefined : displayFen(limit), count: num(d.count) });
  },
  sweep_failed: (d) => {
    const failures = Array.isArray(d.failures) ? (d.failures as { sessionId?: unknown; message?: unknown }[]) : [];
    return failures.length > 0 ? all({ count: failures.length, session: str(failures[0].sessionId), error: str(failures[0].message) }) : null;
  },
  sweep_failing: (d) => all({ streak: num(d.streak) }),
  'session.stuck': (d, w) =>
    all({
      session: str(d.sessionNumber) ?? str(d.sessionId),
      charger: str(d.chargerId),
      connector: num(d.connectorId),
      state: str(d.state) && (w.maybe(`sessions.state.${String(d.state)}`) ?? str(d.state)),
      hours: num(d.hours),
    }),
  'inbox.parked': (d) => all({ count: num(d.waiting), hours: num(d.hours) }),
  'recon.metering_anomaly': (d) => {
    const billed = num(d.billedWh);
    const register = num(d.registerWh);
    const bp = num(d.diffBp);
    return all({
      charger: str(d.chargerId),
      day: str(d.day),
      billed: billed === undefined ? undefined : formatWh(billed),
      register: register === undefined ? undefined : formatWh(register),
      percent: bp === undefined ? undefined : (bp / 100).toFixed(2),
    });
  },
  'risk.charger_maintenance': (d, w) => {
    const hours = num(d.hours);
    const days = num(d.days);
    const within = hours !== undefined ? w.maybe('alerts.window.hours', { n: hours }) : days !== undefined ? w.maybe('alerts.window.days', { n: days }) : undefined;
    return all({ charger: str(d.chargerId), count: num(d.count), min: num(d.min), within, what: str(d.rule) && w.maybe(`alerts.evidence.${String(d.rule)}`) });
  },
  'risk.review_aging': (d, w) => {
    const amount = num(d.amountFen);
    const reason = str(d.reviewReason);
    return all({
      session: str(d.sessionNumber) ?? str(d.sessionId),
      hours: num(d.hours),
      amount: amount === undefined ? undefined : displayFen(amount),
      reason: reason === undefined ? '' : (w.maybe(`sessions.reviewReason.${reason}`) ?? reason),
    });
  },
  'auth.throttled': (d) => all({ operator: str(d.operator), failures: num(d.failures), wait: num(d.waitS) }),
  'hq.refused': (d, w) => all({ seq: num(d.seq), reason: str(d.reason) && (w.maybe(`alerts.hqReason.${String(d.reason)}`) ?? str(d.reason)), acked: num(d.ackedSeq) }),
  'hq.history_mismatch': (d) => all({ seq: num(d.seq) }),
  'hq.cannot_refill': (d) => all({ seq: num(d.seq), oldest: num(d.oldestKept) }),
  'hq.uplink_start_failed': (d) => all({ error: str(d.error) }),
  'hq.command_refused': (d, w) =>
    all({ what: str(d.kind) && (w.maybe(`alerts.hqCommand.${String(d.kind)}`) ?? str(d.kind)), by: str(d.issuedBy) ?? '—', reason: str(d.reason) }),
  'hq.command_unreadable': (d) => all({ reason: str(d.reason) }),
  'payments.cancel_stuck': (d) => all({ number: str(d.number), attempts: num(d.attempts) }),
};

/** The alert's text for the screen: worded from its code and details, else the core's message. */
export function alertText(w: Wording, a: { code: string; message: string; details?: Details }): string {
  const params = a.details ? PARAMS[a.code]?.(a.details, w) : null;
  return (params && w.maybe(`alerts.msg.${a.code}`, params)) ?? a.message;
}

/** The codes worded here (the dictionary test holds both languages to every one). */
export const WORDED_ALERT_CODES = Object.keys(PARAMS);

type ResolutionParams = Record<string, string | number>;

/** What each resolution the core words itself needs for its wording (`alerts.resolution.<code>`). */
const RESOLUTION_PARAMS: Record<string, (p: ResolutionParams, w: Wording) => Params | null> = {
  unsettled_count_below: (p) => all({ count: num(p.count), threshold: num(p.threshold) }),
  unsettled_amount_below: (p) => {
    const amount = num(p.amountFen);
    const limit = num(p.thresholdFen);
    return all({ amount: amount === undefined ? undefined : displayFen(amount), threshold: limit === undefined ? undefined : displayFen(limit) });
  },
  sweep_settled_all: () => ({}),
  sweep_ran_through: () => ({}),
  order_paid_while_parked: (p) => all({ number: str(p.number) }),
  // The supervisor's note is theirs: shown as typed, after the words for what they chose.
  hq_row_accepted: (p) => all({ seq: num(p.seq) }),
  order_repaired: (p, w) =>
    all({ number: str(p.number), action: str(p.action) && (w.maybe(`payments.stuck.action.${String(p.action)}`) ?? str(p.action)), note: str(p.note) }),
};

/**
 * Why an alert resolved, for the screen and the export: the core's own resolution worded from its
 * code and parameters; anything else (an older build's record, a code not worded here, text
 * without a code) as recorded. Empty when the alert did not resolve.
 */
export function alertResolutionText(w: Wording, a: { resolution: string | null; resolutionCode?: string | null; resolutionParams?: ResolutionParams | null }): string {
  const params = a.resolutionCode && a.resolutionParams ? RESOLUTION_PARAMS[a.resolutionCode]?.(a.resolutionParams, w) : null;
  return (params && a.resolutionCode && w.maybe(`alerts.resolution.${a.resolutionCode}`, params)) ?? a.resolution ?? '';
}

/** The resolution codes worded here (the wording test holds both languages to every one). */
export const WORDED_RESOLUTION_CODES = Object.keys(RESOLUTION_PARAMS);
