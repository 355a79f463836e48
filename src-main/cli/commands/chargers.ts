import { resolveCoreConfig } from '../../boot/core';
import { processAlive, readInstanceFile } from '../../kernel/instance';
import { DepotError } from '../../kernel/errors';
import type { ChargerSummary, MessageLogEntry, Station } from '../../chargers';
import { DEMO_ID_TAGS, runSimulation, SCENARIOS, simChargerId, type Scenario } from '../../chargers';
import { depotClock } from '../depot-time';
import { requireOption, UsageError, type Command, type CommandContext } from '../framework';

function positiveInt(cx: CommandContext, name: string, fallback?: number): number {
  const raw = cx.args[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`, { field: `--${name}` });
    return fallback;
  }
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1, got "${String(raw)}"`, { field: `--${name}` });
  return Number(raw);
}

function positiveNumber(cx: CommandContext, name: string, fallback: number): number {
  const raw = cx.args[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${String(raw)}"`, { field: `--${name}` });
  return n;
}

/** Uses the running instance when there is one (it can talk to the chargers), else this process. */
async function callLiveOrLocal<T>(cx: CommandContext, method: string, params: unknown): Promise<T> {
  const { paths } = resolveCoreConfig({ dataDir: cx.global.dataDir, db: cx.global.db, overrides: cx.global.set });
  if (readInstanceFile(paths)) return (await cx.remote()).call<T>(method, params);
  return cx.call<T>(method, params);
}

function chargerLine(c: ChargerSummary): string {
  const conns = c.connectors.map((k) => `${k.connectorId}:${k.status ?? '?'}${k.faulted ? '!' : ''}`).join(' ');
  return [
    c.id.padEnd(14),
    (c.stationName ?? '(no station)').padEnd(14),
    (c.online ? 'online' : 'offline').padEnd(8),
    (c.status ?? '-').padEnd(12),
    c.maintenance ? 'MAINT' : '     ',
    conns,
    c.registered ? '' : ' (unconfirmed)',
  ].join(' ');
}

/** A --broker value mqtt.js can connect to, or a usage error naming what is wrong with it. */
function brokerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--broker must be a URL such as mqtt://127.0.0.1:1883, got "${raw}"`, { field: '--broker' });
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new UsageError(`--broker must be an mqtt://, mqtts://, ws:// or wss:// URL, got "${raw}"`, { field: '--broker' });
  }
  return raw;
}

/**
 * The broker of the DepotDesk serving this data directory (its instance.json names the real port).
 * Without one and without --broker, simulated chargers would connect to whatever broker holds the
 * configured port (issue 19: another depot's), so that is refused.
 */
function runningBroker(cx: CommandContext): string {
  const { paths } = resolveCoreConfig({ dataDir: cx.global.dataDir, db: cx.global.db, overrides: cx.global.set });
  const info = readInstanceFile(paths);
  const alive = info !== null && processAlive(info.pid);
  if (!alive || !info?.broker) {
    throw new UsageError(
      `no DepotDesk with a charger link is serving ${paths.dataDir}${alive ? ' (its charger link is not running)' : ''}: start it (npm start, or depotdesk serve --data-dir ${paths.dataDir}), or name the broker with --broker URL`,
      { field: '--broker' },
    );
  }
  return info.broker;
}

export const chargerCommands: Command[] = [
  {
    name: 'station add',
    summary: 'Add a station (as a supervisor).',
    usage: 'depotdesk station add --name NAME [--address TEXT] --as OPERATOR [--json]',
    options: { name: { type: 'string' }, address: { type: 'string' } },
    async run(cx) {
      const s = await cx.call<Station>('stations.add', { name: requireOption(cx, 'name'), address: cx.args.address });
      cx.print(s, `station ${s.name} added (id ${s.id})`);
    },
  },
  {
    name: 'station list',
    summary: 'List stations.',
    usage: 'depotdesk station list --as OPERATOR [--json]',
    async run(cx) {
      const list = await cx.call<Station[]>('stations.list');
      cx.print(list, () => list.map((s) => `${s.name.padEnd(20)} ${String(s.chargerCount).padStart(3)} charger(s)  ${s.id}  ${s.address}`).join('\n') || '(no stations)');
    },
  },
  {
    name: 'charger add',
    summary: 'Register a charger: its OCPP id, station, connector count and MQTT password.',
    usage: 'depotdesk charger add --id ID --station S --connectors N --password P (or $DEPOTDESK_CHARGER_PASSWORD) --as OPERATOR [--json]',
    options: { id: { type: 'string' }, station: { type: 'string' }, connectors: { type: 'string' }, password: { type: 'string' } },
    async run(cx) {
      const password = (cx.args.password as string | undefined) ?? process.env.DEPOTDESK_CHARGER_PASSWORD;
      if (!password) throw new UsageError('give the charger MQTT password with --password or $DEPOTDESK_CHARGER_PASSWORD', { field: '--password' });
      const c = await cx.call<ChargerSummary>('chargers.add', {
        id: requireOption(cx, 'id'),
        station: requireOption(cx, 'station'),
        connectors: positiveInt(cx, 'connectors'),
        password,
      });
      cx.print(c, `charger ${c.id} registered at ${c.stationName} with ${c.connectorCount} connector(s); it logs in to MQTT as ${c.id}`);
    },
  },
  {
    name: 'charger list',
    summary: 'List chargers with their live status.',
    usage: 'depotdesk charger list [--station S] --as OPERATOR [--json]',
    options: { station: { type: 'string' } },
    async run(cx) {
      let stationId: string | undefined;
      if (cx.args.station) {
        const stations = await cx.call<Station[]>('stations.list');
        const want = String(cx.args.station).toLowerCase();
        const s = stations.find((x) => x.id === cx.args.station || x.name.toLowerCase() === want);
        if (!s) throw new DepotError('not_found', `no station "${String(cx.args.station)}"`, { field: '--station' });
        stationId = s.id;
      }
      const list = await cx.call<ChargerSummary[]>('chargers.list', stationId ? { stationId } : {});
      cx.print(list, () => list.map(chargerLine).join('\n') || '(no chargers)');
    },
  },
  {
    name: 'charger maintenance',
    summary: 'Switch a charger into (--on) or out of (--off) maintenance; tells the charger when DepotDesk is running.',
    usage: 'depotdesk charger maintenance --id ID --on|--off [--reason TEXT] --as OPERATOR [--json]',
    options: { id: { type: 'string' }, on: { type: 'boolean' }, off: { type: 'boolean' }, reason: { type: 'string' } },
    async run(cx) {
      if (Boolean(cx.args.on) === Boolean(cx.args.off)) throw new UsageError('give exactly one of --on or --off', { field: '--on' });
      const r = await callLiveOrLocal<{ charger: ChargerSummary; availability: string }>(cx, 'chargers.setMaintenance', {
        id: requireOption(cx, 'id'),
        maintenance: Boolean(cx.args.on),
        reason: cx.args.reason,
      });
      cx.print(r, `charger ${r.charger.id} ${r.charger.maintenance ? 'in' : 'out of'} maintenance (charger told: ${r.availability})`);
    },
  },
  {
    name: 'charger messages',
    summary: "Show a charger's message log, newest first.",
    usage: 'depotdesk charger messages --id ID [--limit N] [--before ID] --as OPERATOR [--json]',
    options: { id: { type: 'string' }, limit: { type: 'string' }, before: { type: 'string' } },
    async run(cx) {
      const page = await cx.call<{ items: MessageLogEntry[]; nextBeforeId: number | null }>('chargers.messages', {
        chargerId: requireOption(cx, 'id'),
        limit: positiveInt(cx, 'limit', 50),
        ...(cx.args.before ? { beforeId: positiveInt(cx, 'before') } : {}),
      });
      const iso = depotClock(cx).at;
      cx.print(
        page,
        () =>
          page.items
            .flatMap((m) => {
              const at = iso(m.receivedAt);
              const line = `${at} ${m.direction === 'in' ? '<-' : '->'} ${m.topic} ${m.payload}${m.error ? `   !! ${m.error}` : ''}`;
              // Our answer is stored on the charger's CALL; it went out on the charger's downstream topic.
              return m.answer === null ? [line] : [line, `${at} -> ocpp/cs/${m.chargerId} ${m.answer}`];
            })
            .join('\n') || '(no messages)',
      );
    },
  },
  {
    name: 'broker status',
    summary: "The running instance's MQTT link: state, address, connected chargers.",
    usage: 'depotdesk broker status --as OPERATOR [--json]',
    async run(cx) {
      const s = await (await cx.remote()).call<Record<string, unknown>>('broker.status', {});
      cx.print(s, () =>
        Object.entries(s)
          .map(([k, v]) => `${k.padEnd(18)} ${JSON.stringify(v)}`)
          .join('\n'),
      );
    },
  },
  {
    name: 'simulate',
    summary: 'Run simulated OCPP chargers against a broker (the same protocol code as the back office).',
    usage:
      'depotdesk simulate [--broker mqtt://127.0.0.1:1883] [--chargers N] [--scenario normal|no-start|offline-replay|duplicates|meter-drift|faults] [--rate R] ' +
      '[--prefix SIM-] [--password P] [--connectors N] [--auto-start] [--id-tag TAG[,TAG…]] [--skip-authorize] [--session-seconds S] [--offline-seconds S] [--heartbeat S] [--duration S] ' +
      '[--register --station S --as OPERATOR]',
    options: {
      broker: { type: 'string' },
      chargers: { type: 'string' },
      scenario: { type: 'string' },
      rate: { type: 'string' },
      prefix: { type: 'string' },
      password: { type: 'string' },
      connectors: { type: 'string' },
      'auto-start': { type: 'boolean' },
      'skip-authorize': { type: 'boolean' },
      'id-tag': { type: 'string' },
      'session-seconds': { type: 'string' },
      'offline-seconds': { type: 'string' },
      heartbeat: { type: 'string' },
      duration: { type: 'string' },
      register: { type: 'boolean' },
      station: { type: 'string' },
    },
    async run(cx) {
      const scenario = (cx.args.scenario as string | undefined) ?? 'normal';
      if (!(SCENARIOS as readonly string[]).includes(scenario)) throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}`, { field: '--scenario' });
      const n = positiveInt(cx, 'chargers', 1);
      const prefix = (cx.args.prefix as string | undefined) ?? 'SIM-';
      const password = (cx.args.password as string | undefined) ?? process.env.DEPOTDESK_CHARGER_PASSWORD ?? 'sim-password';
      const connectors = positiveInt(cx, 'connectors', 2);
      const broker = cx.args.broker === undefined ? runningBroker(cx) : brokerUrl(String(cx.args.broker));
      if (cx.args.register) {
        const station = requireOption(cx, 'station');
        const known = new Set((await cx.call<ChargerSummary[]>('chargers.list', {})).filter((c) => c.registered).map((c) => c.id));
        for (let i = 1; i <= n; i += 1) {
          const id = simChargerId(prefix, i);
          if (known.has(id)) continue;
          await cx.call('chargers.add', { id, station, connectors, password });
          cx.progress(`registered ${id} at ${station}`);
        }
      }
      const sim = runSimulation({
        brokerUrl: broker,
        chargers: n,
        scenario: scenario as Scenario,
        rate: positiveNumber(cx, 'rate', 0.2),
        prefix,
        password,
        connectors,
        autoStart: Boolean(cx.args['auto-start']),
        authorize: !cx.args['skip-authorize'],
        // A comma-separated list is used in turn; without one, the demo depot's driver cards.
        idTags:
          typeof cx.args['id-tag'] === 'string'
            ? cx.args['id-tag']
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean)
            : DEMO_ID_TAGS,
        sessionSeconds: positiveNumber(cx, 'session-seconds', 60),
        offlineSeconds: positiveNumber(cx, 'offline-seconds', 20),
        heartbeatSeconds: cx.args.heartbeat === undefined ? undefined : positiveNumber(cx, 'heartbeat', 60),
        log: (line) => cx.progress(line),
      });
      cx.progress(`simulating ${n} charger(s) ${simChargerId(prefix, 1)}… (${scenario}) against ${broker}; Ctrl+C to stop`);
      await sim.ready;
      cx.progress(`booted ${sim.stats.booted}, rejected ${sim.stats.rejected}`);
      if (sim.stats.booted === 0 && sim.stats.rejected === 0) {
        // Not one charger reached the broker: nothing is running, so say so now rather than idle.
        await sim.stop();
        throw new DepotError('unavailable', `no simulated charger could connect to ${broker} (the reason is on the lines above)`, { broker });
      }
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (cx.args.duration !== undefined) setTimeout(done, positiveNumber(cx, 'duration', 1) * 1000).unref();
      });
      await sim.stop();
      cx.print(sim.stats, () =>
        Object.entries(sim.stats)
          .map(([k, v]) => `${k.padEnd(20)} ${v}`)
          .join('\n'),
      );
      return sim.stats.booted === 0 && n > 0 ? 1 : 0;
    },
  },
];
