import type { Command } from '../framework';

/**
 * Every CLI command by name, with the summary `depotdesk --help` prints, and the module that
 * implements it. A module is imported only when one of its commands runs: the CLI is a bundle
 * split at these imports (scripts/build-cli.js), so `--help` loads no domain at all and a
 * command loads its own module, then the core.
 *
 * Adding a command: add it to its module's list and a line here (same name and summary);
 * test/foundation/cli-bundle.test.ts compares the two.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  /** The commands of the module this one lives in. */
  load(): Promise<readonly Command[]>;
}

const foundation = async (): Promise<readonly Command[]> => (await import('./foundation')).foundationCommands;
const jobs = async (): Promise<readonly Command[]> => (await import('./jobs')).jobCommands;
const tariffs = async (): Promise<readonly Command[]> => (await import('./tariffs')).tariffCommands;
const chargers = async (): Promise<readonly Command[]> => (await import('./chargers')).chargerCommands;
const ledger = async (): Promise<readonly Command[]> => (await import('./ledger')).ledgerCommands;
const sessions = async (): Promise<readonly Command[]> => (await import('./sessions')).sessionCommands;
const sweep = async (): Promise<readonly Command[]> => (await import('./sweep')).sweepCommands;
const inbox = async (): Promise<readonly Command[]> => (await import('./inbox')).inboxCommands;
const payments = async (): Promise<readonly Command[]> => (await import('./payments')).paymentCommands;
const refunds = async (): Promise<readonly Command[]> => (await import('./refunds')).refundCommands;
const campaigns = async (): Promise<readonly Command[]> => (await import('./campaigns')).campaignCommands;
const risk = async (): Promise<readonly Command[]> => (await import('./risk')).riskCommands;
const recon = async (): Promise<readonly Command[]> => (await import('./recon')).reconCommands;
const paymentChannels = async (): Promise<readonly Command[]> => (await import('./payment-channels')).paymentChannelCommands;
const reconDownload = async (): Promise<readonly Command[]> => (await import('./recon-download')).reconDownloadCommands;
const hq = async (): Promise<readonly Command[]> => (await import('./hq')).hqCommands;

export const commands: readonly CommandEntry[] = [
  { name: 'init', summary: 'Create the data directory, the database and the first admin (password from DEPOTDESK_PASSWORD).', load: foundation },
  { name: 'serve', summary: 'Browser mode: run the core and serve the operator screens over HTTP on 127.0.0.1.', load: foundation },
  {
    name: 'doctor',
    summary: 'Check the data directory, migrations, integrity, audit chain and broker reachability; --repair fixes what has a safe fix.',
    load: foundation,
  },
  { name: 'backup', summary: 'Write an online, checked backup of the database.', load: foundation },
  {
    name: 'audit verify',
    summary: "Walk the audit log's SHA-256 and keyed chains and hold them to every signed checkpoint; exit 1 naming the first broken row.",
    load: foundation,
  },
  { name: 'operator add', summary: 'Add an operator account (as an admin; the new password from DEPOTDESK_NEW_PASSWORD).', load: foundation },
  { name: 'operator list', summary: 'List operator accounts.', load: foundation },
  { name: 'demo', summary: 'Create a small demo depot in the data directory (password from DEPOTDESK_PASSWORD, default "depotdesk-demo").', load: foundation },
  { name: 'jobs list', summary: 'List jobs, newest first (as an operator).', load: jobs },
  { name: 'jobs show', summary: 'One job with its arguments and error history.', load: jobs },
  { name: 'jobs retry', summary: 'Run a discarded, cancelled, retryable or scheduled job again now (supervisor or admin).', load: jobs },
  { name: 'jobs cancel', summary: 'Cancel a job that has not finished (supervisor or admin).', load: jobs },
  { name: 'jobs stats', summary: 'Job counts by state and queue, failing kinds and cron schedules.', load: jobs },
  { name: 'alerts list', summary: 'Open alerts, newest first (--all includes acknowledged and resolved ones).', load: jobs },
  { name: 'alerts ack', summary: 'Acknowledge an open alert (supervisor or admin).', load: jobs },
  {
    name: 'tariff import',
    summary: 'Import a tariff plan file (a new plan, or a new version of the plan with that name); --station assigns it from now.',
    load: tariffs,
  },
  { name: 'tariff export', summary: 'Write a plan (by plan id: the version in force now) or a version (by version id) as a tariff file.', load: tariffs },
  { name: 'tariff quote', summary: 'Price a session: a tariff file and a samples CSV (timestamp,energy_kwh) in, per-period kWh and amounts out.', load: tariffs },
  { name: 'tariff list', summary: 'Tariff plans, their versions and the stations using them.', load: tariffs },
  { name: 'tariff assign', summary: 'A station uses a plan from now, or from the start of a later date.', load: tariffs },
  { name: 'tariff override', summary: 'Change slots of one future date, e.g. --slots 22=sharp,23=sharp on an announced heat-wave day.', load: tariffs },
  { name: 'station add', summary: 'Add a station (as a supervisor).', load: chargers },
  { name: 'station list', summary: 'List stations.', load: chargers },
  { name: 'charger add', summary: 'Register a charger: its OCPP id, station, connector count and MQTT password.', load: chargers },
  { name: 'charger list', summary: 'List chargers with their live status.', load: chargers },
  { name: 'charger maintenance', summary: 'Switch a charger into (--on) or out of (--off) maintenance; tells the charger when DepotDesk is running.', load: chargers },
  { name: 'charger messages', summary: "Show a charger's message log, newest first.", load: chargers },
  { name: 'broker status', summary: "The running instance's MQTT link: state, address, connected chargers.", load: chargers },
  { name: 'simulate', summary: 'Run simulated OCPP chargers against a broker (the same protocol code as the back office).', load: chargers },
  { name: 'driver add', summary: 'Register a driver with a wallet.', load: ledger },
  { name: 'driver list', summary: 'List drivers with their balances (search by name, phone, card or VIN).', load: ledger },
  { name: 'wallet topup', summary: 'Top up a wallet (open debts are collected first).', load: ledger },
  { name: 'wallet show', summary: "Show a driver's balance, held, debt, available, coupons and points.", load: ledger },
  { name: 'ledger statement', summary: "A driver's statement (流水) with running balances.", load: ledger },
  { name: 'ledger verify', summary: 'Check the ledger invariants; exit 1 listing every violation.', load: ledger },
  { name: 'coupon grant', summary: 'Grant an amount coupon to a driver.', load: ledger },
  { name: 'points grant', summary: 'Grant points to a driver.', load: ledger },
  {
    name: 'session start',
    summary: 'Start a charging session on the running instance: hold the prepay and send RemoteStartTransaction (answers STARTING at once; follow it with session show).',
    load: sessions,
  },
  { name: 'session stop', summary: 'Stop a session on the running instance (RemoteStopTransaction; a start not yet confirmed is cancelled).', load: sessions },
  { name: 'session show', summary: 'One session: state, energy, per-period breakdown, amounts, ledger transfers and timeline.', load: sessions },
  {
    name: 'session list',
    summary: 'Sessions, newest first, by state and creation date (depot dates, inclusive): number, state, charger, driver, energy, amount, then the internal id.',
    load: sessions,
  },
  {
    name: 'session stuck',
    summary: 'Stuck sessions: charging or stopping while their charger is offline and silent for sessions.stuckAfterMs (6 h), with any force-close request.',
    load: sessions,
  },
  {
    name: 'session force-close',
    summary: 'Ask to close a stuck session at its last meter reading; another supervisor approves (force-close-approve) or rejects it.',
    load: sessions,
  },
  {
    name: 'session force-close-approve',
    summary: "Approve another supervisor's force-close: the session closes at the recorded reading and is settled.",
    load: sessions,
  },
  { name: 'session force-close-reject', summary: "Reject another supervisor's force-close, saying why; the session is left as it is.", load: sessions },
  { name: 'sweep', summary: 'Run the settlement sweep now (finance, supervisor, admin); --dry-run shows what it would settle and moves no money.', load: sweep },
  { name: 'sweep list', summary: 'Past settlement sweeps, newest first.', load: sweep },
  {
    name: 'inbox list',
    summary: 'Charger records that could not be applied by themselves (parked), oldest first, with why; --attention for those past the alert age.',
    load: inbox,
  },
  {
    name: 'inbox attach',
    summary: 'Attach a parked charger record to a session of the same charger (supervisor): a StopTransaction finishes and settles it, MeterValues add readings.',
    load: inbox,
  },
  { name: 'inbox discard', summary: 'Discard a parked charger record with a reason (supervisor); it is kept and marked, never applied.', load: inbox },
  { name: 'order create', summary: 'Create a payment order (top-up or package) with its QR code; coupon and points are taken now.', load: payments },
  { name: 'order show', summary: 'Show a payment order by id or number (商户订单号).', load: payments },
  { name: 'order list', summary: 'List payment orders (newest first).', load: payments },
  {
    name: 'order parked',
    summary: 'Expired orders the timeout job parked because their cancel kept being refused (issue 21): each waits for `order repair`.',
    load: payments,
  },
  {
    name: 'order repair',
    summary: "Finish a parked order's cancel: restore_from_ledger gives back its coupon and points as the ledger recorded them; mark_resolved restores nothing.",
    load: payments,
  },
  {
    name: 'payments channel show',
    summary: 'The payment channels: the gateway behind each, the summary of its stored credentials (never a key), its last test and whether it answered lately.',
    load: paymentChannels,
  },
  {
    name: 'payments channel set',
    summary: "Store a channel's merchant credentials from a JSON file (settings and secrets, as entered in Settings → 支付渠道), sealed; every key is checked first.",
    load: paymentChannels,
  },
  {
    name: 'payments channel test',
    summary: "Make one harmless signed call to a channel's gateway with its stored credentials and record the outcome; exit 1 when it failed.",
    load: paymentChannels,
  },
  {
    name: 'order confirm',
    summary:
      'Ask the gateway about a pending order now (查询订单; --via query, the default): a payment found is booked once. --via notification is the simulated gateway’s demo payment.',
    load: paymentChannels,
  },
  {
    name: 'order expire',
    summary:
      'Run the payment timeout now, as the minute job does: orders pending past payments.orderTimeoutMs are closed at the gateway, then cancelled with coupon and points restored.',
    load: paymentChannels,
  },
  { name: 'adjustment create', summary: 'Open a manual adjustment (售后退款) on a settled session or a paid order; another supervisor approves it.', load: refunds },
  {
    name: 'adjustment approve',
    summary: 'Approve an adjustment (not your own): a session refund credits the wallet, an order refund becomes a refund task.',
    load: refunds,
  },
  { name: 'adjustment reject', summary: 'Reject an adjustment (not your own) with a note; nothing moves.', load: refunds },
  { name: 'adjustment list', summary: 'List manual adjustments, newest first.', load: refunds },
  { name: 'refund-task list', summary: 'List refund tasks (退款任务), newest first, with the count per state.', load: refunds },
  {
    name: 'refund-task retry',
    summary: 'Send a failed refund task again with a fresh attempt budget (the job runs it at once in the app; `refund-task run` here).',
    load: refunds,
  },
  {
    name: 'refund-task resolve',
    summary: 'Resolve a failed refund task by hand: paid_outside (completed) or back_to_wallet (cancelled, the money back in the wallet).',
    load: refunds,
  },
  { name: 'refund-task run', summary: 'Process due refund tasks now, as the 5-minute job does (长款 requests picked up, due tasks sent or queried).', load: refunds },
  { name: 'campaign create', summary: 'Draft a compensation campaign from a spec file (criteria, rule, target, memo; docs/compensation.md).', load: campaigns },
  {
    name: 'campaign dry-run',
    summary: 'Run a draft campaign without crediting anyone: matching records, drivers, distribution, total; optionally to Excel.',
    load: campaigns,
  },
  { name: 'campaign approve', summary: 'Approve the latest dry run of a campaign you did not create (supervisor); refused if the data changed since.', load: campaigns },
  {
    name: 'campaign execute',
    summary: 'Credit an approved campaign in chunks with progress lines; resumes one that was interrupted; never credits a driver twice.',
    load: campaigns,
  },
  { name: 'campaign show', summary: 'A campaign: spec in words, latest dry run, approval, execution result.', load: campaigns },
  { name: 'campaign list', summary: 'Campaigns, newest first.', load: campaigns },
  { name: 'campaign cancel', summary: 'Cancel a draft or approved campaign before it credits anyone (supervisor).', load: campaigns },
  { name: 'campaign export', summary: "Write a campaign's Excel workbook: its dry run before approval, its results after (finance or supervisor).", load: campaigns },
  { name: 'risk rules', summary: 'The risk rules: what each decides, on or off, its version and parameters.', load: risk },
  { name: 'risk rule set', summary: 'Switch a rule on or off, or change its parameters; a new version is stored, the old ones kept.', load: risk },
  { name: 'risk rule history', summary: "Every version of a rule, newest first: what a decision's version meant.", load: risk },
  {
    name: 'risk evaluate',
    summary: 'Run the rules now, as the 5-minute job does: listings expire, drivers are listed, chargers put in maintenance, old reviews alert.',
    load: risk,
  },
  { name: 'risk blacklist', summary: 'The blacklist (黑名单), newest first; by state and driver.', load: risk },
  {
    name: 'risk blacklist add',
    summary: 'Blacklist a driver with a reason, for some days or until lifted: no starts, Authorize answered Blocked, no payment orders.',
    load: risk,
  },
  { name: 'risk blacklist lift', summary: 'Lift a listing with a note: the driver may charge and pay again at once.', load: risk },
  { name: 'risk why', summary: 'Why was this driver refused? Their active listing with the rule, its version and the records it counted.', load: risk },
  {
    name: 'risk health',
    summary: "Every charger's faults, offline episodes, failed starts and metering anomalies over the rules' windows, and any rule's maintenance.",
    load: risk,
  },
  {
    name: 'risk return',
    summary: 'Return a charger a rule put in maintenance to service, with a note of what was checked; the charger is told when DepotDesk is running.',
    load: risk,
  },
  { name: 'risk reviews', summary: 'Sessions held for review (大额订单 and the rest), oldest first.', load: risk },
  { name: 'risk approve', summary: 'Approve a held session (not one you started): it is settled. --driver names who pays when the id tag was unknown.', load: risk },
  {
    name: 'risk reject',
    summary:
      'Reject a held charge (not one you started): settled as metered, and a refund adjustment of the contested amount (all by default) opened for another supervisor.',
    load: risk,
  },
  { name: 'risk writeoffs', summary: 'Debt write-off requests (坏账核销), newest first.', load: risk },
  { name: 'risk writeoff request', summary: 'Ask to write off an open debt; someone else decides.', load: risk },
  { name: 'risk writeoff approve', summary: 'Approve a write-off someone else asked for: the ledger writes off what is still owed.', load: risk },
  { name: 'risk writeoff reject', summary: 'Refuse a write-off with a note; the debt stays.', load: risk },
  {
    name: 'recon import',
    summary: 'Import gateway statements (WeChat Pay bill, Alipay 业务明细 ZIP, aggregator CSV); each file once; runs the finished days they cover.',
    load: recon,
  },
  { name: 'recon run', summary: 'Reconcile a finished day, or each day of a range: gateway ↔ orders ↔ meters (signed-off days are left as they are).', load: recon },
  { name: 'recon days', summary: 'Reconciled days, newest first (default: the last 35 days): state, matched, pending, breaks, sign-off.', load: recon },
  { name: 'recon day', summary: "One day: figures per channel (gateway and ours), pending items, breaks and each charger's energy check.", load: recon },
  { name: 'recon signoff', summary: 'Sign a day off (日结签字): its window has passed and every break is resolved; once.', load: recon },
  { name: 'recon breaks', summary: 'Breaks (差错), by state (unresolved = open or awaiting write-off approval), kind, channel and day.', load: recon },
  { name: 'recon break', summary: 'One break with its history: who did what, when.', load: recon },
  {
    name: 'recon resolve',
    summary: 'Resolve an open break: credit (补单), refund (the payer), explain (a note, no money) or write-off (asks; another finance user approves).',
    load: recon,
  },
  { name: 'recon approve', summary: 'Approve a write-off someone else asked for: the ledger books the loss.', load: recon },
  { name: 'recon reject', summary: 'Refuse a write-off with a note; the break is open again.', load: recon },
  { name: 'recon assign', summary: 'Take a break (认领), or hand it to another operator with --owner.', load: recon },
  { name: 'recon statements', summary: 'Imported statements, newest first: file, channel, merchant, dates, counts and totals.', load: recon },
  { name: 'recon mapping save', summary: "Save (or replace) an aggregator's column mapping from a JSON file (docs/reconciliation.md).", load: recon },
  { name: 'recon mapping list', summary: "Saved column mappings for aggregators' CSV statements.", load: recon },
  {
    name: 'recon report',
    summary: 'The finance report (对账报表) of a day or a range as an Excel workbook: summary per day and channel, breaks, energy, statements.',
    load: recon,
  },
  {
    name: 'recon download',
    summary: "Download the gateways' statements now and import them: the last days not yet in (reconciliation.downloadDays), or one --day.",
    load: reconDownload,
  },
  {
    name: 'hq serve',
    summary: "Headquarters: take every depot's journal from the broker into PostgreSQL and acknowledge it (runs until Ctrl+C).",
    load: hq,
  },
  {
    name: 'hq depots',
    summary: "Headquarters: each depot's journal at HQ — rows stored, rows behind, last batch, any refused row — and the totals.",
    load: hq,
  },
  {
    name: 'hq command',
    summary: 'Headquarters: send a depot a command (risk.authorization_list, tariffs.version, refunds.request); hq serve delivers it, the depot carries it out once.',
    load: hq,
  },
  {
    name: 'hq commands',
    summary: "Headquarters: the commands sent to depots, newest first — sent (not yet reported back), done, or refused with the depot's reason.",
    load: hq,
  },
  {
    name: 'hq uplink',
    summary: "This depot's uplink to HQ: rows behind, what HQ acknowledged of the journal, the last ack, the connection, any refusal or error.",
    load: hq,
  },
];
