import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DepotError } from './errors';
import { isValidTimeZone } from './clock';

/** payments.wechat: what a WeChat Pay merchant (商户号) needs; docs/payments.md "WeChat Pay (API v3)". */
const wechatConfigSchema = z
  .strictObject({
    /** 商户号 */
    mchid: z.string().default(''),
    /** The APPID bound to the merchant (公众号/小程序/开放平台). */
    appid: z.string().default(''),
    apiBaseUrl: z.url({ protocol: /^https$/ }).default('https://api.mch.weixin.qq.com'),
    /** Where WeChat Pay posts 支付结果通知 (https, reachable from the internet); required by the API even when we confirm by query. */
    notifyUrl: z.string().default(''),
    /** The merchant API certificate's serial number (商户API证书序列号). */
    merchantSerial: z.string().default(''),
    /** PEM file of the merchant API private key (apiclient_key.pem). */
    merchantKeyFile: z.string().default(''),
    /** The platform certificate's serial, or the WeChat Pay public key id (PUB_KEY_ID_…). */
    platformSerial: z.string().default(''),
    /** PEM file of the platform certificate or of the WeChat Pay public key. */
    platformCertFile: z.string().default(''),
    /** A file holding the 32-character API v3 key (mode 0600)… */
    apiV3KeyFile: z.string().default(''),
    /** …or the environment variable holding it (used when apiV3KeyFile is empty). */
    apiV3KeyEnv: z.string().default('DEPOTDESK_WECHATPAY_APIV3_KEY'),
    /** An extra CA (PEM) to trust for apiBaseUrl, besides the system's (a test stub, a TLS-inspecting proxy). */
    caFile: z.string().default(''),
    /** A call not answered within this long has an unknown outcome (queried later, never assumed failed). */
    timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  })
  .prefault({});

/** With payments.provider.wechat = 'wechat', every key WeChat Pay needs must be set; the error names the missing one. */
function requireWechatSetup(p: { provider: 'simulated' | { wechat: string }; wechat: Record<string, unknown> }, ctx: z.RefinementCtx): void {
  if (p.provider === 'simulated' || p.provider.wechat !== 'wechat') return;
  for (const key of ['mchid', 'appid', 'notifyUrl', 'merchantSerial', 'merchantKeyFile', 'platformSerial', 'platformCertFile'] as const) {
    if (!p.wechat[key]) ctx.addIssue({ code: 'custom', path: ['wechat', key], message: `required when payments.provider.wechat is "wechat"` });
  }
  if (!p.wechat.apiV3KeyFile && !p.wechat.apiV3KeyEnv) {
    ctx.addIssue({ code: 'custom', path: ['wechat', 'apiV3KeyFile'], message: 'the API v3 key needs apiV3KeyFile or apiV3KeyEnv' });
  }
  if (typeof p.wechat.notifyUrl === 'string' && p.wechat.notifyUrl && !p.wechat.notifyUrl.startsWith('https://')) {
    ctx.addIssue({ code: 'custom', path: ['wechat', 'notifyUrl'], message: 'must be an https:// URL' });
  }
}

/**
 * hq: this depot's uplink to headquarters (docs/headquarters.md "Each depot's settings"): the
 * journal sent over MQTT to HQ's broker. Off by default; a depot runs the same without it.
 */
const hqConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** HQ's broker: mqtt://host:1883 or mqtts://host:8883 (required when enabled). */
    brokerUrl: z
      .string()
      .refine((u) => u === '' || /^mqtts?:\/\/[^/]/.test(u), { message: 'must be an mqtt:// or mqtts:// URL' })
      .default(''),
    /** The depot's own login on HQ's broker (its ACL lets it write depot/{id}/journal and read depot/{id}/ack). */
    username: z.string().default(''),
    password: z.string().default(''),
    /** Empty: depotdesk-uplink-<depot id>. */
    clientId: z.string().default(''),
    /** mqtts:// only: a PEM file of the CA that signed HQ's broker certificate, when it is not a public one. */
    caFile: z.string().default(''),
    /** The depot's name on HQ's screens; the depot's id never changes, its name may. */
    depotName: z.string().default(''),
    /** Journal rows per message at most. */
    batchRows: z.number().int().min(1).max(5_000).default(500),
    /** A message is cut before this many bytes (whatever batchRows says), under the broker's packet limit; a single larger row goes alone. */
    maxBatchBytes: z
      .number()
      .int()
      .min(4_096)
      .max(64 * 1024 * 1024)
      .default(256 * 1024),
    /** A batch HQ has not acknowledged within this long is sent again from the acknowledged sequence. */
    ackTimeoutMs: z.number().int().min(50).max(600_000).default(10_000),
    /** How often an idle uplink looks for new journal rows. */
    pollMs: z.number().int().min(10).max(600_000).default(1_000),
    /** Acknowledged rows younger than this are kept, so an HQ restored from an older backup can be filled again. */
    keepDays: z.number().int().min(0).max(3_650).default(7),
  })
  .superRefine((hq, ctx) => {
    if (hq.enabled && !hq.brokerUrl)
      ctx.addIssue({ code: 'custom', path: ['brokerUrl'], message: 'required when hq.enabled is true (mqtt://host:1883 or mqtts://host:8883)' });
  })
  .prefault({});

/**
 * Configuration lives in <data dir>/config.json. Every key has a default, so a fresh data
 * directory needs no file at all; any key can be overridden for one run with `--set key=value`.
 */
export const configSchema = z
  .strictObject({
    timeZone: z.string().refine(isValidTimeZone, { message: 'not a known IANA time zone' }).default('Asia/Shanghai'),
    locale: z.enum(['zh-CN', 'en-US']).default('zh-CN'),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    http: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(4820),
        /** Binding to anything but loopback must be switched on deliberately. */
        allowLan: z.boolean().default(false),
      })
      .prefault({}),
    broker: z
      .strictObject({
        /** 'embedded' starts aedes inside the app; otherwise an mqtt:// or mqtts:// URL. */
        mode: z.enum(['embedded', 'external']).default('embedded'),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(1883),
        url: z.string().default(''),
        /** Binding the embedded broker to anything but loopback must be switched on deliberately. */
        allowLan: z.boolean().default(false),
        /** External broker only: the back office's own MQTT login (embedded mode generates its own). */
        username: z.string().default(''),
        password: z.string().default(''),
        clientId: z.string().default(''),
        /** External mqtts:// only: PEM files and whether to check the broker's certificate. */
        tls: z
          .strictObject({
            caFile: z.string().default(''),
            certFile: z.string().default(''),
            keyFile: z.string().default(''),
            rejectUnauthorized: z.boolean().default(true),
          })
          .prefault({}),
      })
      .prefault({}),
    chargers: z
      .strictObject({
        /** Accept a BootNotification from an unknown charger id and register it (unconfirmed). */
        autoRegister: z.boolean().default(false),
        heartbeatIntervalS: z.number().int().min(10).max(86_400).default(60),
        /** A charger silent for this many heartbeat intervals is marked offline. */
        offlineAfterMissedHeartbeats: z.number().int().min(1).max(100).default(3),
        callTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
        callRetries: z.number().int().min(0).max(10).default(2),
        messageLogRetentionDays: z.number().int().min(1).max(3650).default(180),
        /** The largest charger message accepted, in bytes (OCPP messages are a few hundred bytes). Bigger ones are refused unread. */
        maxPayloadBytes: z
          .number()
          .int()
          .min(1_024)
          .max(16 * 1024 * 1024)
          .default(64 * 1024),
        /** A charger record that cannot be applied (parked) for this long raises an alert and needs an operator. */
        parkedAttentionMs: z
          .number()
          .int()
          .min(60_000)
          .default(24 * 3_600_000),
        /** Inbox records applied per write transaction. */
        inboxBatchSize: z.number().int().min(1).max(10_000).default(500),
      })
      .prefault({}),
    sessions: z
      .strictObject({
        /** A RemoteStart not confirmed by a StartTransaction within this time fails and its hold is released. */
        startTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
        /** Sessions costing more than this (fen) wait for a supervisor's approval before they are charged. */
        reviewAboveFen: z.number().int().min(0).default(20_000),
        /** How long a prepaid hold lives; a session still unsettled by then is paid from the wallet. */
        holdTtlMs: z
          .number()
          .int()
          .min(60_000)
          .default(7 * 24 * 3_600_000),
        /** A StartTransaction this long after a failed or cancelled start on the same connector and id tag reopens that session. */
        lateStartWindowMs: z
          .number()
          .int()
          .min(0)
          .default(2 * 24 * 3_600_000),
        /** The settlement sweeper runs when this many minutes have passed since the last sweep (checked every minute). */
        sweepIntervalMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(10),
        /** The sweeper settles sessions whose stop arrived within this many days; older ones are left to an operator. */
        sweepWindowDays: z.number().int().min(1).max(366).default(7),
        /** Sessions settled per transaction; the sweeper yields to the event loop between chunks. */
        sweepChunkSize: z.number().int().min(1).max(10_000).default(200),
        /** Alert when more finished sessions than this are unsettled after a sweep. */
        unsettledAlertCount: z.number().int().min(0).default(100),
        /** Urgent alert when the estimated amount of unsettled finished sessions is above this (fen). */
        unsettledAlertFen: z.number().int().min(0).default(100_000),
        /** Urgent alert when this many settlement sweeps in a row failed as a whole (threw, or were cut short). */
        sweepFailingAlertStreak: z.number().int().min(1).max(100).default(3),
        /** Price per kWh (fen) used to estimate the amount of a session nobody has priced yet. */
        unsettledEstimateFenPerKwh: z.number().int().min(0).default(200),
        /** A charging session with no message for this long while its charger is offline is stuck: an alert, and a supervisor may force-close it. */
        stuckAfterMs: z
          .number()
          .int()
          .min(60_000)
          .default(6 * 3_600_000),
      })
      .prefault({}),
    backup: z
      .strictObject({
        dir: z.string().default(''),
        keep: z.number().int().min(1).default(14),
      })
      .prefault({}),
    jobs: z
      .strictObject({
        /** How often the scheduler looks for due jobs and cron slots. */
        pollIntervalMs: z.number().int().min(20).max(60_000).default(1000),
        /** Completed, cancelled and discarded jobs are deleted after this many days. */
        pruneAfterDays: z.number().int().min(1).max(3650).default(7),
        /** Jobs run at once per queue; a queue not named here runs one at a time. */
        queues: z.record(z.string(), z.number().int().min(1).max(50)).default({ default: 2, maintenance: 1 }),
        /** Failed attempts in a row of one job kind that raise the urgent `job_failing` alert (a success resets the count). */
        failingAlertStreak: z
          .number({ error: 'must be a whole number, at least 1' })
          .int('must be a whole number, at least 1')
          .min(1, 'must be a whole number, at least 1')
          .default(3),
      })
      .prefault({}),
    operators: z
      .strictObject({
        /** Wrong passwords in a row for one operator before sign-in waits (30 s, doubling) and the `auth.throttled` alert is raised. */
        freeLoginFailures: z
          .number({ error: 'must be a whole number, at least 1' })
          .int('must be a whole number, at least 1')
          .min(1, 'must be a whole number, at least 1')
          .default(5),
      })
      .prefault({}),
    compensation: z
      .strictObject({
        /** Drivers credited per transaction when a campaign executes (each chunk commits whole). */
        chunkSize: z.number().int().min(1).max(10_000).default(1_000),
      })
      .prefault({}),
    payments: z
      .strictObject({
        /** A payment order still unpaid after this long is cancelled and its coupon and points restored. */
        orderTimeoutMs: z
          .number()
          .int()
          .min(60_000)
          .max(7 * 86_400_000)
          .default(30 * 60_000),
        /**
         * Refused cancels of one expired order (a guard: its coupon record not in the state a
         * restore needs …) after which the timeout job parks it for a supervisor's repair, with an
         * urgent alert, instead of failing again every minute (payments/stuck.ts).
         */
        stuckCancelAttempts: z.number().int().min(1).max(100).default(3),
        /**
         * Confirm by query (payments/polling.ts): the waits between the gateway queries of an open
         * order, the first counted from its creation; the last wait repeats until the timeout, whose
         * close at the gateway is the last question. Default 5 s, 10 s, 30 s, 1 min, 2 min, then every 5 min.
         */
        pollDelaysMs: z.array(z.number().int().min(1000).max(3_600_000)).min(1).max(20).default([5_000, 10_000, 30_000, 60_000, 120_000, 300_000]),
        /** Orders one polling run asks the gateway about at most, the most overdue first; the rest wait for the next run. */
        pollBatch: z.number().int().min(1).max(500).default(20),
        /** What one point is worth when redeemed towards an order, in fen. */
        fenPerPoint: z.number().int().min(1).max(10_000).default(1),
        /**
         * The provider behind each channel (docs/payments.md): 'simulated' for both, or per channel,
         * e.g. { "wechat": "wechat" } (WeChat Pay API v3, set up in payments.wechat). 'alipay' needs the
         * Alipay credentials entered in Settings → 支付渠道. Credentials saved in Settings win over
         * this key: a channel with stored credentials uses its real gateway (payments/providers/index.ts).
         */
        provider: z
          .union([
            z.literal('simulated'),
            z.strictObject({ wechat: z.enum(['simulated', 'wechat']).default('simulated'), alipay: z.enum(['simulated', 'alipay']).default('simulated') }),
          ])
          .default('simulated'),
        /**
         * WeChat Pay API v3 (payments/providers/wechat.ts). Only paths and names of secrets live
         * here: the API v3 key comes from apiV3KeyFile or the environment variable apiV3KeyEnv names.
         */
        wechat: wechatConfigSchema,
        /** Alipay (open platform): where its gateway is; the app id and keys are entered in Settings (payments/credentials.ts). */
        alipay: z
          .strictObject({
            /** Used when the credentials saved in Settings name no gateway. */
            gateway: z.url({ protocol: /^https$/ }).default('https://openapi.alipay.com/gateway.do'),
            /** An extra CA (PEM) to trust for the gateway, besides the system's (a test stub, a TLS-inspecting proxy). */
            caFile: z.string().default(''),
            timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
          })
          .prefault({}),
        simulated: z
          .strictObject({
            /** success | failure | slow | unknown; DEPOTDESK_SIMULATED_PAYMENT_OUTCOME overrides. */
            outcome: z.enum(['success', 'failure', 'slow', 'unknown']).default('success'),
            slowMs: z.number().int().min(0).max(60_000).default(1500),
            /** Signs simulated notifications, as a merchant key signs real ones. */
            secret: z.string().min(8).default('depotdesk-simulated-key'),
          })
          .prefault({}),
      })
      .superRefine(requireWechatSetup)
      .prefault({}),
    refunds: z
      .strictObject({
        /** Calls to the gateway a refund task makes before it is failed and left for an operator. */
        maxAttempts: z.number().int().min(1).max(20).default(3),
        /** Wait after the first refused call; doubled after each further one. */
        retryDelayMs: z
          .number()
          .int()
          .min(1000)
          .max(86_400_000)
          .default(5 * 60_000),
        /** A task still processing after this long was cut off mid-call (a crash): it is queried, never re-sent. */
        staleProcessingMs: z
          .number()
          .int()
          .min(60_000)
          .max(86_400_000)
          .default(10 * 60_000),
      })
      .prefault({}),
    reconciliation: z
      .strictObject({
        /** Days an unmatched payment or refund waits for its counterpart (late files, day boundaries) before it is a break. */
        windowDays: z.number().int().min(1).max(30).default(3),
        /** A charger's day whose billed energy differs from its register's advance by more than this (basis points: 100 = 1 %) is a metering anomaly. */
        energyThresholdBp: z.number().int().min(1).max(10_000).default(100),
        /** Days the daily run looks back on its first run, when there is no earlier run to catch up from. */
        firstRunDays: z.number().int().min(1).max(366).default(7),
        /** Days back the daily statement download looks for a gateway statement not yet imported (WeChat Pay keeps bills three months). */
        downloadDays: z.number().int().min(1).max(90).default(3),
      })
      .prefault({}),
    hq: hqConfigSchema,
  })
  .strict();

export type Config = z.output<typeof configSchema>;

export interface DataPaths {
  dataDir: string;
  dbFile: string;
  configFile: string;
  tokenFile: string;
  logDir: string;
  backupDir: string;
}

/** The per-user app-data folder, matching Electron's app.getPath('userData') for "DepotDesk". */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.DEPOTDESK_DATA_DIR) return env.DEPOTDESK_DATA_DIR;
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'DepotDesk');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'DepotDesk');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'DepotDesk');
}

export function resolvePaths(opts: { dataDir?: string; db?: string }, env = process.env): DataPaths {
  const dataDir = path.resolve(opts.dataDir ?? (opts.db ? path.dirname(opts.db) : defaultDataDir(env)));
  const dbFile = path.resolve(opts.db ?? path.join(dataDir, 'depotdesk.sqlite'));
  return {
    dataDir,
    dbFile,
    configFile: path.join(dataDir, 'config.json'),
    tokenFile: path.join(dataDir, 'instance-token'),
    logDir: path.join(dataDir, 'logs'),
    backupDir: path.join(dataDir, 'backups'),
  };
}

/** Parses `key.path=value` overrides; values are JSON where they parse as JSON, else strings. */
export function parseOverrides(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new DepotError('usage', `--set expects key=value, got "${pair}"`, { field: '--set' });
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    setPath(out, key.split('.'), value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  keys.slice(0, -1).forEach((k) => {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  });
  node[keys[keys.length - 1]] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Reads config.json (if any), applies the one-run overrides, validates, and names any bad key. */
export function loadConfig(configFile: string, overrides: Record<string, unknown> = {}): Config {
  let fromFile: Record<string, unknown> = {};
  if (fs.existsSync(configFile)) {
    try {
      fromFile = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new DepotError('config_invalid', `${configFile} is not valid JSON: ${(e as Error).message}`, { file: configFile });
    }
  }
  const parsed = configSchema.safeParse(deepMerge(fromFile, overrides));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ key: i.path.join('.'), message: i.message }));
    throw new DepotError('config_invalid', `configuration is invalid: ${issues.map((i) => `${i.key || '(root)'}: ${i.message}`).join('; ')}`, {
      file: configFile,
      issues,
    });
  }
  const config = parsed.data;
  if (!config.http.allowLan && !isLoopback(config.http.host)) {
    throw new DepotError('config_invalid', `http.host ${config.http.host} is not loopback; set http.allowLan=true to serve the depot LAN`, { key: 'http.host' });
  }
  return config;
}

/** localhost, ::1 or an IPv4 literal 127.x.y.z — never a name that merely starts with "127." (127.attacker.example). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255);
}

export function saveConfig(configFile: string, patch: Record<string, unknown>): void {
  let current: Record<string, unknown> = {};
  if (fs.existsSync(configFile)) current = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const next = deepMerge(current, patch);
  configSchema.parse(next);
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  const tmp = `${configFile}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, configFile);
}
