-- The depot's journal for headquarters (issue 22, docs/headquarters.md "The journal"): one row per
-- fact HQ needs, appended in the fact's own transaction, gap-free and hash-chained
-- (kernel/journal.ts). Rows are never changed; the uplink deletes only what HQ acknowledged, and
-- never the tip, which the chain continues from.
CREATE TABLE `journal` (
	`seq` integer PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`v` integer NOT NULL,
	`at` integer NOT NULL,
	`prev` text NOT NULL,
	`hash` text NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `journal_key_unique` ON `journal` (`key`);
--> statement-breakpoint
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only: a journal row is never changed');
END;
--> statement-breakpoint
CREATE TRIGGER journal_keep_tip BEFORE DELETE ON journal
WHEN OLD.seq = (SELECT max(seq) FROM journal)
BEGIN
  SELECT RAISE(ABORT, 'journal: the tip (the last row) is never deleted; the chain continues from it');
END;
--> statement-breakpoint
-- The depot's identity at headquarters: made once here, never changed (every journal hash covers it).
INSERT OR IGNORE INTO `app_meta` (`key`, `value`) VALUES ('depot.id', lower(hex(randomblob(16))));
--> statement-breakpoint
CREATE TRIGGER app_meta_depot_id_no_update BEFORE UPDATE ON app_meta
WHEN OLD.key = 'depot.id'
BEGIN
  SELECT RAISE(ABORT, 'app_meta depot.id never changes: it is this depot''s identity at headquarters');
END;
--> statement-breakpoint
CREATE TRIGGER app_meta_depot_id_no_delete BEFORE DELETE ON app_meta
WHEN OLD.key = 'depot.id'
BEGIN
  SELECT RAISE(ABORT, 'app_meta depot.id never changes: it is this depot''s identity at headquarters');
END;
