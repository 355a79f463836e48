/**
 * Headquarters (issue 22, docs/headquarters.md): the program an operator with many depots runs on
 * its own server, with its own PostgreSQL database. It is not a depot module: no depot loads it,
 * and it never opens a depot's SQLite file. Its only input is each depot's journal, over the broker.
 *
 * Guarantees (each held by test/hq/ingest.test.ts or test/hq/serve.test.ts):
 * - HQ holds exactly each depot's journal: rows stored in seq order from 1, each once, each
 *   chaining from the one before by the hash the depot computed (kernel/journal-hash.ts), never a
 *   gap, never a row skipped past; the read tables (transfers, opening balances, drivers,
 *   statements) are written in the transaction of the rows they come from.
 * - An ack names only what PostgreSQL committed; a batch HQ could not store is not acknowledged, so
 *   the depot keeps it and sends it again.
 * - A row HQ refuses (a gap, a broken chain, a changed history, a reused key) is kept out with
 *   everything after it, named in the ack with the reason, recorded on the depot and alerted.
 * - HQ never writes to a depot: it answers acks and publishes commands (commands.ts), which the depot
 *   carries out as its own acts and reports in its journal; the outcome marks the command in the
 *   transaction that ingests it.
 * - The schema is migrated at start from ordered, hashed migrations; an edited one is refused.
 */
export { redactUrl } from '../kernel/redact';
export { startHq, openHqPool, checkPgUrl, checkBrokerUrl, ackTopic, JOURNAL_TOPICS, type Hq, type HqOptions, type BatchOutcome } from './serve';
export { issueCommand, insertCommand, getCommand, pendingCommands, listCommands, refusalOf, commandMessageOf, type HqCommand, type IssueInput } from './commands';
export { ingestBatch, ingest, type IngestOptions, type IngestOutcome } from './ingest';
export { migrateHq, HQ_MIGRATIONS, type HqMigration } from './pg-schema';
export { hqStatus, type HqStatus, type DepotStatus } from './status';
export { refusalWords } from './words';
export {
  hqDepots,
  hqRevenue,
  hqLiabilities,
  hqDriver,
  hqReconciliation,
  fenOf,
  type HqRevenue,
  type HqLiabilities,
  type HqDriver,
  type HqDriverLine,
  type HqReconciliation,
  type HqReconRow,
  type HqReconDepotLine,
} from './reads';
export { startHqHttp, callHq, hqRendererDir, HQ_DEFAULT_HTTP_PORT, HQ_ROLE_META, HQ_METHODS, type HqHttp, type HqHttpOptions, type HqMethodName } from './http';
export { parseBatch, type Ack, type Batch, type Refusal, type RefusalReason } from './wire';
