-- A statement names its rows by their id range (row_id_from..row_id_to) and the days they fall on
-- (day_from..day_to) instead of two index entries per row on recon_statement_rows (statement_seq,
-- and (day, kind)): docs/performance.md, "A statement's rows by their id range". An import stores
-- its rows in one transaction under the write lock, so they are contiguous. The ranges of the
-- statements kept so far are read from their rows, after a check that each statement's rows are
-- contiguous indeed (the migration stops, and nothing of it is kept, if they were not).
-- recon_statements stays append-only.
CREATE TEMP TABLE `recon_rows_contiguous_check` (`contiguous` integer NOT NULL CHECK (`contiguous` = 1));--> statement-breakpoint
INSERT INTO `recon_rows_contiguous_check` SELECT NOT EXISTS (
  SELECT 1 FROM (SELECT min(id) AS a, max(id) AS b, count(*) AS n FROM `recon_statement_rows` GROUP BY statement_seq) WHERE b - a + 1 <> n
);--> statement-breakpoint
DROP TABLE `recon_rows_contiguous_check`;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_recon_statements` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`file_sha256` text NOT NULL,
	`file_name` text NOT NULL,
	`channel` text NOT NULL,
	`layout` text NOT NULL,
	`source` text NOT NULL,
	`merchant_id` text NOT NULL,
	`bill_dates` text NOT NULL,
	`row_count` integer NOT NULL,
	`payment_count` integer NOT NULL,
	`refund_count` integer NOT NULL,
	`payment_total_fen` integer NOT NULL,
	`refund_total_fen` integer NOT NULL,
	`net_fen` integer NOT NULL,
	`fee_total_fen` integer NOT NULL,
	`details` text NOT NULL,
	`imported_at` integer NOT NULL,
	`imported_by` text,
	`row_id_from` integer DEFAULT 1 NOT NULL,
	`row_id_to` integer DEFAULT 0 NOT NULL,
	`day_from` integer DEFAULT 0 NOT NULL,
	`day_to` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "recon_statements_row_range" CHECK("__new_recon_statements"."row_id_to" >= "__new_recon_statements"."row_id_from" - 1),
	CONSTRAINT "recon_statements_channel_known" CHECK("__new_recon_statements"."channel" in ('wechat','alipay','generic'))
);
--> statement-breakpoint
INSERT INTO `__new_recon_statements`("id", "seq", "file_sha256", "file_name", "channel", "layout", "source", "merchant_id", "bill_dates", "row_count", "payment_count", "refund_count", "payment_total_fen", "refund_total_fen", "net_fen", "fee_total_fen", "details", "imported_at", "imported_by", "row_id_from", "row_id_to", "day_from", "day_to") SELECT s."id", s."seq", s."file_sha256", s."file_name", s."channel", s."layout", s."source", s."merchant_id", s."bill_dates", s."row_count", s."payment_count", s."refund_count", s."payment_total_fen", s."refund_total_fen", s."net_fen", s."fee_total_fen", s."details", s."imported_at", s."imported_by", coalesce(r."a", 1), coalesce(r."b", 0), coalesce(r."d1", 0), coalesce(r."d2", 0)
  FROM `recon_statements` s LEFT JOIN (SELECT statement_seq, min(id) AS a, max(id) AS b, min(day) AS d1, max(day) AS d2 FROM `recon_statement_rows` GROUP BY statement_seq) r ON r.statement_seq = s."seq";--> statement-breakpoint
DROP TABLE `recon_statements`;--> statement-breakpoint
ALTER TABLE `__new_recon_statements` RENAME TO `recon_statements`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `recon_statements_sha` ON `recon_statements` (`file_sha256`);--> statement-breakpoint
CREATE UNIQUE INDEX `recon_statements_seq` ON `recon_statements` (`seq`);--> statement-breakpoint
DROP INDEX `recon_statement_rows_statement`;--> statement-breakpoint
DROP INDEX `recon_statement_rows_day`;--> statement-breakpoint
CREATE TRIGGER recon_statements_no_update BEFORE UPDATE ON recon_statements
BEGIN
  SELECT RAISE(ABORT, 'recon_statements is append-only: statements and break history are kept as received');
END;
--> statement-breakpoint
CREATE TRIGGER recon_statements_no_delete BEFORE DELETE ON recon_statements
BEGIN
  SELECT RAISE(ABORT, 'recon_statements is append-only: statements and break history are kept as received');
END;
