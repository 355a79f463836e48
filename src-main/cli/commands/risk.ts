import type { MethodOutput } from '../../contract/types';
import { resolveCoreConfig } from '../../boot/core';
import { readInstanceFile } from '../../kernel/instance';
import { parseYuan } from '../../money';
import { maskPhone } from '../../kernel/phone';
import { depotClock, type TimeText } from '../depot-time';
import { driverRef, sessionRef, type DriverRef } from '../session-ref';
import { optionalOption, requireId, requireOption, UsageError, type Command, type CommandContext } from '../framework';

/**
 * Risk control (风控): rules, the blacklist, charger health, the review queue and debt write-offs.
 * Every command goes through the contract (cx.call, or the running instance where it must tell a
 * charger), so the --as operator's role is checked, the core refuses a second-person decision made
 * by the first person, and each command is in the audit log as it is from the Risk page. Options
 * are checked here first: a bad value is a usage error (exit 2) naming the option; a refusal is
 * exit 1. docs/risk.md explains what each rule and decision does.
 */

type Rule = MethodOutput<'risk.rules'>[number];
type RuleVersion = MethodOutput<'risk.ruleHistory'>[number];
type Listing = MethodOutput<'risk.listing'>;
type Health = MethodOutput<'risk.chargerHealth'>[number];
type Action = MethodOutput<'risk.returnToService'>;
type Review = MethodOutput<'risk.reviews'>['sessions'][number];
type WriteOff = MethodOutput<'risk.debtWriteOff'>;

const LISTING_STATES = ['active', 'lifted', 'expired'];
const WRITE_OFF_STATES = ['pending', 'approved', 'rejected'];

const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
const params = (p: Record<string, unknown>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

function stateOption(cx: CommandContext, allowed: string[]): string | undefined {
  const state = optionalOption(cx, 'state');
  if (state !== undefined && !allowed.includes(state)) throw new UsageError(`--state must be one of ${allowed.join(', ')}, got "${state}"`, { field: '--state' });
  return state;
}

/** Uses the running instance when there is one (it can tell a charger ChangeAvailability), else this process. */
async function callLiveOrLocal<T>(cx: CommandContext, method: string, input: unknown): Promise<T> {
  const { paths } = resolveCoreConfig({ dataDir: cx.global.dataDir, db: cx.global.db, overrides: cx.global.set });
  if (readInstanceFile(paths)) return (await cx.remote()).call<T>(method, input);
  return cx.call<T>(method, input);
}

/** The rule code a `risk rule …` command takes; the core names a code that is no rule. */
function ruleCode(cx: CommandContext, command: string): string {
  const code = cx.positionals[0];
  if (!code) throw new UsageError(`${command} needs the rule code (e.g. ${command} charger.faults; see depotdesk risk rules)`, { field: 'CODE' });
  if (cx.positionals.length > 1) throw new UsageError(`${command} takes one rule code, got ${cx.positionals.length}`, { field: 'CODE' });
  return code;
}

async function driverOption(cx: CommandContext, required: boolean): Promise<DriverRef | undefined> {
  const v = required ? requireOption(cx, 'driver', 'the driver id or phone number') : optionalOption(cx, 'driver');
  return v === undefined ? undefined : driverRef((method, params) => cx.call(method, params), v);
}

/** `--param key=value`, repeatable; numbers and true/false are typed, the core checks the rest. */
function paramOptions(cx: CommandContext): Record<string, unknown> | undefined {
  const raw = cx.args.param;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  if (list.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(\S.*?)\s*$/.exec(item);
    if (!m) throw new UsageError(`--param must be key=value (like days=30), got "${item}"`, { field: '--param' });
    const [, key, value] = m;
    if (Object.hasOwn(out, key)) throw new UsageError(`--param ${key} is given twice`, { field: '--param' });
    out[key] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value === 'true' ? true : value === 'false' ? false : value;
  }
  return out;
}

function wholeNumber(cx: CommandContext, name: string, max: number): number | undefined {
  const raw = optionalOption(cx, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw new UsageError(`--${name} must be a whole number from 0 to ${max}, got "${raw}"`, { field: `--${name}` });
  return Number(raw);
}

function ruleLine(r: Rule): string {
  return `${r.code.padEnd(26)} ${r.target.padEnd(8)} ${(r.enabled ? 'on' : 'off').padEnd(4)} v${String(r.version).padEnd(3)} ${params(r.params)}`;
}

function versionLine(v: RuleVersion, iso: TimeText): string {
  return `v${v.version}  ${v.enabled ? 'on ' : 'off'}  ${params(v.params)}  by ${v.changedBy?.name ?? '?'} at ${iso(v.changedAt)}${v.note ? `  ${v.note}` : ''}`;
}

function listingLine(l: Listing, iso: TimeText): string {
  const by = l.source === 'rule' ? `rule ${l.ruleCode} v${l.ruleVersion}` : `by ${l.listedBy?.name ?? '?'}`;
  const until = l.state === 'active' ? (l.expiresAt ? `until ${iso(l.expiresAt)}` : 'until lifted') : `${l.state} ${iso(l.endedAt)}`;
  return `${l.id}  ${l.state.padEnd(7)} ${l.driverName} (${maskPhone(l.driverPhone)})  ${by}  since ${iso(l.listedAt)}  ${until}  ${l.reason}`;
}

function describeListing(l: Listing, iso: TimeText): string {
  return [
    `listing  ${l.id}  ${l.state}`,
    `driver   ${l.driverName} (${maskPhone(l.driverPhone)}) ${l.driverId}`,
    `reason   ${l.reason}`,
    `listed   ${l.source === 'rule' ? `by rule ${l.ruleCode} v${l.ruleVersion}` : `by ${l.listedBy?.name ?? '?'}`} at ${iso(l.listedAt)}`,
    `until    ${l.expiresAt ? iso(l.expiresAt) : 'lifted by a supervisor'}`,
    ...(l.endedAt ? [`${l.state.padEnd(8)} ${iso(l.endedAt)}${l.endedBy ? ` by ${l.endedBy.name}` : ''}${l.endNote ? `: ${l.endNote}` : ''}`] : []),
  ].join('\n');
}

const ruleCommands: Command[] = [
  {
    name: 'risk rules',
    summary: 'The risk rules: what each decides, on or off, its version and parameters.',
    usage: 'depotdesk risk rules --as OPERATOR [--json]',
    async run(cx) {
      const rules = await cx.call<Rule[]>('risk.rules', {});
      cx.print(rules, () => rules.map((r) => `${ruleLine(r)}\n    ${r.summary}`).join('\n'));
    },
  },
  {
    name: 'risk rule set',
    summary: 'Switch a rule on or off, or change its parameters; a new version is stored, the old ones kept.',
    usage: 'depotdesk risk rule set CODE [--on|--off] [--param key=value]... [--note "…"] --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { on: { type: 'boolean' }, off: { type: 'boolean' }, param: { type: 'string', multiple: true }, note: { type: 'string' } },
    async run(cx) {
      const code = ruleCode(cx, 'risk rule set');
      if (cx.args.on && cx.args.off) throw new UsageError('give --on or --off, not both', { field: '--on' });
      const change = paramOptions(cx);
      const enabled = cx.args.on ? true : cx.args.off ? false : undefined;
      if (enabled === undefined && !change) throw new UsageError('nothing to change: give --on, --off or --param key=value', { field: '--param' });
      const r = await cx.call<Rule>('risk.setRule', { code, enabled, params: change, note: optionalOption(cx, 'note') });
      cx.print(r, () => `rule ${r.code} is now version ${r.version}: ${r.enabled ? 'on' : 'off'}, ${params(r.params)}`);
    },
  },
  {
    name: 'risk rule history',
    summary: "Every version of a rule, newest first: what a decision's version meant.",
    usage: 'depotdesk risk rule history CODE --as OPERATOR [--json]',
    allowPositionals: true,
    async run(cx) {
      const code = ruleCode(cx, 'risk rule history');
      const list = await cx.call<RuleVersion[]>('risk.ruleHistory', { code });
      cx.print(list, () =>
        list.length ? list.map((v) => versionLine(v, depotClock(cx).at)).join('\n') : `${code} was never changed: it runs as its default (version 0); see risk rules`,
      );
    },
  },
  {
    name: 'risk evaluate',
    summary: 'Run the rules now, as the 5-minute job does: listings expire, drivers are listed, chargers put in maintenance, old reviews alert.',
    usage: 'depotdesk risk evaluate --as SUPERVISOR [--json]',
    async run(cx) {
      const r = await callLiveOrLocal<MethodOutput<'risk.evaluate'>>(cx, 'risk.evaluate', {});
      cx.print(
        r,
        `expired ${r.expired} listing(s), listed ${r.listed} driver(s), put ${r.maintenance} charger(s) in maintenance, ${r.agingReviews} review(s) waiting too long`,
      );
    },
  },
];

const blacklistCommands: Command[] = [
  {
    name: 'risk blacklist',
    summary: 'The blacklist (黑名单), newest first; by state and driver.',
    usage: 'depotdesk risk blacklist [--state active|lifted|expired] [--driver ID|PHONE] --as OPERATOR [--json]',
    options: { state: { type: 'string' }, driver: { type: 'string' } },
    async run(cx) {
      const state = stateOption(cx, LISTING_STATES);
      const driver = await driverOption(cx, false);
      const r = await cx.call<MethodOutput<'risk.blacklist'>>('risk.blacklist', { state, driverId: driver?.id, limit: 1000 });
      cx.print(r, () => [`${r.total} listing(s)`, ...r.listings.map((l) => listingLine(l, depotClock(cx).at))].join('\n'));
    },
  },
  {
    name: 'risk blacklist add',
    summary: 'Blacklist a driver with a reason, for some days or until lifted: no starts, Authorize answered Blocked, no payment orders.',
    usage: 'depotdesk risk blacklist add --driver ID|PHONE --reason "…" [--days N] --as SUPERVISOR [--json]',
    options: { driver: { type: 'string' }, reason: { type: 'string' }, days: { type: 'string' } },
    async run(cx) {
      const days = wholeNumber(cx, 'days', 3650);
      const reason = requireOption(cx, 'reason', 'why; the driver is told it when refused');
      const driver = (await driverOption(cx, true))!;
      const l = await cx.call<Listing>('risk.blacklistAdd', { driverId: driver.id, reason, days: days || undefined });
      cx.print(l, () => describeListing(l, depotClock(cx).at));
    },
  },
  {
    name: 'risk blacklist lift',
    summary: 'Lift a listing with a note: the driver may charge and pay again at once.',
    usage: 'depotdesk risk blacklist lift LISTING --note "…" --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const listingId = requireId(cx, 'risk blacklist lift', 'listing id');
      const note = requireOption(cx, 'note', 'why the driver may charge again');
      const l = await cx.call<Listing>('risk.blacklistLift', { listingId, note });
      cx.print(l, () => describeListing(l, depotClock(cx).at));
    },
  },
  {
    name: 'risk why',
    summary: 'Why was this driver refused? Their active listing with the rule, its version and the records it counted.',
    usage: 'depotdesk risk why --driver ID|PHONE --as OPERATOR [--json]',
    options: { driver: { type: 'string' } },
    async run(cx) {
      const driver = (await driverOption(cx, true))!;
      const active = await cx.call<MethodOutput<'risk.blacklist'>>('risk.blacklist', { driverId: driver.id, state: 'active', limit: 1 });
      const listing = active.listings[0] ?? null;
      const last = listing ? null : ((await cx.call<MethodOutput<'risk.blacklist'>>('risk.blacklist', { driverId: driver.id, limit: 1 })).listings[0] ?? null);
      const rule = listing?.ruleCode ? await ruleAt(cx, listing.ruleCode, listing.ruleVersion ?? 0) : null;
      cx.print({ driver, blacklisted: listing !== null, listing, rule, lastListing: last }, () => explain(driver, listing, rule, last, depotClock(cx).at));
    },
  },
];

interface RuleAt {
  code: string;
  summary: string;
  version: number;
  /** The version's own record; null for version 0 (the default, never stored). */
  change: RuleVersion | null;
}

async function ruleAt(cx: CommandContext, code: string, version: number): Promise<RuleAt> {
  const rule = (await cx.call<Rule[]>('risk.rules', {})).find((r) => r.code === code);
  const history = await cx.call<RuleVersion[]>('risk.ruleHistory', { code });
  return { code, summary: rule?.summary ?? '', version, change: history.find((v) => v.version === version) ?? null };
}

function explain(driver: DriverRef, l: Listing | null, rule: RuleAt | null, last: Listing | null, iso: TimeText): string {
  const who = `${driver.name} (${maskPhone(driver.phone)}) ${driver.id}`;
  if (!l) {
    const before = last ? `; last listing ${last.id} was ${last.state} ${iso(last.endedAt)}${last.endNote ? `: ${last.endNote}` : ''} (${last.reason})` : '';
    return `${who} is not blacklisted${before}. A refusal now comes from elsewhere: an open debt (depotdesk wallet show --driver ${driver.id}) or a charger in maintenance (depotdesk risk health).`;
  }
  const facts = l.facts as { records?: unknown[]; params?: Record<string, unknown> } & Record<string, unknown>;
  const figures = Object.entries(facts).filter(([k]) => k !== 'records' && k !== 'params');
  return [
    `${who} is blacklisted (黑名单) since ${iso(l.listedAt)}, ${l.expiresAt ? `until ${iso(l.expiresAt)}` : 'until a supervisor lifts it'}`,
    `reason    ${l.reason}  (what the driver is told when refused)`,
    ...(rule
      ? [
          `decided   by rule ${rule.code} version ${rule.version}: ${rule.summary}`,
          `version   ${rule.change ? `${params(rule.change.params)}, set by ${rule.change.changedBy?.name ?? '?'} at ${iso(rule.change.changedAt)}${rule.change.note ? ` (${rule.change.note})` : ''}` : 'the default, never changed'}`,
          ...(facts.params ? [`counted   with ${params(facts.params)}`] : []),
          ...(figures.length ? [`figures   ${figures.map(([k, v]) => `${k}=${String(v)}`).join(' ')}`] : []),
          `records   ${(facts.records ?? []).map(String).join(', ') || '-'}`,
        ]
      : [`decided   by ${l.listedBy?.name ?? '?'} (listed by hand)`]),
    `listing   ${l.id}  (lift it: depotdesk risk blacklist lift ${l.id} --note "…")`,
  ].join('\n');
}

function healthLine(h: Health): string {
  const counts = [h.faults, h.offline, h.failedStarts, h.meteringAnomalies].map((n) => String(n).padStart(8)).join('');
  const why = h.openAction
    ? `  ${h.openAction.ruleCode} v${h.openAction.ruleVersion}: ${h.openAction.reason}`
    : h.maintenance
      ? `  (by hand: ${h.maintenanceReason ?? ''})`
      : '';
  return `${h.chargerId.padEnd(14)} ${(h.stationName ?? '-').padEnd(12)} ${(h.online ? 'online' : 'offline').padEnd(8)} ${(h.maintenance ? 'MAINT' : '-').padEnd(6)}${counts}${why}`;
}

const chargerCommands: Command[] = [
  {
    name: 'risk health',
    summary: "Every charger's faults, offline episodes, failed starts and metering anomalies over the rules' windows, and any rule's maintenance.",
    usage: 'depotdesk risk health --as OPERATOR [--json]',
    async run(cx) {
      const list = await cx.call<Health[]>('risk.chargerHealth', {});
      const head = `${'charger'.padEnd(14)} ${'station'.padEnd(12)} ${'link'.padEnd(8)} ${'maint'.padEnd(6)}${['faults', 'offline', 'starts', 'meter'].map((s) => s.padStart(8)).join('')}`;
      cx.print(list, () => (list.length ? [head, ...list.map(healthLine)].join('\n') : '(no chargers)'));
    },
  },
  {
    name: 'risk return',
    summary: 'Return a charger a rule put in maintenance to service, with a note of what was checked; the charger is told when DepotDesk is running.',
    usage: 'depotdesk risk return CHARGER --note "…" --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const chargerId = requireId(cx, 'risk return', 'charger id');
      const note = requireOption(cx, 'note', 'what was checked or repaired');
      const a = await callLiveOrLocal<Action>(cx, 'risk.returnToService', { chargerId, note });
      cx.print(
        a,
        () =>
          `charger ${a.chargerId} returned to service by ${a.returnedBy?.name ?? '?'} at ${depotClock(cx).at(a.returnedAt)}: ${a.returnNote ?? ''}\n(it was put in maintenance by ${a.ruleCode} v${a.ruleVersion}: ${a.reason})`,
      );
    },
  },
];

function reviewLine(s: Review, iso: TimeText): string {
  const kwh = s.energyWh === null ? '-' : `${(s.energyWh / 1000).toFixed(3)} kWh`;
  return `${s.id}  ${`${s.chargerId}/${s.connectorId}`.padEnd(10)} ${(s.driverId ?? `(no driver, tag ${s.idTag})`).padEnd(26)} ${kwh.padStart(12)} ${s.amountFen === null ? '' : yuan(s.amountFen).padStart(10)}  ${s.reviewReason ?? ''}  waiting since ${iso(s.updatedAt)}`;
}

const reviewCommands: Command[] = [
  {
    name: 'risk reviews',
    summary: 'Sessions held for review (大额订单 and the rest), oldest first.',
    usage: 'depotdesk risk reviews --as OPERATOR [--json]',
    async run(cx) {
      const { total, sessions: list } = await cx.call<{ total: number; sessions: Review[] }>('risk.reviews', { limit: 1000 });
      cx.print(list, () =>
        [
          `${total} session(s) waiting for review${total > list.length ? `, the oldest ${list.length} shown` : ''}`,
          ...list.map((s) => reviewLine(s, depotClock(cx).at)),
        ].join('\n'),
      );
    },
  },
  {
    name: 'risk approve',
    summary: 'Approve a held session (not one you started): it is settled. --driver names who pays when the id tag was unknown.',
    usage: 'depotdesk risk approve CD…|SESSION [--note "…"] [--driver ID|PHONE] --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' }, driver: { type: 'string' } },
    async run(cx) {
      const { id: sessionId } = await sessionRef((m, p) => cx.call(m, p), requireId(cx, 'risk approve', 'session number (CD…) or id'));
      const driver = await driverOption(cx, false);
      const s = await cx.call<Review>('risk.approveReview', { sessionId, driverId: driver?.id, note: optionalOption(cx, 'note') });
      cx.print(s, () => `session ${s.number} approved and ${s.state}${s.amountFen === null ? '' : `: ${yuan(s.amountFen)}`}`);
    },
  },
  {
    name: 'risk reject',
    summary:
      'Reject a held charge (not one you started): settled as metered, and a refund adjustment of the contested amount (all by default) opened for another supervisor.',
    usage: 'depotdesk risk reject CD…|SESSION --note "…" [--contested 12.50] [--driver ID|PHONE] --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' }, contested: { type: 'string' }, driver: { type: 'string' } },
    async run(cx) {
      const given = requireId(cx, 'risk reject', 'session number (CD…) or id');
      const raw = optionalOption(cx, 'contested');
      const contestedFen = raw === undefined ? undefined : parseYuan(raw, '--contested', { allowZero: true });
      const note = requireOption(cx, 'note', 'what is wrong with the charge');
      const { id: sessionId } = await sessionRef((m, p) => cx.call(m, p), given);
      const driver = await driverOption(cx, false);
      const r = await cx.call<MethodOutput<'risk.rejectReview'>>('risk.rejectReview', { sessionId, note, contestedFen, driverId: driver?.id });
      cx.print(r, () =>
        [
          `session ${r.session.number} settled as metered: ${r.session.state}${r.session.amountFen === null ? '' : ` ${yuan(r.session.amountFen)}`}`,
          r.adjustmentId
            ? `refund adjustment ${r.adjustmentId} opened; another supervisor approves it (depotdesk adjustment approve ${r.adjustmentId})`
            : 'nothing contested: no adjustment opened',
        ].join('\n'),
      );
    },
  },
];

function writeOffLine(w: WriteOff, iso: TimeText): string {
  const decided = w.decidedBy ? `  ${w.state} by ${w.decidedBy.name} at ${iso(w.decidedAt)}${w.decisionNote ? `: ${w.decisionNote}` : ''}` : '';
  return `${w.id}  ${w.state.padEnd(8)} ${yuan(w.amount.fen).padStart(10)}  ${w.driverName}  debt ${w.debtId}  asked by ${w.requestedBy?.name ?? '?'} at ${iso(w.requestedAt)}: ${w.reason}${decided}`;
}

const writeOffCommands: Command[] = [
  {
    name: 'risk writeoffs',
    summary: 'Debt write-off requests (坏账核销), newest first.',
    usage: 'depotdesk risk writeoffs [--state pending|approved|rejected] --as OPERATOR [--json]',
    options: { state: { type: 'string' } },
    async run(cx) {
      const state = stateOption(cx, WRITE_OFF_STATES);
      const r = await cx.call<MethodOutput<'risk.debtWriteOffs'>>('risk.debtWriteOffs', { state, limit: 1000 });
      cx.print(r, () => [`${r.total} request(s)`, ...r.requests.map((w) => writeOffLine(w, depotClock(cx).at))].join('\n'));
    },
  },
  {
    name: 'risk writeoff request',
    summary: 'Ask to write off an open debt; someone else decides.',
    usage: 'depotdesk risk writeoff request --debt ID --reason "…" --as FINANCE [--json]',
    options: { debt: { type: 'string' }, reason: { type: 'string' } },
    async run(cx) {
      const debtId = requireOption(cx, 'debt', 'the debt id');
      const reason = requireOption(cx, 'reason', 'why the debt cannot be collected');
      const w = await cx.call<WriteOff>('risk.requestDebtWriteOff', { debtId, reason });
      cx.print(w, () => `${writeOffLine(w, depotClock(cx).at)}\nsomeone other than you approves it: depotdesk risk writeoff approve ${w.id}`);
    },
  },
  {
    name: 'risk writeoff approve',
    summary: 'Approve a write-off someone else asked for: the ledger writes off what is still owed.',
    usage: 'depotdesk risk writeoff approve REQUEST [--note "…"] --as FINANCE|SUPERVISOR [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const requestId = requireId(cx, 'risk writeoff approve', 'request id');
      const w = await cx.call<WriteOff>('risk.approveDebtWriteOff', { requestId, note: optionalOption(cx, 'note') });
      cx.print(w, () => writeOffLine(w, depotClock(cx).at));
    },
  },
  {
    name: 'risk writeoff reject',
    summary: 'Refuse a write-off with a note; the debt stays.',
    usage: 'depotdesk risk writeoff reject REQUEST --note "…" --as FINANCE|SUPERVISOR [--json]',
    allowPositionals: true,
    options: { note: { type: 'string' } },
    async run(cx) {
      const requestId = requireId(cx, 'risk writeoff reject', 'request id');
      const note = requireOption(cx, 'note', 'why the debt stays');
      const w = await cx.call<WriteOff>('risk.rejectDebtWriteOff', { requestId, note });
      cx.print(w, () => writeOffLine(w, depotClock(cx).at));
    },
  },
];

export const riskCommands: Command[] = [...ruleCommands, ...blacklistCommands, ...chargerCommands, ...reviewCommands, ...writeOffCommands];
