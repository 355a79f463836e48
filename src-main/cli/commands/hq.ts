import fs from 'node:fs';
import {
  checkBrokerUrl,
  checkPgUrl,
  HQ_DEFAULT_HTTP_PORT,
  hqStatus,
  issueCommand,
  listCommands,
  refusalOf,
  openHqPool,
  redactUrl,
  startHq,
  startHqHttp,
  type HqCommand,
  type HqStatus,
} from '../../hq';
import type { UplinkStatus } from '../../headquarters';
import { resolveCoreConfig } from '../../boot/core';
import { isLoopback } from '../../kernel/config';
import { readInstanceFile } from '../../kernel/instance';
import { createLogger } from '../../kernel/logger';
import { DepotError, isDepotError } from '../../kernel/errors';
import { optionalOption, requireOption, UsageError, type Command, type CommandContext } from '../framework';

/**
 * The headquarters program (docs/headquarters.md "Setting it up"): it runs on HQ's server against
 * PostgreSQL and the broker, never on a depot's data directory, so it opens no depot. The one
 * exception is `hq uplink`, the depot's side: it reads this depot's uplink (headquarters.status).
 */

/** --pg and --broker as given, checked; a wrong one is a usage error naming the option. */
function urlOption(cx: CommandContext, name: 'pg' | 'broker'): string {
  const url = requireOption(cx, name, name === 'pg' ? 'postgres://user@host:5432/database' : 'mqtt://host:1883');
  try {
    if (name === 'pg') checkPgUrl(url, `--${name}`);
    else checkBrokerUrl(url, `--${name}`);
  } catch (e) {
    if (isDepotError(e)) throw new UsageError(e.message, { field: `--${name}` });
    throw e;
  }
  return url;
}

/** PostgreSQL's failures in words: no HQ tables yet, or no PostgreSQL there. */
function pgFailure(e: unknown, url: string): unknown {
  if (isDepotError(e)) return e;
  const code = (e as { code?: unknown }).code;
  if (code === '42P01')
    return new DepotError('not_found', `${redactUrl(url)} has no HQ tables: depotdesk hq serve creates them when it starts on that database`, { field: '--pg' });
  return new DepotError('unavailable', `PostgreSQL at ${redactUrl(url)}: ${(e as Error).message}`, { field: '--pg', code });
}

function ago(ms: number | null): string {
  if (ms === null) return 'never';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7_200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3_600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

const n = (v: number) => v.toLocaleString('en-US');

/** Numbers first, then the depot, then any refusal in words on the line below. */
export function depotsTable(status: HqStatus): string {
  if (status.depots.length === 0) return 'no depot has sent its journal yet';
  const rows = status.depots.map((d) => [n(d.ackedSeq), n(d.lagRows), ago(d.msSinceLastBatch), d.name ? `${d.name} (${d.depotId})` : d.depotId]);
  const head = ['rows stored', 'rows behind', 'last batch', 'depot'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padStart(widths[i]) : i === 3 ? c : c.padEnd(widths[i]))).join('  ');
  const out = [line(head)];
  status.depots.forEach((d, i) => {
    out.push(line(rows[i]));
    if (d.refused) {
      const again = d.refused.repeats > 0 ? ` (sent again ${d.refused.repeats} time(s))` : '';
      out.push(`    REFUSED row ${n(d.refused.seq)}: ${d.refused.words}${again}; ${d.refused.detail}`);
    }
  });
  const t = status.totals;
  out.push('', `${n(t.depots)} depot(s), ${n(t.rows)} rows stored, ${n(t.lagRows)} rows behind, ${n(t.refusing)} refusing a row, ${n(t.alerts)} alert(s) raised in all`);
  return out.join('\n');
}

/** The depot's uplink (headquarters.status): numbers first, then the connection, then what is wrong, in words. */
export function uplinkText(s: UplinkStatus, now: number): string {
  const since = (at: number | null) => (at === null ? 'never' : ago(now - at));
  const lines = [
    `${n(s.lagRows)} rows behind: HQ has up to row ${n(s.ackedSeq)} of ${n(s.tipSeq)}${s.oldestUnackedAt === null ? '' : `; the oldest row it lacks was written ${since(s.oldestUnackedAt)}`}`,
    `last ack ${since(s.lastAckAt)}; connection ${s.connection}${s.connection === 'off' ? (s.enabled ? ' (no uplink runs in this process: start DepotDesk or depotdesk serve)' : ' (hq.enabled is false)') : ''}`,
    `depot ${s.depotName ? `${s.depotName} (${s.depotId})` : s.depotId}`,
  ];
  if (s.refused) lines.push(`REFUSED row ${n(s.refused.seq)} (${s.refused.reason})${s.refused.detail ? `: ${s.refused.detail}` : ''}, ${since(s.refused.at)}`);
  if (s.lastError) lines.push(`last error: ${s.lastError}`);
  return lines.join('\n');
}

/** --http-port: 4830 when absent, 0 for any free port, `off` for no screens. */
function httpPortOption(cx: CommandContext): number | null {
  const v = optionalOption(cx, 'http-port');
  if (v === undefined) return HQ_DEFAULT_HTTP_PORT;
  if (v === 'off') return null;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65_535) throw new UsageError(`--http-port must be a port from 0 to 65535 or off, got "${v}"`, { field: '--http-port' });
  return Number(v);
}

/** --payload JSON or --payload-file FILE (JSON), exactly one. */
function payloadOption(cx: CommandContext): unknown {
  const inline = optionalOption(cx, 'payload');
  const file = optionalOption(cx, 'payload-file');
  if ((inline === undefined) === (file === undefined))
    throw new UsageError('give the payload as --payload JSON or --payload-file FILE (one of them)', { field: '--payload' });
  let text = inline;
  if (file !== undefined) {
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--payload-file ${file}: ${(e as Error).message}`, { field: '--payload-file' });
    }
  }
  try {
    return JSON.parse(text!) as unknown;
  } catch (e) {
    throw new UsageError(`${file === undefined ? '--payload' : `--payload-file ${file}`} is not JSON: ${(e as Error).message}`, {
      field: file === undefined ? '--payload' : '--payload-file',
    });
  }
}

export function commandText(c: HqCommand): string {
  return [
    `command ${c.id} (${c.kind}) for depot ${c.depotId}, issued by ${c.issuedBy}: ${c.state}`,
    'depotdesk hq serve sends it to the depot (at once when the depot next speaks, at the latest within a minute of it being online);',
    'the depot carries it out once and its journal brings the outcome back here.',
  ].join('\n');
}

/** One line per command, newest first; a refusal's reason on the line below. */
export function commandsTable(commands: readonly HqCommand[]): string {
  if (commands.length === 0) return 'no command';
  const out: string[] = [];
  for (const c of commands) {
    const done = c.doneSeq === null ? '' : ` (journal row ${n(c.doneSeq)})`;
    out.push(`${c.issuedAt}  ${c.state.padEnd(7)}  ${c.kind}  depot ${c.depotId}  by ${c.issuedBy}  ${c.id}${done}`);
    const reason = refusalOf(c);
    if (reason) out.push(`    REFUSED by the depot: ${reason}`);
  }
  return out.join('\n');
}

const STATES = ['sent', 'done', 'refused'] as const;

export const hqCommands: Command[] = [
  {
    name: 'hq serve',
    summary: "Headquarters: take every depot's journal from the broker into PostgreSQL and acknowledge it (runs until Ctrl+C).",
    usage:
      'depotdesk hq serve --pg postgres://user@host/db --broker mqtt://host:1883 [--username NAME --password SECRET] [--pool N] [--http-port N (4830; 0 any free, off: none)] [--host ADDRESS --allow-lan]',
    options: {
      pg: { type: 'string' },
      broker: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      pool: { type: 'string' },
      'http-port': { type: 'string' },
      host: { type: 'string' },
      'allow-lan': { type: 'boolean' },
    },
    async run(cx) {
      const pgUrl = urlOption(cx, 'pg');
      const brokerUrl = urlOption(cx, 'broker');
      const pool = optionalOption(cx, 'pool');
      if (pool !== undefined && !/^[1-9]\d{0,2}$/.test(pool))
        throw new UsageError(`--pool must be a number of connections from 1 to 999, got "${pool}"`, { field: '--pool' });
      const password = optionalOption(cx, 'password') ?? process.env.DEPOTDESK_HQ_BROKER_PASSWORD;
      const httpPort = httpPortOption(cx);
      const host = optionalOption(cx, 'host');
      // Checked before the broker is waited for: startHqHttp would refuse it only once connected.
      if (host !== undefined && !cx.args['allow-lan'] && !isLoopback(host))
        throw new UsageError(`--host ${host} is not loopback; add --allow-lan to serve HQ's screens on the network`, { field: '--host' });
      const logger = createLogger({ level: process.env.DEPOTDESK_LOG_LEVEL ?? 'info' });
      const hq = await startHq({
        pgUrl,
        brokerUrl,
        username: optionalOption(cx, 'username'),
        password,
        poolSize: pool === undefined ? undefined : Number(pool),
        logger,
      });
      // The HQ screens (docs/headquarters.md "The HQ screens"): read-only, for whoever holds the printed URL.
      let screensError: string | null = null;
      const screens =
        httpPort === null
          ? null
          : // The ingestor goes on without its screens (a port in use, say): the depots' journals matter more.
            await startHqHttp({ pool: hq.pool, logger, port: httpPort, host, allowLan: Boolean(cx.args['allow-lan']) }).catch((e: unknown) => {
              screensError = (e as Error).message;
              logger.error({ err: screensError, port: httpPort }, 'HQ screens not served; ingesting goes on');
              return null;
            });
      cx.print(
        { broker: hq.brokerUrl, pg: hq.pgUrl, pid: process.pid, url: screens?.url ?? null, loginUrl: screens?.loginUrl ?? null, screensError },
        [
          `DepotDesk HQ is taking depot journals from ${hq.brokerUrl} (depot/+/journal) into ${hq.pgUrl}`,
          'and sending depots the commands issued with depotdesk hq command (depot/+/commands).',
          ...(screens ? [`HQ screens (read-only): open ${screens.loginUrl}`] : []),
          ...(screensError ? [`HQ screens not served (${screensError}); choose another --http-port, or off`] : []),
          'Press Ctrl+C to stop.',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await screens?.close();
      await hq.stop();
    },
  },
  {
    name: 'hq depots',
    summary: "Headquarters: each depot's journal at HQ — rows stored, rows behind, last batch, any refused row — and the totals.",
    usage: 'depotdesk hq depots --pg postgres://user@host/db [--json]',
    options: { pg: { type: 'string' } },
    async run(cx) {
      const url = urlOption(cx, 'pg');
      const pool = openHqPool(url, { max: 1 });
      try {
        const status = await hqStatus(pool).catch((e: unknown) => {
          throw pgFailure(e, url);
        });
        cx.print(status, () => depotsTable(status));
      } finally {
        await pool.end();
      }
    },
  },
  {
    name: 'hq command',
    summary: 'Headquarters: send a depot a command (risk.authorization_list, tariffs.version, refunds.request); hq serve delivers it, the depot carries it out once.',
    usage: 'depotdesk hq command --pg postgres://user@host/db --depot ID --kind KIND (--payload JSON | --payload-file FILE) --as NAME [--json]',
    options: { pg: { type: 'string' }, depot: { type: 'string' }, kind: { type: 'string' }, payload: { type: 'string' }, 'payload-file': { type: 'string' } },
    async run(cx) {
      const url = urlOption(cx, 'pg');
      const depotId = requireOption(cx, 'depot', "the depot's id, as depotdesk hq depots shows it");
      const kind = requireOption(cx, 'kind', 'risk.authorization_list, tariffs.version or refunds.request');
      const issuedBy = cx.global.as?.trim();
      if (!issuedBy) throw new UsageError('--as is required (your name at headquarters: the depot records who issued the command)', { field: '--as' });
      const payload = payloadOption(cx);
      const pool = openHqPool(url, { max: 1 });
      try {
        const command = await issueCommand(pool, { depotId, kind, payload, issuedBy }).catch((e: unknown) => {
          throw pgFailure(e, url);
        });
        // Stored all the same (a new depot may not have connected yet), but a mistyped id would wait forever.
        const known = await pool.query('SELECT 1 FROM hq_depots WHERE depot_id = $1', [depotId]);
        if (known.rowCount === 0) {
          process.stderr.write(
            `warning: HQ has not heard from depot ${depotId} yet (depotdesk hq depots lists those it has); the command waits until a depot with this id connects\n`,
          );
        }
        cx.print(command, () => commandText(command));
      } finally {
        await pool.end();
      }
    },
  },
  {
    name: 'hq commands',
    summary: "Headquarters: the commands sent to depots, newest first — sent (not yet reported back), done, or refused with the depot's reason.",
    usage: 'depotdesk hq commands --pg postgres://user@host/db [--depot ID] [--state sent|done|refused] [--limit N] [--json]',
    options: { pg: { type: 'string' }, depot: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' } },
    async run(cx) {
      const url = urlOption(cx, 'pg');
      const state = optionalOption(cx, 'state');
      if (state !== undefined && !(STATES as readonly string[]).includes(state))
        throw new UsageError(`--state must be sent, done or refused, got "${state}"`, { field: '--state' });
      const limit = optionalOption(cx, 'limit');
      if (limit !== undefined && !/^[1-9]\d{0,4}$/.test(limit)) throw new UsageError(`--limit must be a number from 1 to 99999, got "${limit}"`, { field: '--limit' });
      const pool = openHqPool(url, { max: 1 });
      try {
        const commands = await listCommands(pool, {
          depotId: optionalOption(cx, 'depot'),
          state: state as HqCommand['state'] | undefined,
          limit: limit === undefined ? undefined : Number(limit),
        }).catch((e: unknown) => {
          throw pgFailure(e, url);
        });
        cx.print({ commands }, () => commandsTable(commands));
      } finally {
        await pool.end();
      }
    },
  },
  {
    name: 'hq uplink',
    summary: "This depot's uplink to HQ: rows behind, what HQ acknowledged of the journal, the last ack, the connection, any refusal or error.",
    usage: 'depotdesk hq uplink --as OPERATOR [--json]',
    async run(cx) {
      // The running instance knows the connection; without one, this process reads the same state.
      const { paths } = resolveCoreConfig({ dataDir: cx.global.dataDir, db: cx.global.db, overrides: cx.global.set });
      const status = readInstanceFile(paths)
        ? await (await cx.remote()).call<UplinkStatus>('headquarters.status', {})
        : await cx.call<UplinkStatus>('headquarters.status', {});
      cx.print(status, () => uplinkText(status, Date.now()));
    },
  },
];
