import type { I18nKey, Wording } from '../i18n/wording';
import { displayFen, formatWh } from './format';
import { formatTime } from './time';

/**
 * A session's timeline event in the operator's language (issue 16). The core records each event
 * with a kind, params (codes, fen, Wh, names: src-main/sessions/events.ts) and an English `detail`;
 * the screens word the kind as the line's title and the params as the sentence under it. Money in
 * the screens' money format, energy in kWh, times in the depot's zone, protocol codes (a stop
 * reason, a review reason, a state) through the dictionaries.
 *
 * An event without params (written before migration 0034) or of a kind with nothing to add
 * (remote_start_accepted) has no sentence: its title says it, its detail stays the record.
 */

export type EventParams = Record<string, string | number | null>;
export interface TimelineEvent {
  kind: string;
  params: EventParams | null;
}

type W = Pick<Wording, 't' | 'maybe'>;

/** Reads params by key, each formatted for a sentence; a missing figure reads as a dash. */
function reader(p: EventParams, w: W) {
  const raw = (k: string) => p[k] ?? null;
  const num = (k: string) => {
    const v = raw(k);
    return typeof v === 'number' ? v : null;
  };
  const text = (k: string) => {
    const v = raw(k);
    return v === null ? '—' : String(v);
  };
  return {
    num,
    text,
    has: (k: string) => raw(k) !== null && raw(k) !== '',
    fen: (k: string) => (num(k) === null ? '—' : displayFen(num(k)!)),
    wh: (k: string) => (num(k) === null ? '—' : formatWh(num(k)!)),
    time: (k: string) => (num(k) === null ? '—' : formatTime(num(k)!)),
    /** A code worded by its dictionary family (sessions.stopReason.Local); an unknown one as it is. */
    code: (family: string, k: string) => w.maybe(`${family}.${text(k)}`) ?? text(k),
  };
}

type Reader = ReturnType<typeof reader>;
type Sentence = (r: Reader, w: W) => string | null;

const refusal: (answered: I18nKey, failed: I18nKey) => Sentence = (answered, failed) => (r, w) => w.t(r.text('refusal') === 'answered' ? answered : failed);

/** A StopTransaction's figures: the meter at the stop, the energy, the reason. */
const stopText: Sentence = (r, w) =>
  w.t('sessions.eventText.stop', { meter: r.wh('meterStopWh'), energy: r.wh('energyWh'), reason: r.code('sessions.stopReason', 'stopReason') }) +
  (r.num('energyWh') === 0 ? w.t('sessions.eventText.noEnergy') : '');

/** The card an event names; a session started for a driver without a card has none (the core leaves idTag out). */
const card = (r: Reader, w: W) => (r.has('idTag') ? r.text('idTag') : w.t('sessions.noCard'));

const started = (r: Reader, w: W) => ({ tx: r.text('transactionId'), meter: r.wh('meterStartWh'), idTag: card(r, w) });

const settled: Sentence = (r, w) =>
  w.t('sessions.eventText.settled', {
    amount: r.fen('amountFen'),
    energy: r.wh('energyWh'),
    electricity: r.fen('electricityFen'),
    service: r.fen('serviceFen'),
    hold: r.fen('holdFen'),
    wallet: r.fen('walletFen'),
  }) +
  ((r.num('releasedFen') ?? 0) > 0 ? w.t('sessions.eventText.released', { amount: r.fen('releasedFen') }) : '') +
  ((r.num('debtFen') ?? 0) > 0 ? w.t('sessions.eventText.owed', { amount: r.fen('debtFen') }) : '');

const note = (r: Reader, w: W) => (r.has('note') ? w.t('sessions.eventText.note', { note: r.text('note') }) : '');

const SENTENCES: Record<string, Sentence> = {
  placed: (r, w) =>
    w.t('sessions.eventText.placed', {
      amount: r.fen('prepayFen'),
      driver: r.text('driverName'),
      charger: r.text('chargerId'),
      connector: r.text('connectorId'),
      idTag: card(r, w),
    }),
  remote_start_sent: (r, w) => w.t('sessions.eventText.remoteStartSent', { charger: r.text('chargerId'), connector: r.text('connectorId') }),
  remote_start_refused: refusal('sessions.eventText.startRefusedAnswered', 'sessions.eventText.startRefusedFailed'),
  start_timeout: (r, w) => w.t('sessions.eventText.startTimeout', { seconds: r.text('timeoutSeconds') }),
  cancel: (_, w) => w.t('sessions.eventText.cancel'),
  hold_voided: (r, w) => w.t('sessions.eventText.holdVoided', { amount: r.fen('releasedFen') }),
  start_transaction: (r, w) => w.t('sessions.eventText.started', started(r, w)),
  late_start: (r, w) => w.t('sessions.eventText.lateStart', { ...started(r, w), state: r.code('sessions.state', 'previousState') }),
  charger_start: (r, w) =>
    r.has('driverName')
      ? w.t('sessions.eventText.chargerStart', { ...started(r, w), driver: r.text('driverName') })
      : w.t('sessions.eventText.chargerStartUnknown', started(r, w)),
  blacklisted_driver: (r, w) => w.t('sessions.eventText.blacklisted', { driver: r.text('driverName'), reason: r.text('blacklistReason') }),
  late_meter: (r, w) => w.t('sessions.eventText.lateMeter', { n: r.text('readings') }),
  stop_requested: (r, w) => w.t('sessions.eventText.stopRequested', { tx: r.text('transactionId') }),
  stop_refused: refusal('sessions.eventText.stopRefusedAnswered', 'sessions.eventText.stopRefusedFailed'),
  stop_transaction: stopText,
  force_close_requested: (r, w) => w.t('sessions.eventText.forceCloseRequested', { meter: r.wh('meterWh'), time: r.time('readingAt'), reason: r.text('reason') }),
  force_close: (r, w) =>
    w.t('sessions.eventText.forceClosed', { meter: r.wh('meterWh'), energy: r.wh('energyWh'), by: r.text('requestedByName'), reason: r.text('reason') }) + note(r, w),
  force_close_rejected: (r, w) => w.t('sessions.eventText.forceCloseRejected', { note: r.text('note') }),
  settled_paid: settled,
  settled_unpaid: settled,
  review_requested: (r, w) => {
    const reason = r.code('sessions.reviewReason', 'reviewReason');
    if (r.text('reviewReason') === 'large_amount' && r.has('amountFen') && r.has('limitFen'))
      return w.t('sessions.eventText.reviewLarge', { reason, amount: r.fen('amountFen'), limit: r.fen('limitFen') });
    if (r.text('reviewReason') === 'unknown_id_tag' && r.has('idTag')) return w.t('sessions.eventText.reviewUnknownTag', { reason, idTag: r.text('idTag') });
    return reason;
  },
  review_approved: (r, w) =>
    w.t('sessions.eventText.reviewApproved', { reason: r.has('reviewReason') ? r.code('sessions.reviewReason', 'reviewReason') : w.t('sessions.reviewReason') }) +
    (r.has('payerName') ? w.t('sessions.eventText.payer', { driver: r.text('payerName') }) : '') +
    note(r, w),
  late_stop: (r, w) => stopText(r, w) + w.t('sessions.eventText.lateStopUnsettled'),
  resettled: (r, w) =>
    w.t('sessions.fc.resettled', { before: r.fen('beforeFen'), after: r.fen('afterFen') }) +
    ((r.num('differenceFen') ?? 0) > 0 ? ` · ${w.t('sessions.fc.resettleMore', { amount: r.fen('differenceFen') })}` : '') +
    ((r.num('debtFen') ?? 0) > 0 ? ` · ${w.t('sessions.fc.resettleDebt', { debt: r.fen('debtFen') })}` : '') +
    ((r.num('returnedFen') ?? 0) > 0 ? ` · ${w.t('sessions.fc.resettleLess', { amount: r.fen('returnedFen') })}` : ''),
  record_attached: (r, w) =>
    w.t(r.text('record') === 'stop' ? 'sessions.eventText.attachedStop' : 'sessions.eventText.attachedMeter', {
      record: r.text('recordId'),
      tx: r.text('transactionId'),
      note: r.text('note'),
    }),
};

/** The event's title: its kind worded, or undefined for a kind the dictionaries do not know (shown as its code). */
export function eventTitle(e: Pick<TimelineEvent, 'kind'>, w: W): string | undefined {
  return w.maybe(`sessions.event.${e.kind}`);
}

/** The event's sentence from its params, or null (an event from before params, or nothing to add). */
export function eventText(e: TimelineEvent, w: W): string | null {
  const sentence = SENTENCES[e.kind];
  if (!e.params || !sentence) return null;
  return sentence(reader(e.params, w), w);
}
