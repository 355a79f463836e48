ALTER TABLE `audit_log` ADD `mac` text;--> statement-breakpoint
ALTER TABLE `ledger_transfers` ADD `mac` text;--> statement-breakpoint
-- The keyed chains (kernel/chain.ts) start after the rows that exist now. Their boundary is fixed
-- here, in the migration, not by code at open: removing this record later is reported, never
-- taken as "nothing to seal". The first open after this migration stores each seal's mac.
INSERT INTO `app_meta` (`key`, `value`) SELECT 'chain.audit.seal', json_object('lastId', coalesce(max(`id`), 0), 'mac', NULL) FROM `audit_log`;--> statement-breakpoint
INSERT INTO `app_meta` (`key`, `value`) SELECT 'chain.ledger.seal', json_object('lastId', coalesce(max(`seq`), 0), 'mac', NULL) FROM `ledger_transfers`;
