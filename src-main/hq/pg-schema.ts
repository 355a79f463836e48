import crypto from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { DepotError } from '../kernel/errors';

/**
 * HQ's PostgreSQL schema, as ordered migrations applied when the ingestor starts and recorded in
 * hq_schema_migrations with their SHA-256 (the depot's own migrator does the same for SQLite):
 * an applied migration whose text changed is refused (`migration_edited`), and so is a database
 * that a newer build migrated further (`schema_too_new`). Append a migration; never edit one.
 *
 * hq_journal is partitioned by a hash of the depot's id, so each depot's rows sit in one
 * partition and an HQ that outgrows one node can move to Citus on the same key.
 */
export interface HqMigration {
  name: string;
  sql: string;
}

/** Hash partitions of hq_journal; changing it is a new migration, not an edit. */
const JOURNAL_PARTITIONS = 8;

const partitions = Array.from(
  { length: JOURNAL_PARTITIONS },
  (_, i) => `CREATE TABLE hq_journal_p${i} PARTITION OF hq_journal FOR VALUES WITH (MODULUS ${JOURNAL_PARTITIONS}, REMAINDER ${i});`,
).join('\n');

export const HQ_MIGRATIONS: readonly HqMigration[] = [
  {
    name: '0001_journal',
    sql: `
CREATE TABLE hq_depots (
  depot_id text PRIMARY KEY,
  name text,
  acked_seq bigint NOT NULL DEFAULT 0,
  acked_hash text NOT NULL,
  tip_seq bigint NOT NULL DEFAULT 0,
  last_at bigint,
  last_batch_at timestamptz,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  refused jsonb
);

CREATE TABLE hq_journal (
  depot_id text NOT NULL,
  seq bigint NOT NULL,
  key text NOT NULL,
  kind text NOT NULL,
  v integer NOT NULL,
  at bigint NOT NULL,
  prev text NOT NULL,
  hash text NOT NULL,
  payload jsonb,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (depot_id, seq),
  UNIQUE (depot_id, key)
) PARTITION BY HASH (depot_id);
${partitions}
CREATE INDEX hq_journal_kind ON hq_journal (kind, depot_id);

CREATE TABLE hq_transfers (
  depot_id text NOT NULL,
  seq bigint NOT NULL,
  transfer_id text NOT NULL,
  op text,
  debit text NOT NULL,
  credit text NOT NULL,
  amount bigint NOT NULL,
  code text NOT NULL,
  phase text,
  pending_id text,
  session_id text,
  order_id text,
  campaign_id text,
  debt_id text,
  statement_row text,
  at bigint NOT NULL,
  PRIMARY KEY (depot_id, transfer_id)
);
CREATE INDEX hq_transfers_code ON hq_transfers (code, at);
CREATE INDEX hq_transfers_debit ON hq_transfers (depot_id, debit);
CREATE INDEX hq_transfers_credit ON hq_transfers (depot_id, credit);

CREATE TABLE hq_opening_balances (
  depot_id text NOT NULL,
  seq bigint NOT NULL,
  part integer NOT NULL,
  parts integer NOT NULL,
  account_id text NOT NULL,
  debits_posted bigint NOT NULL,
  credits_posted bigint NOT NULL,
  debits_pending bigint NOT NULL,
  credits_pending bigint NOT NULL,
  PRIMARY KEY (depot_id, seq, account_id)
);

CREATE TABLE hq_drivers (
  depot_id text NOT NULL,
  driver_id text NOT NULL,
  phone text,
  name text,
  seq bigint NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (depot_id, driver_id)
);
CREATE INDEX hq_drivers_phone ON hq_drivers (phone);

CREATE TABLE hq_statements (
  depot_id text NOT NULL,
  statement_id text NOT NULL,
  seq bigint NOT NULL,
  channel text NOT NULL,
  merchant_id text,
  bill_dates jsonb NOT NULL,
  row_count integer NOT NULL,
  payment_count integer NOT NULL,
  refund_count integer NOT NULL,
  payment_total_fen bigint NOT NULL,
  refund_total_fen bigint NOT NULL,
  fee_total_fen bigint NOT NULL,
  net_fen bigint NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (depot_id, statement_id)
);
CREATE INDEX hq_statements_merchant ON hq_statements (channel, merchant_id);

CREATE TABLE hq_alerts (
  id bigserial PRIMARY KEY,
  depot_id text,
  code text NOT NULL,
  message text NOT NULL,
  details jsonb,
  raised_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hq_alerts_depot ON hq_alerts (depot_id, raised_at);
`,
  },
  {
    // Commands HQ sends a depot (docs/headquarters.md "Commands"): 'sent' until the depot's journal
    // row hq.command (key hq-command:<id>) is ingested, which marks it done or refused in the
    // same transaction (derive.ts).
    name: '0002_commands',
    sql: `
CREATE TABLE hq_commands (
  id text PRIMARY KEY,
  depot_id text NOT NULL,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  issued_by text NOT NULL,
  state text NOT NULL DEFAULT 'sent' CHECK (state IN ('sent', 'done', 'refused')),
  outcome jsonb,
  done_seq bigint,
  done_at timestamptz,
  last_published_at timestamptz,
  CHECK ((state = 'sent') = (done_seq IS NULL))
);
CREATE INDEX hq_commands_pending ON hq_commands (depot_id, issued_at) WHERE state = 'sent';
CREATE INDEX hq_commands_depot ON hq_commands (depot_id, issued_at);
`,
  },
];

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** Any constant: the advisory lock two ingestors starting at once take to migrate one at a time. */
const MIGRATION_LOCK = 220_022;

/**
 * Applies the migrations not yet applied, in order, in one transaction; refuses an edited applied
 * one or an unknown applied one before changing anything. Returns the names it applied.
 */
export async function migrateHq(pool: Pool, migrations: readonly HqMigration[] = HQ_MIGRATIONS): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS hq_schema_migrations (name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = await client.query<{ name: string; sha256: string }>('SELECT name, sha256 FROM hq_schema_migrations ORDER BY name');
    checkApplied(applied.rows, migrations);
    const done = new Set(applied.rows.map((r) => r.name));
    const ran = await applyMissing(client, migrations, done);
    await client.query('COMMIT');
    return ran;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

function checkApplied(applied: readonly { name: string; sha256: string }[], migrations: readonly HqMigration[]): void {
  const known = new Map(migrations.map((m) => [m.name, m]));
  for (const row of applied) {
    const m = known.get(row.name);
    if (!m) {
      throw new DepotError('schema_too_new', `the HQ database has migration ${row.name}, which this build does not know: it was migrated by a newer build`, {
        migration: row.name,
      });
    }
    if (sha256(m.sql) !== row.sha256) {
      throw new DepotError('migration_edited', `HQ migration ${row.name} was edited after it was applied (its SHA-256 differs); add a new migration instead`, {
        migration: row.name,
        applied: row.sha256,
        now: sha256(m.sql),
      });
    }
  }
}

async function applyMissing(client: PoolClient, migrations: readonly HqMigration[], done: ReadonlySet<string>): Promise<string[]> {
  const ran: string[] = [];
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    await client.query(m.sql);
    await client.query('INSERT INTO hq_schema_migrations (name, sha256) VALUES ($1, $2)', [m.name, sha256(m.sql)]);
    ran.push(m.name);
  }
  return ran;
}
