import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { afterTest } from './after-test';
import { launchPostgres, postgresMissing, type LaunchPostgresOptions, type Postgres } from './postgres-process';

export { postgresMissing, type Postgres } from './postgres-process';

/**
 * PostgreSQL for a test file (test/postgres-process.ts starts it): one cluster per file, started
 * before its first test and removed after its last, and a fresh database per test. Where
 * PostgreSQL is not installed the file is skipped and says why.
 */

/** Prints why `testFile` is skipped when there is no PostgreSQL; true when it is missing. */
export function skipWithoutPostgres(testFile: string): boolean {
  if (postgresMissing) console.log(`skipped: ${testFile}: ${postgresMissing}`);
  return postgresMissing !== null;
}

export interface PostgresForFile {
  /** The file's cluster (throws before beforeAll ran). */
  cluster(): Postgres;
  /** A new empty database on it and a pool on that database, closed after the test. */
  freshDatabase(opts?: { max?: number }): Promise<{ url: string; pool: pg.Pool }>;
}

/** Call at the top of a test file (or inside its describe); does nothing when PostgreSQL is missing. */
export function postgresForFile(opts: LaunchPostgresOptions = {}): PostgresForFile {
  let running: Postgres | null = null;
  beforeAll(async () => {
    if (!postgresMissing) running = await launchPostgres(opts);
  });
  afterAll(async () => {
    await running?.stop();
    running = null;
  });
  const cluster = () => {
    if (!running) throw new Error('PostgreSQL is not running (postgresForFile starts it before the first test)');
    return running;
  };
  return {
    cluster,
    async freshDatabase(o = {}) {
      const url = await cluster().createDatabase(`t_${crypto.randomBytes(6).toString('hex')}`);
      const pool = new pg.Pool({ connectionString: url, max: o.max ?? 4 });
      // A test that kills PostgreSQL leaves idle connections that fail; that is expected here.
      pool.on('error', () => undefined);
      afterTest(() => pool.end());
      return { url, pool };
    },
  };
}
