import { businessDate } from '../../kernel/clock';
import { CHANNELS, verifyLedger } from '../../ledger';
import type { MethodOutput } from '../../contract/types';
import { formatFen, parsePositiveYuan } from '../../money';
import { maskPhone } from '../../kernel/phone';
import { memoText } from '../../../src-renderer/lib/memoText';
import { optionalOption, requireOption, UsageError, type Command, type CommandContext } from '../framework';
import { driverIdOf, driverRef } from '../session-ref';
import { cliWords } from '../words';

/**
 * Ledger commands. Everything that reads or moves a driver's money goes through cx.call, so the
 * --as operator's role is checked and commands land in the audit log exactly as in the app.
 * Options are checked here first, so a bad value is a usage error (exit 2) naming the option.
 */

function yuan(cx: CommandContext, option: string): string {
  const text = requireOption(cx, option, 'yuan, like 100.00');
  // Same parser as the contract, so the message names the option the operator typed.
  parsePositiveYuan(text, `--${option}`);
  return text;
}

function dateOption(cx: CommandContext, option: string): string | undefined {
  const v = optionalOption(cx, option);
  if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new UsageError(`--${option} must be a date yyyy-MM-dd, got "${v}"`, { field: `--${option}` });
  return v;
}

/** --driver as people know a driver, by phone number (exact) or by id; the core is told the id. */
async function driverIdOption(cx: CommandContext): Promise<string> {
  const given = requireOption(cx, 'driver', "the driver's phone number or id");
  return (await driverRef((method, params) => cx.call(method, params), given)).id;
}

function list(cx: CommandContext, option: string): string[] {
  const v = cx.args[option];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [String(v)]).map((s) => s.trim()).filter(Boolean);
}

function when(at: number, zone: string): string {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(at));
  return `${businessDate(at, zone)} ${time}`;
}

export const ledgerCommands: Command[] = [
  {
    name: 'driver add',
    summary: 'Register a driver with a wallet.',
    usage: 'depotdesk driver add --name N --phone P [--tag CARD]... [--vin VIN]... [--note TEXT] --as OPERATOR [--json]',
    options: {
      name: { type: 'string' },
      phone: { type: 'string' },
      tag: { type: 'string', multiple: true },
      vin: { type: 'string', multiple: true },
      note: { type: 'string' },
    },
    async run(cx) {
      const d = await cx.call<MethodOutput<'drivers.add'>>('drivers.add', {
        name: requireOption(cx, 'name', "the driver's name"),
        phone: requireOption(cx, 'phone', "the driver's phone number"),
        tags: list(cx, 'tag'),
        vins: list(cx, 'vin'),
        note: optionalOption(cx, 'note'),
      });
      cx.print(d, `driver ${d.name} (${maskPhone(d.phone)}) added: id ${d.id}${d.tags.length ? `, tags ${d.tags.map((t) => t.tag).join(', ')}` : ''}`);
    },
  },
  {
    name: 'driver list',
    summary: 'List drivers with their balances (search by name, phone, card or VIN).',
    usage: 'depotdesk driver list [--search TEXT] [--limit N] --as OPERATOR [--json]',
    options: { search: { type: 'string' }, limit: { type: 'string' } },
    async run(cx) {
      const limit = optionalOption(cx, 'limit');
      if (limit !== undefined && !/^\d+$/.test(limit)) throw new UsageError(`--limit must be a whole number, got "${limit}"`, { field: '--limit' });
      const r = await cx.call<MethodOutput<'drivers.list'>>('drivers.list', { search: optionalOption(cx, 'search'), limit: limit ? Number(limit) : undefined });
      cx.print(r, () =>
        [
          `${r.total} driver(s)`,
          ...r.drivers.map(
            (d) =>
              `${d.id}  ${d.name.padEnd(12)} ${maskPhone(d.phone).padEnd(14)} balance ${d.balance.yuan.padStart(10)}  held ${d.held.yuan.padStart(8)}  owed ${d.owed.yuan.padStart(8)}  ${d.points} pts`,
          ),
        ].join('\n'),
      );
    },
  },
  {
    name: 'wallet topup',
    summary: 'Top up a wallet (open debts are collected first).',
    usage: 'depotdesk wallet topup --driver PHONE|ID --amount 100.00 --key K [--channel cash|wechat|alipay] [--memo TEXT] --as OPERATOR [--json]',
    options: { driver: { type: 'string' }, amount: { type: 'string' }, key: { type: 'string' }, channel: { type: 'string' }, memo: { type: 'string' } },
    async run(cx) {
      const driverGiven = requireOption(cx, 'driver', "the driver's phone number or id");
      const amount = yuan(cx, 'amount');
      const key = requireOption(cx, 'key', 'an idempotency key, e.g. topup:<receipt number>');
      const channel = optionalOption(cx, 'channel') ?? 'cash';
      if (!(CHANNELS as readonly string[]).includes(channel)) {
        throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}, got "${channel}"`, { field: '--channel' });
      }
      const driverId = await driverIdOf((method, params) => cx.call(method, params), driverGiven);
      const r = await cx.call<MethodOutput<'wallet.topup'>>('wallet.topup', { driverId, amount, key, channel, memo: optionalOption(cx, 'memo') });
      cx.print(r, () =>
        [
          `${r.replayed ? 'already done (same key, same top-up): ' : ''}topped up ${r.amount.yuan} yuan for ${r.driverName} by ${r.channel}, batch ${r.batch}`,
          ...(r.collected.length ? [`collected ${r.collectedTotal.yuan} yuan of open debts first`] : []),
          `wallet ${r.wallet.balance.yuan} yuan, held ${r.wallet.held.yuan}, available ${r.wallet.available.yuan}`,
        ].join('\n'),
      );
    },
  },
  {
    name: 'wallet show',
    summary: "Show a driver's balance, held, debt, available, coupons and points.",
    usage: 'depotdesk wallet show --driver PHONE|ID --as OPERATOR [--json]',
    options: { driver: { type: 'string' } },
    async run(cx) {
      const w = await cx.call<MethodOutput<'wallet.show'>>('wallet.show', { driverId: await driverIdOption(cx) });
      const out = {
        driverId: w.driver.id,
        name: w.driver.name,
        balance: w.wallet.balance,
        held: w.wallet.held,
        available: w.wallet.available,
        debt: w.debt.owed,
        hasOpenDebt: w.hasOpenDebt,
        points: w.points,
        couponsAvailable: w.couponsAvailable,
        coupons: w.coupons,
        openDebts: w.debt.open,
        holds: w.holds,
      };
      cx.print(out, () =>
        [
          // The phone masked as everywhere else the CLI names a driver (138****5678); --json keeps it whole.
          `${w.driver.name} (${maskPhone(w.driver.phone)})`,
          `balance   ${w.wallet.balance.yuan}`,
          `held      ${w.wallet.held.yuan}`,
          `available ${w.wallet.available.yuan}`,
          `debt      ${w.debt.owed.yuan}${w.hasOpenDebt ? '  (open debt: new sessions may be refused)' : ''}`,
          `coupons   ${w.couponsAvailable.yuan} on ${w.coupons.filter((c) => c.status === 'active').length} active coupon(s)`,
          `points    ${w.points}`,
        ].join('\n'),
      );
    },
  },
  {
    name: 'ledger statement',
    summary: "A driver's statement (流水) with running balances.",
    usage: 'depotdesk ledger statement --driver PHONE|ID [--from yyyy-MM-dd] [--to yyyy-MM-dd] [--account wallet|debt|points|coupon]... --as OPERATOR [--json]',
    options: { driver: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, account: { type: 'string', multiple: true } },
    async run(cx) {
      const accounts = list(cx, 'account');
      for (const a of accounts) {
        if (!['wallet', 'debt', 'points', 'coupon'].includes(a))
          throw new UsageError(`--account must be wallet, debt, points or coupon, got "${a}"`, { field: '--account' });
      }
      const from = dateOption(cx, 'from');
      const to = dateOption(cx, 'to');
      const s = await cx.call<MethodOutput<'ledger.statement'>>('ledger.statement', {
        driverId: await driverIdOption(cx),
        from,
        to,
        accounts: accounts.length ? accounts : undefined,
      });
      const zone = cx.openApp().clock.timeZone;
      // Sessions by their numbers (CD…) and memos in words, as the statement on screen shows them.
      const sessionIds = [...new Set(s.lines.map((l) => l.sessionId).filter((x): x is string => Boolean(x)))];
      const numbers: Record<string, string> = {};
      for (let i = 0; i < sessionIds.length; i += 500)
        Object.assign(numbers, await cx.call<Record<string, string>>('sessions.numbers', { ids: sessionIds.slice(i, i + 500) }));
      const session = (id: string) => numbers[id] ?? id;
      const words = cliWords;
      cx.print(s, () =>
        [
          `statement of ${s.driver.name} (${maskPhone(s.driver.phone)})${s.from || s.to ? ` ${s.from ?? '…'} to ${s.to ?? '…'}` : ''}`,
          `opening wallet ${s.opening.wallet.balance.yuan} (held ${s.opening.wallet.held.yuan}), debt ${s.opening.debt.yuan}, points ${s.opening.points}`,
          ...s.lines.map((l) =>
            `${when(l.at, zone)}  #${String(l.batch).padEnd(5)} ${l.account.padEnd(7)} ${l.code.padEnd(18)} ${l.amountText.padStart(10)}${l.heldChange ? ` held ${l.heldChange > 0 ? '+' : ''}${formatFen(l.heldChange)}` : ''}  = ${l.balanceAfterText.padStart(10)}  ${l.operatorName ?? ''} ${l.sessionId ? session(l.sessionId) : ''} ${memoText(l.memo, words, session)}`.trimEnd(),
          ),
          `closing wallet ${s.closing.wallet.balance.yuan} (held ${s.closing.wallet.held.yuan}), debt ${s.closing.debt.yuan}, points ${s.closing.points}`,
          ...(s.truncated ? [`(the newest ${s.lines.length} lines; earlier ones are left out: narrow with --from/--to)`] : []),
        ].join('\n'),
      );
    },
  },
  {
    name: 'ledger verify',
    summary: 'Check the ledger invariants; exit 1 listing every violation.',
    usage: 'depotdesk ledger verify [--as FINANCE] [--json]',
    async run(cx) {
      // Like `audit verify`: a read-only check of the local database, for whoever sits at the
      // depot PC; with --as it goes through the contract like any other query.
      const report = cx.global.as ? await cx.call<MethodOutput<'ledger.verify'>>('ledger.verify') : verifyLedger(cx.openApp());
      cx.print(report, () =>
        [
          report.ok
            ? `ledger ok: ${report.counts.transfers} transfers, ${report.counts.accounts} accounts, every invariant holds (${report.durationMs} ms)`
            : `ledger has ${report.violations.length} violation(s) (${report.durationMs} ms):`,
          ...report.violations.map((v) => `VIOLATION ${v.kind}: ${v.message}`),
          ...report.warnings.map((w) => `warning ${w.kind}: ${w.message}`),
        ].join('\n'),
      );
      if (!report.ok && cx.global.json) for (const v of report.violations) process.stderr.write(`${v.kind}: ${v.message}\n`);
      return report.ok ? 0 : 1;
    },
  },
  {
    name: 'coupon grant',
    summary: 'Grant an amount coupon to a driver.',
    usage: 'depotdesk coupon grant --driver PHONE|ID --amount 20.00 --key K [--expires yyyy-MM-dd] [--campaign C] [--memo TEXT] --as FINANCE [--json]',
    options: {
      driver: { type: 'string' },
      amount: { type: 'string' },
      key: { type: 'string' },
      expires: { type: 'string' },
      campaign: { type: 'string' },
      memo: { type: 'string' },
    },
    async run(cx) {
      const driverGiven = requireOption(cx, 'driver', "the driver's phone number or id");
      const amount = yuan(cx, 'amount');
      const key = requireOption(cx, 'key', 'an idempotency key');
      const expiresOn = dateOption(cx, 'expires');
      const driverId = await driverIdOf((method, params) => cx.call(method, params), driverGiven);
      const r = await cx.call<MethodOutput<'coupons.grant'>>('coupons.grant', {
        driverId,
        amount,
        key,
        expiresOn,
        campaignId: optionalOption(cx, 'campaign'),
        memo: optionalOption(cx, 'memo'),
      });
      cx.print(r, `${r.replayed ? 'already done (same key): ' : ''}coupon ${r.couponId} worth ${r.face.yuan} yuan granted`);
    },
  },
  {
    name: 'points grant',
    summary: 'Grant points to a driver.',
    usage: 'depotdesk points grant --driver PHONE|ID --points 100 --key K [--campaign C] [--memo TEXT] --as FINANCE [--json]',
    options: { driver: { type: 'string' }, points: { type: 'string' }, key: { type: 'string' }, campaign: { type: 'string' }, memo: { type: 'string' } },
    async run(cx) {
      const driverGiven = requireOption(cx, 'driver', "the driver's phone number or id");
      const text = requireOption(cx, 'points', 'a whole number of points');
      if (!/^\d{1,10}$/.test(text) || Number(text) < 1 || Number(text) > 1_000_000_000) {
        throw new UsageError(`--points must be a whole number from 1 to 1000000000, got "${text}"`, { field: '--points' });
      }
      const key = requireOption(cx, 'key', 'an idempotency key');
      const driverId = await driverIdOf((method, params) => cx.call(method, params), driverGiven);
      const r = await cx.call<MethodOutput<'points.grant'>>('points.grant', {
        driverId,
        points: Number(text),
        key,
        campaignId: optionalOption(cx, 'campaign'),
        memo: optionalOption(cx, 'memo'),
      });
      cx.print(r, `${r.replayed ? 'already done (same key): ' : ''}${r.points} points granted; balance ${r.balance}`);
    },
  },
];
