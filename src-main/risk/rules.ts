import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { writeTx } from '../kernel/db/connection';
import { allRows, getRow } from '../kernel/db/rows';
import { DepotError, expectChanges } from '../kernel/errors';
import { canonicalJson } from '../kernel/json';

/**
 * Rules are data: each has a code, parameters and an on/off switch, stored with a version that
 * grows on every change (risk_rules), every version kept (risk_rule_versions, append-only). A
 * decision records the code and version it used, so "why was this driver refused?" is answered by
 * the rule as it was then.
 *
 * Guarantees (test/risk/rules.test.ts):
 * - A rule that was never changed reads as its default (version 0, not stored); the first change
 *   stores version 1. Parameters are checked against the rule's schema (unknown keys refused,
 *   naming them); a bad change stores nothing.
 * - Two changes racing: the second is refused if it was made against an older version
 *   (`expectedVersion`), never silently merged.
 */

const count = z.number().int().min(1).max(1000);
const days = z.number().int().min(1).max(3650);
const hours = z
  .number()
  .int()
  .min(1)
  .max(24 * 90);
/** Days a rule's listing lasts; 0 = until a supervisor lifts it. */
const listDays = z.number().int().min(0).max(3650);

export const RULES = {
  'driver.written_off_debts': {
    target: 'driver',
    summary: 'A driver with at least `count` debts written off within `windowDays` days is blacklisted for `listDays` days (0: until lifted).',
    params: z.object({ count, windowDays: days, listDays }).strict(),
    defaults: { count: 2, windowDays: 365, listDays: 0 },
    enabled: false,
  },
  'driver.unpaid_debt': {
    target: 'driver',
    summary: 'A driver with a debt open for more than `days` days is blacklisted for `listDays` days (0: until lifted).',
    params: z.object({ days, listDays }).strict(),
    defaults: { days: 30, listDays: 0 },
    enabled: false,
  },
  'driver.refund_disputes': {
    target: 'driver',
    summary: 'A driver with at least `count` refund requests (售后退款) within `windowDays` days is blacklisted for `listDays` days.',
    params: z.object({ count, windowDays: days, listDays }).strict(),
    defaults: { count: 3, windowDays: 90, listDays: 90 },
    enabled: false,
  },
  'charger.faults': {
    target: 'charger',
    summary: 'A charger with at least `count` fault episodes (errorCode ≠ NoError) within `windowHours` hours is put in maintenance.',
    params: z.object({ count, windowHours: hours }).strict(),
    defaults: { count: 3, windowHours: 24 },
    enabled: true,
  },
  'charger.failed_starts': {
    target: 'charger',
    summary: 'A charger with at least `count` failed starts within `windowHours` hours is put in maintenance.',
    params: z.object({ count, windowHours: hours }).strict(),
    defaults: { count: 5, windowHours: 24 },
    enabled: true,
  },
  'charger.offline_episodes': {
    target: 'charger',
    summary: 'A charger that went offline at least `count` times within `windowHours` hours is put in maintenance.',
    params: z.object({ count, windowHours: hours }).strict(),
    defaults: { count: 5, windowHours: 24 },
    enabled: true,
  },
  'charger.metering_anomalies': {
    target: 'charger',
    summary: 'A charger with at least `count` metering anomalies (reconciliation’s energy check) within `windowDays` days is put in maintenance.',
    params: z.object({ count, windowDays: days }).strict(),
    defaults: { count: 1, windowDays: 7 },
    enabled: true,
  },
  'review.aging': {
    target: 'review',
    summary: 'A session waiting in the review queue for more than `hours` hours raises an alert.',
    params: z.object({ hours }).strict(),
    defaults: { hours: 4 },
    enabled: true,
  },
} as const;

export type RuleCode = keyof typeof RULES;
export const RULE_CODES = Object.keys(RULES) as RuleCode[];

export type RuleParams<C extends RuleCode> = z.output<(typeof RULES)[C]['params']>;

export interface Rule<C extends RuleCode = RuleCode> {
  code: C;
  target: (typeof RULES)[C]['target'];
  summary: string;
  version: number;
  enabled: boolean;
  params: RuleParams<C>;
  updatedAt: number | null;
  updatedBy: string | null;
}

function isRuleCode(code: string): code is RuleCode {
  return Object.hasOwn(RULES, code);
}

export function requireRuleCode(code: string): RuleCode {
  if (!isRuleCode(code)) throw new DepotError('invalid_input', `rule: no rule ${JSON.stringify(code)} (rules: ${RULE_CODES.join(', ')})`, { field: 'rule' });
  return code;
}

interface Stored {
  version: number;
  enabled: number;
  params: string;
  updatedAt: number;
  updatedBy: string | null;
}

export function getRule<C extends RuleCode>(app: Pick<AppContext, 'sqlite'>, code: C): Rule<C> {
  const def = RULES[code];
  const r = getRow<Stored>(app.sqlite.prepare('SELECT version, enabled, params, updated_at AS updatedAt, updated_by AS updatedBy FROM risk_rules WHERE code = ?'), code);
  const base = { code, target: def.target, summary: def.summary };
  if (!r) return { ...base, version: 0, enabled: def.enabled, params: def.defaults as RuleParams<C>, updatedAt: null, updatedBy: null };
  return { ...base, version: r.version, enabled: r.enabled === 1, params: JSON.parse(r.params) as RuleParams<C>, updatedAt: r.updatedAt, updatedBy: r.updatedBy };
}

export function listRules(app: Pick<AppContext, 'sqlite'>): Rule[] {
  return RULE_CODES.map((c) => getRule(app, c));
}

export interface RuleChange {
  enabled?: boolean;
  /** Parameters to change; the others keep their current values. */
  params?: Record<string, unknown>;
  note?: string;
  /** The version the change was made against (a screen's copy); refused if the rule moved on. */
  expectedVersion?: number;
}

export function setRule(app: AppContext, code: string, change: RuleChange, by: { operatorId?: string | null } = {}): Rule {
  const c = requireRuleCode(code);
  return writeTx(app.sqlite, () => {
    const current = getRule(app, c);
    if (change.expectedVersion !== undefined && change.expectedVersion !== current.version) {
      throw new DepotError('conflict', `rule: ${c} is at version ${current.version}, not ${change.expectedVersion}; reload and change it again`, { field: 'rule' });
    }
    const parsed = RULES[c].params.safeParse({ ...current.params, ...(change.params ?? {}) });
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || i.code}: ${i.message}${'keys' in i ? ` (${(i.keys as string[]).join(', ')})` : ''}`);
      throw new DepotError('invalid_input', `params: ${issues.join('; ')}`, { field: 'params', issues });
    }
    const version = current.version + 1;
    const enabled = change.enabled ?? current.enabled;
    const params = canonicalJson(parsed.data);
    const now = app.clock.now();
    const write =
      current.version === 0
        ? app.sqlite
            .prepare('INSERT INTO risk_rules (code, version, enabled, params, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)')
            .run(c, version, enabled ? 1 : 0, params, now, by.operatorId ?? null)
        : app.sqlite
            .prepare('UPDATE risk_rules SET version = ?, enabled = ?, params = ?, updated_at = ?, updated_by = ? WHERE code = ? AND version = ?')
            .run(version, enabled ? 1 : 0, params, now, by.operatorId ?? null, c, current.version);
    expectChanges(write, 1, `change rule ${c}`);
    app.sqlite
      .prepare('INSERT INTO risk_rule_versions (code, version, enabled, params, note, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(c, version, enabled ? 1 : 0, params, change.note?.trim() ?? '', now, by.operatorId ?? null);
    return getRule(app, c);
  });
}

export interface RuleVersion {
  code: string;
  version: number;
  enabled: boolean;
  params: Record<string, unknown>;
  note: string;
  changedAt: number;
  changedBy: string | null;
}

export function ruleHistory(app: Pick<AppContext, 'sqlite'>, code: string): RuleVersion[] {
  const c = requireRuleCode(code);
  return allRows<Omit<RuleVersion, 'enabled' | 'params'> & { enabled: number; params: string }>(
    app.sqlite.prepare(
      'SELECT code, version, enabled, params, note, changed_at AS changedAt, changed_by AS changedBy FROM risk_rule_versions WHERE code = ? ORDER BY version DESC',
    ),
    c,
  ).map((r) => ({ ...r, enabled: r.enabled === 1, params: JSON.parse(r.params) as Record<string, unknown> }));
}
