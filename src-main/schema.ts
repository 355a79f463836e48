/**
 * The whole schema, one domain per file. drizzle-kit reads this to generate migrations; each
 * domain re-exported here owns its own tables.
 */
export * from './kernel/meta-schema';
export * from './kernel/journal-schema';
export * from './operators/schema';
export * from './ledger/schema';
export * from './jobs/schema';
export * from './alerts/schema';
export * from './tariffs/schema';
export * from './chargers/schema';
export * from './sessions/schema';
export * from './sessions/sweeper-schema';
export * from './payments/schema';
export * from './compensation/schema';
export * from './refunds/schema';
export * from './reconciliation/schema';
export * from './risk/schema';
export * from './reports/schema';
export * from './headquarters/schema';
