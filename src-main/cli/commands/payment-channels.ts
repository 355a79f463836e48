import fs from 'node:fs';
import type { MethodOutput } from '../../contract/types';
import { DepotError } from '../../kernel/errors';
import { depotClock, type TimeText } from '../depot-time';
import { optionalOption, requireId, requireOption, UsageError, type Command, type CommandContext } from '../framework';

/**
 * Payment channels from the command line (issue 20): what Settings → 支付渠道 does, through the
 * same contract methods (admins only, audited with the secrets blanked), and the two steps of an
 * order's life a depot PC runs by itself: asking the gateway (查询订单) and the timeout's close.
 *
 * A secret goes one way only: from the credentials file into payments.saveCredentials. What comes
 * back and is printed is the stored summary (merchant id, serials, key fingerprints), never a key;
 * an error names the field, not its value (payments/credentials.ts).
 */

type Channels = MethodOutput<'payments.channels'>;
type Credentials = MethodOutput<'payments.saveCredentials'>;
type Confirmed = MethodOutput<'payments.confirm'>;
type Expired = MethodOutput<'payments.expireNow'>;

const CHANNELS = ['wechat', 'alipay'] as const;
type Channel = (typeof CHANNELS)[number];

function channelArg(cx: CommandContext, command: string): Channel {
  const v = requireId(cx, command, 'channel (wechat or alipay)');
  const c = CHANNELS.find((x) => x === v);
  if (!c) throw new UsageError(`${command}: the channel must be wechat or alipay, got "${v}"`, { field: 'CHANNEL' });
  return c;
}

/** The credentials file: `{ "settings": {…}, "secrets": {…} }` as Settings' form sends them (docs/payments.md). */
function readCredentialsFile(file: string): { settings: unknown; secrets: unknown } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--from-file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { field: '--from-file' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    // Not the parser's message: it quotes the text around the error, which may be a key.
    throw new UsageError(`--from-file: ${file} is not JSON`, { field: '--from-file' });
  }
  if (typeof parsed !== 'object' || parsed === null || !('settings' in parsed) || !('secrets' in parsed)) {
    throw new UsageError(`--from-file: ${file} must hold an object with "settings" and "secrets"`, { field: '--from-file' });
  }
  const { settings, secrets, ...rest } = parsed as { settings: unknown; secrets: unknown };
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new UsageError(`--from-file: ${file} has unknown key(s) ${extra.join(', ')} (only settings and secrets)`, { field: '--from-file' });
  return { settings, secrets };
}

function credentialLines(c: Credentials | null, at: TimeText): string[] {
  if (!c) return [`  ${'credentials'.padEnd(15)}none stored`];
  const test = c.testedAt === null ? 'not tested' : `${c.testOk ? 'ok' : 'FAILED'} at ${at(c.testedAt)}: ${c.testMessage ?? ''}`;
  return [
    `  ${'credentials'.padEnd(15)}version ${c.version}, saved by ${c.updatedBy} at ${at(c.updatedAt)}`,
    ...Object.entries(c.summary).map(([k, v]) => `  ${k.padEnd(15)}${v}`),
    `  ${'last test'.padEnd(15)}${test}`,
  ];
}

function channelText(v: Channels[number], at: TimeText): string {
  const h = v.health;
  const health = !h ? '' : h.online ? '  online' : `  OFFLINE since ${at(h.changedAt)}: ${h.lastError ?? ''}`;
  return [`${v.channel}: ${v.provider} (${v.source})${health}`, ...credentialLines(v.credentials, at)].join('\n');
}

const channelCommands: Command[] = [
  {
    name: 'payments channel show',
    summary: 'The payment channels: the gateway behind each, the summary of its stored credentials (never a key), its last test and whether it answered lately.',
    usage: 'depotdesk payments channel show --as OPERATOR [--json]',
    async run(cx) {
      const list = await cx.call<Channels>('payments.channels', {});
      cx.print(list, () => list.map((v) => channelText(v, depotClock(cx).at)).join('\n'));
    },
  },
  {
    name: 'payments channel set',
    summary: "Store a channel's merchant credentials from a JSON file (settings and secrets, as entered in Settings → 支付渠道), sealed; every key is checked first.",
    usage: 'depotdesk payments channel set wechat|alipay --from-file creds.json --as ADMIN [--json]',
    allowPositionals: true,
    options: { 'from-file': { type: 'string' } },
    async run(cx) {
      const channel = channelArg(cx, 'payments channel set');
      const { settings, secrets } = readCredentialsFile(requireOption(cx, 'from-file', 'a JSON file with settings and secrets'));
      // The version this admin replaces: the stored one now (a save by someone else in between is still refused by the core).
      const current = (await cx.call<Channels>('payments.channels', {})).find((c) => c.channel === channel);
      const saved = await cx.call<Credentials>('payments.saveCredentials', { channel, expectedVersion: current?.credentials?.version ?? 0, settings, secrets });
      cx.print(saved, () =>
        [`${channel}: credentials saved`, ...credentialLines(saved, depotClock(cx).at), `test them with: depotdesk payments channel test ${channel}`].join('\n'),
      );
    },
  },
  {
    name: 'payments channel test',
    summary: "Make one harmless signed call to a channel's gateway with its stored credentials and record the outcome; exit 1 when it failed.",
    usage: 'depotdesk payments channel test wechat|alipay --as ADMIN [--json]',
    allowPositionals: true,
    async run(cx) {
      const channel = channelArg(cx, 'payments channel test');
      const r = await cx.call<Credentials>('payments.testConnection', { channel });
      cx.print(r, () => `${channel}: connection test ${r.testOk ? 'ok' : 'FAILED'}: ${r.testMessage ?? ''}`);
      return r.testOk ? 0 : 1;
    },
  },
];

const orderCommands: Command[] = [
  {
    name: 'order confirm',
    summary:
      'Ask the gateway about a pending order now (查询订单; --via query, the default): a payment found is booked once. --via notification is the simulated gateway’s demo payment.',
    usage: 'depotdesk order confirm ORDER [--via query|notification] --as OPERATOR [--json]',
    allowPositionals: true,
    options: { via: { type: 'string' } },
    async run(cx) {
      const orderId = requireId(cx, 'order confirm', 'order id or number');
      const via = optionalOption(cx, 'via') ?? 'query';
      if (via !== 'query' && via !== 'notification') throw new UsageError(`--via must be query or notification, got "${via}"`, { field: '--via' });
      const r = await cx.call<Confirmed>('payments.confirm', { orderId, via });
      const state = r.order?.state ?? 'none';
      cx.print(r, () => `order ${r.order?.number ?? orderId}: ${r.outcome} (${state})${r.tradeState ? `, the gateway says ${r.tradeState}` : ''}`);
      return state === 'PAID' ? 0 : 1;
    },
  },
  {
    name: 'order expire',
    summary:
      'Run the payment timeout now, as the minute job does: orders pending past payments.orderTimeoutMs are closed at the gateway, then cancelled with coupon and points restored.',
    usage: 'depotdesk order expire --as SUPERVISOR [--json]',
    async run(cx) {
      // The job's own body, as a supervisor's audited command: it acts only on orders already past their timeout.
      const r = await cx.call<Expired>('payments.expireNow', {});
      const lines = [
        `${r.cancelled.length} cancelled, ${r.paid.length} found paid and booked, ${r.offline.length} left pending (gateway unreachable), ${r.failed.length} refused`,
        ...r.cancelled.map((c) => `${c.number}  cancelled (gateway: ${c.gateway}); restored coupon ${c.restoredCouponFen} fen, points ${c.restoredPoints}`),
        ...r.paid.map((n) => `${n}  paid at the gateway before the close: booked`),
        ...r.offline.map((o) => `${o.number}  pending: ${o.message}`),
        ...r.failed.map((f) => `${f.number}  REFUSED [${f.code}] ${f.message}${f.parked ? ' (parked for a supervisor)' : ''}`),
      ];
      cx.print(r, () => lines.join('\n'));
      if (r.failed.length > 0) throw new DepotError('refused', `${r.failed.length} expired order(s) could not be cancelled: ${r.failed.map((f) => f.number).join(', ')}`);
      return r.offline.length > 0 ? 1 : 0;
    },
  },
];

export const paymentChannelCommands: Command[] = [...channelCommands, ...orderCommands];
