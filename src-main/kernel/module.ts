import { getTableName, is } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { MethodDef } from './method';
import type { ChargerHooks, CronDef, DemoStep, DoctorCheckDef, DownloadProvider, FigureProvider, Worker } from './plugins';

/**
 * A domain module: everything one domain plugs into the depot, in one descriptor exported by its
 * index.ts. The composition root (src-main/modules.ts) lists the modules; nothing below it lists
 * domains, so a domain is added in one place and no low-level folder imports every domain.
 *
 * Guarantees of composeModules:
 * - Nothing is silently overwritten: two modules with the same name, or defining the same method,
 *   job kind, schedule, doctor check, demo step, table or charger hook, are refused with an error
 *   naming both modules, at start (and in test/structure/modules.test.ts), never at the first call.
 * - A schedule names a job kind some module defines; a typo does not wait for 01:00 to surface.
 * - Order is kept: demo steps, doctor checks and figures run in the order the modules are listed.
 */

// any: each method keeps its own precise zod input and output types.
export type MethodMap = Record<string, MethodDef<any, any>>;

export interface DomainModule<M extends MethodMap = MethodMap> {
  /** The domain's folder name. */
  name: string;
  /** Operator actions and queries, by method name ("sessions.start"). */
  methods: M;
  // any: a worker keeps its own argument schema; the scheduler checks arguments at run time.
  workers?: readonly Worker<any>[];
  crons?: readonly CronDef[];
  figures?: readonly FigureProvider[];
  doctorChecks?: readonly DoctorCheckDef[];
  demoSteps?: readonly DemoStep[];
  /** The tables this domain owns; no other domain's SQL names them (test/structure). */
  tables?: readonly SQLiteTable[];
  chargerHooks?: Partial<ChargerHooks>;
  /** Files the module offers for download, by provider name (GET /download/<name>/<id>). */
  downloads?: Record<string, DownloadProvider>;
}

export function defineModule<M extends MethodMap>(module: DomainModule<M>): DomainModule<M> {
  return module;
}

/** The tables among a schema module's exports (`import * as schema from './schema'`). */
export function tablesOf(...schemas: Record<string, unknown>[]): SQLiteTable[] {
  return schemas.flatMap((s) => Object.values(s).filter((v): v is SQLiteTable => is(v, SQLiteTable)));
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every method of a list of modules, each with its own precise type. */
export type MethodsOf<T extends readonly DomainModule<MethodMap>[]> = UnionToIntersection<T[number]['methods']>;

export interface Composition<M = MethodMap> {
  modules: readonly DomainModule<MethodMap>[];
  methods: M;
  // any: as in DomainModule.workers.
  workers: readonly Worker<any>[];
  crons: readonly CronDef[];
  figures: readonly FigureProvider[];
  doctorChecks: readonly DoctorCheckDef[];
  demoSteps: readonly DemoStep[];
  tables: readonly SQLiteTable[];
  /** Which module owns each table, by table name. */
  tableOwners: ReadonlyMap<string, string>;
  chargerHooks: Partial<ChargerHooks>;
  downloads: Readonly<Record<string, DownloadProvider>>;
}

export class CompositionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompositionError';
  }
}

/** Records who claimed each name; a second claim is refused. */
class Claims {
  private readonly owners = new Map<string, string>();
  constructor(private readonly what: string) {}

  claim(name: string, owner: string): void {
    const first = this.owners.get(name);
    if (first !== undefined) {
      const by = first === owner ? `twice by module ${owner}` : `by both module ${first} and module ${owner}`;
      throw new CompositionError(`${this.what} "${name}" is defined ${by}`);
    }
    this.owners.set(name, owner);
  }

  has(name: string): boolean {
    return this.owners.has(name);
  }

  entries(): ReadonlyMap<string, string> {
    return this.owners;
  }
}

export function composeModules<const T extends readonly DomainModule<MethodMap>[]>(modules: T): Composition<MethodsOf<T>> {
  const names = new Claims('module');
  const methodNames = new Claims('method');
  const kinds = new Claims('job kind');
  const cronNames = new Claims('schedule');
  const checks = new Claims('doctor check');
  const steps = new Claims('demo step');
  const tableNames = new Claims('table');
  const hooks = new Claims('charger hook');
  const downloadNames = new Claims('download');
  const out = {
    methods: {} as MethodMap,
    // any: as in DomainModule.workers.
    workers: [] as Worker<any>[],
    crons: [] as CronDef[],
    figures: [] as FigureProvider[],
    doctorChecks: [] as DoctorCheckDef[],
    demoSteps: [] as DemoStep[],
    tables: [] as SQLiteTable[],
    chargerHooks: {} as Record<string, unknown>,
    downloads: {} as Record<string, DownloadProvider>,
  };
  for (const m of modules) {
    names.claim(m.name, m.name);
    for (const [name, def] of Object.entries(m.methods)) {
      methodNames.claim(name, m.name);
      out.methods[name] = def;
    }
    for (const w of m.workers ?? []) kinds.claim(w.kind, m.name);
    for (const c of m.crons ?? []) cronNames.claim(c.name, m.name);
    for (const c of m.doctorChecks ?? []) checks.claim(c.name, m.name);
    for (const s of m.demoSteps ?? []) steps.claim(s.name, m.name);
    for (const t of m.tables ?? []) tableNames.claim(getTableName(t), m.name);
    for (const [name, hook] of Object.entries(m.chargerHooks ?? {})) {
      hooks.claim(name, m.name);
      out.chargerHooks[name] = hook;
    }
    for (const [name, provider] of Object.entries(m.downloads ?? {})) {
      downloadNames.claim(name, m.name);
      out.downloads[name] = provider;
    }
    out.workers.push(...(m.workers ?? []));
    out.crons.push(...(m.crons ?? []));
    out.figures.push(...(m.figures ?? []));
    out.doctorChecks.push(...(m.doctorChecks ?? []));
    out.demoSteps.push(...(m.demoSteps ?? []));
    out.tables.push(...(m.tables ?? []));
  }
  for (const c of out.crons) {
    if (!kinds.has(c.kind)) throw new CompositionError(`schedule "${c.name}" runs job kind "${c.kind}", which no module defines`);
  }
  return {
    ...out,
    modules,
    methods: out.methods as MethodsOf<T>,
    chargerHooks: out.chargerHooks as Partial<ChargerHooks>,
    tableOwners: tableNames.entries(),
  };
}
