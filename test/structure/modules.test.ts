import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { composeModules, defineModule, CompositionError } from '../../src-main/kernel/module';
import { ALL_ROLES, method } from '../../src-main/kernel/method';
import { defineCron, defineWorker } from '../../src-main/jobs';
import { depot } from '../../src-main/modules';
import { domainFolders } from './graph';

/** The composition root joins the domain modules and refuses anything defined twice. */

const ping = method({ summary: 'ping', kind: 'query', roles: ALL_ROLES, input: z.object({}), output: z.object({}), handler: () => ({}) });
const worker = defineWorker({ kind: 'probe.work', args: z.object({}), perform: () => undefined });
const cron = defineCron({ name: 'probe.every', expression: '* * * * *', kind: 'probe.work' });
const table = sqliteTable('probe_things', { id: text('id').primaryKey() });
const step = { name: 'probe', run: () => 'done' };
const check = { name: 'probe', run: () => ({ name: 'probe', ok: true, detail: '' }) };

function refusal(...modules: Parameters<typeof defineModule>[0][]): string {
  try {
    composeModules(modules.map((m) => defineModule(m)));
  } catch (e) {
    expect(e).toBeInstanceOf(CompositionError);
    return (e as Error).message;
  }
  return 'composed without complaint';
}

describe('composeModules', () => {
  it('joins methods, workers, schedules, figures, checks, steps, tables and hooks in module order', () => {
    const figure = () => [];
    const hook = { authorizeIdTag: () => ({ status: 'Accepted' as const }) };
    const c = composeModules([
      defineModule({ name: 'a', methods: { 'a.ping': ping }, workers: [worker], crons: [cron], tables: [table], demoSteps: [step] }),
      defineModule({ name: 'b', methods: { 'b.ping': ping }, figures: [figure], doctorChecks: [check], chargerHooks: hook }),
    ]);
    expect(Object.keys(c.methods)).toEqual(['a.ping', 'b.ping']);
    expect(c.workers).toEqual([worker]);
    expect(c.crons).toEqual([cron]);
    expect(c.figures).toEqual([figure]);
    expect(c.doctorChecks).toEqual([check]);
    expect(c.demoSteps).toEqual([step]);
    expect(c.tableOwners.get('probe_things')).toBe('a');
    expect(c.chargerHooks.authorizeIdTag).toBe(hook.authorizeIdTag);
  });

  it('refuses each kind of duplicate, naming both modules', () => {
    expect(refusal({ name: 'a', methods: {} }, { name: 'a', methods: {} })).toBe('module "a" is defined twice by module a');
    expect(refusal({ name: 'a', methods: { 'x.ping': ping } }, { name: 'b', methods: { 'x.ping': ping } })).toBe(
      'method "x.ping" is defined by both module a and module b',
    );
    expect(refusal({ name: 'a', methods: {}, workers: [worker] }, { name: 'b', methods: {}, workers: [worker] })).toBe(
      'job kind "probe.work" is defined by both module a and module b',
    );
    expect(refusal({ name: 'a', methods: {}, workers: [worker], crons: [cron, cron] })).toBe('schedule "probe.every" is defined twice by module a');
    expect(refusal({ name: 'a', methods: {}, doctorChecks: [check] }, { name: 'b', methods: {}, doctorChecks: [check] })).toBe(
      'doctor check "probe" is defined by both module a and module b',
    );
    expect(refusal({ name: 'a', methods: {}, demoSteps: [step] }, { name: 'b', methods: {}, demoSteps: [step] })).toBe(
      'demo step "probe" is defined by both module a and module b',
    );
    expect(refusal({ name: 'a', methods: {}, tables: [table] }, { name: 'b', methods: {}, tables: [table] })).toBe(
      'table "probe_things" is defined by both module a and module b',
    );
    const hook = { authorizeIdTag: () => ({ status: 'Accepted' as const }) };
    expect(refusal({ name: 'a', methods: {}, chargerHooks: hook }, { name: 'b', methods: {}, chargerHooks: hook })).toBe(
      'charger hook "authorizeIdTag" is defined by both module a and module b',
    );
  });

  it('refuses a schedule for a job kind no module defines', () => {
    expect(refusal({ name: 'a', methods: {}, crons: [cron] })).toBe('schedule "probe.every" runs job kind "probe.work", which no module defines');
  });
});

describe('the depot', () => {
  it('composes every domain folder, and every table of the schema has one owner', async () => {
    // hq: the headquarters program (its own PostgreSQL database), which no depot composes.
    const layers = new Set(['kernel', 'contract', 'boot', 'cli', 'shell', 'money', 'excel', 'hq']);
    const names = depot.modules.map((m) => m.name).sort();
    expect(names).toEqual(domainFolders().filter((d) => !layers.has(d)));
    const schema = (await import('../../src-main/schema')) as Record<string, unknown>;
    const { getTableName, is } = await import('drizzle-orm');
    const { SQLiteTable } = await import('drizzle-orm/sqlite-core');
    const all = Object.values(schema)
      .filter((v) => is(v, SQLiteTable))
      .map((t) => getTableName(t as InstanceType<typeof SQLiteTable>));
    const owned = [...depot.tableOwners.keys()];
    // The kernel's tables (app_meta, the journal) belong to no domain module: every domain writes them through the kernel.
    const kernelTables = new Set(['app_meta', 'journal']);
    expect(owned.sort()).toEqual(all.filter((n) => !kernelTables.has(n)).sort());
  });

  it('every schedule runs a worker of the depot, and the session step plugs into the charger link', () => {
    const kinds = new Set(depot.workers.map((w) => w.kind));
    for (const c of depot.crons) expect(kinds, c.name).toContain(c.kind);
    expect(typeof depot.chargerHooks.authorizeIdTag).toBe('function');
    expect(typeof depot.chargerHooks.onTransactionRecords).toBe('function');
  });
});
