-- A narrower recon_statement_rows (a table that takes a million rows a day; docs/performance.md,
-- "The narrower statement row"): a row names its statement by the statement's seq (an integer
-- given in import order) instead of its 26-character id, in the row and in its index; its day is
-- the integer yyyyMMdd instead of ten characters, in the row and in its day index; and its id is
-- a plain INTEGER PRIMARY KEY without AUTOINCREMENT (no sqlite_sequence write per row: rows are
-- never deleted, so an id is never reused). Ids, lines and every other value are kept as they are,
-- so recon_breaks.statement_row_id still names the same rows. Both tables stay append-only.
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
	CONSTRAINT "recon_statements_channel_known" CHECK("__new_recon_statements"."channel" in ('wechat','alipay','generic'))
);
--> statement-breakpoint
INSERT INTO `__new_recon_statements`("id", "seq", "file_sha256", "file_name", "channel", "layout", "source", "merchant_id", "bill_dates", "row_count", "payment_count", "refund_count", "payment_total_fen", "refund_total_fen", "net_fen", "fee_total_fen", "details", "imported_at", "imported_by")
  SELECT "id", row_number() OVER (ORDER BY "imported_at", rowid), "file_sha256", "file_name", "channel", "layout", "source", "merchant_id", "bill_dates", "row_count", "payment_count", "refund_count", "payment_total_fen", "refund_total_fen", "net_fen", "fee_total_fen", "details", "imported_at", "imported_by" FROM `recon_statements`;--> statement-breakpoint
CREATE TABLE `__new_recon_statement_rows` (
	`id` integer PRIMARY KEY NOT NULL,
	`statement_seq` integer NOT NULL,
	`line` integer NOT NULL,
	`channel` text NOT NULL,
	`kind` text NOT NULL,
	`trade_no` text NOT NULL,
	`order_no` text NOT NULL,
	`refund_no` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`fee_fen` integer NOT NULL,
	`at` integer NOT NULL,
	`day` integer NOT NULL,
	`status` text NOT NULL,
	FOREIGN KEY (`statement_seq`) REFERENCES `recon_statements`(`seq`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "recon_statement_rows_amount" CHECK("__new_recon_statement_rows"."amount_fen" >= 0)
);
--> statement-breakpoint
INSERT INTO `__new_recon_statement_rows`("id", "statement_seq", "line", "channel", "kind", "trade_no", "order_no", "refund_no", "amount_fen", "fee_fen", "at", "day", "status")
  SELECT r."id", s."seq", r."line", r."channel", r."kind", r."trade_no", r."order_no", r."refund_no", r."amount_fen", r."fee_fen", r."at",
    CAST(replace(r."day", '-', '') AS INTEGER), r."status"
  FROM `recon_statement_rows` r JOIN `__new_recon_statements` s ON s."id" = r."statement_id";--> statement-breakpoint
DROP TABLE `recon_statement_rows`;--> statement-breakpoint
DROP TABLE `recon_statements`;--> statement-breakpoint
ALTER TABLE `__new_recon_statements` RENAME TO `recon_statements`;--> statement-breakpoint
ALTER TABLE `__new_recon_statement_rows` RENAME TO `recon_statement_rows`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `recon_statements_sha` ON `recon_statements` (`file_sha256`);--> statement-breakpoint
CREATE UNIQUE INDEX `recon_statements_seq` ON `recon_statements` (`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `recon_statement_rows_fact` ON `recon_statement_rows` (`channel`,`kind`,`trade_no`,`refund_no`,`status`);--> statement-breakpoint
CREATE INDEX `recon_statement_rows_statement` ON `recon_statement_rows` (`statement_seq`);--> statement-breakpoint
CREATE INDEX `recon_statement_rows_order` ON `recon_statement_rows` (`order_no`,`kind`,`trade_no`);--> statement-breakpoint
CREATE INDEX `recon_statement_rows_refund` ON `recon_statement_rows` (`refund_no`) WHERE "recon_statement_rows"."kind" = 'refund';--> statement-breakpoint
CREATE INDEX `recon_statement_rows_day` ON `recon_statement_rows` (`day`,`kind`);--> statement-breakpoint
CREATE TRIGGER recon_statement_rows_no_update BEFORE UPDATE ON recon_statement_rows
BEGIN
  SELECT RAISE(ABORT, 'recon_statement_rows is append-only: statements and break history are kept as received');
END;
--> statement-breakpoint
CREATE TRIGGER recon_statement_rows_no_delete BEFORE DELETE ON recon_statement_rows
BEGIN
  SELECT RAISE(ABORT, 'recon_statement_rows is append-only: statements and break history are kept as received');
END;
--> statement-breakpoint
CREATE TRIGGER recon_statements_no_update BEFORE UPDATE ON recon_statements
BEGIN
  SELECT RAISE(ABORT, 'recon_statements is append-only: statements and break history are kept as received');
END;
--> statement-breakpoint
CREATE TRIGGER recon_statements_no_delete BEFORE DELETE ON recon_statements
BEGIN
  SELECT RAISE(ABORT, 'recon_statements is append-only: statements and break history are kept as received');
END;
