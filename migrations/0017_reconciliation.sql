CREATE TABLE `recon_break_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`break_id` text NOT NULL,
	`at` integer NOT NULL,
	`by` text,
	`action` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`break_id`) REFERENCES `recon_breaks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `recon_break_events_break` ON `recon_break_events` (`break_id`,`id`);--> statement-breakpoint
CREATE TABLE `recon_breaks` (
	`id` text PRIMARY KEY NOT NULL,
	`natural_key` text NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
	`day` text NOT NULL,
	`channel` text NOT NULL,
	`order_number` text,
	`trade_no` text,
	`refund_no` text,
	`statement_row_id` integer,
	`order_id` text,
	`refund_task_id` text,
	`gateway_fen` integer NOT NULL,
	`ours_fen` integer NOT NULL,
	`diff_fen` integer NOT NULL,
	`owner` text,
	`resolution` text,
	`note` text,
	`reference` text,
	`requested_by` text,
	`requested_at` integer,
	`resolved_by` text,
	`resolved_at` integer,
	`opened_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`statement_row_id`) REFERENCES `recon_statement_rows`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "recon_breaks_kind_known" CHECK("recon_breaks"."kind" in ('long','short','amount_mismatch','refund_mismatch','duplicate')),
	CONSTRAINT "recon_breaks_state_known" CHECK("recon_breaks"."state" in ('open','write_off_requested','resolved','written_off')),
	CONSTRAINT "recon_breaks_resolution_known" CHECK("recon_breaks"."resolution" is null or "recon_breaks"."resolution" in ('credit','refund','written_off','explained','matched_late')),
	CONSTRAINT "recon_breaks_closed_has_resolution" CHECK(("recon_breaks"."state" in ('resolved','written_off')) = ("recon_breaks"."resolution" is not null)),
	CONSTRAINT "recon_breaks_diff" CHECK("recon_breaks"."diff_fen" = "recon_breaks"."gateway_fen" - "recon_breaks"."ours_fen")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recon_breaks_natural` ON `recon_breaks` (`natural_key`);--> statement-breakpoint
CREATE INDEX `recon_breaks_state` ON `recon_breaks` (`state`,`day`);--> statement-breakpoint
CREATE INDEX `recon_breaks_day` ON `recon_breaks` (`day`);--> statement-breakpoint
CREATE TABLE `recon_days` (
	`day` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`figures` text NOT NULL,
	`matched` integer NOT NULL,
	`pending` integer NOT NULL,
	`breaks_open` integer NOT NULL,
	`breaks_total` integer NOT NULL,
	`energy_anomalies` integer NOT NULL,
	`last_run_at` integer NOT NULL,
	`signed_off_by` text,
	`signed_off_at` integer,
	`sign_off_note` text,
	CONSTRAINT "recon_days_state_known" CHECK("recon_days"."state" in ('pending','matched','breaks','signed_off'))
);
--> statement-breakpoint
CREATE TABLE `recon_energy` (
	`day` text NOT NULL,
	`charger_id` text NOT NULL,
	`sessions` integer NOT NULL,
	`billed_wh` integer NOT NULL,
	`register_wh` integer NOT NULL,
	`gap_wh` integer NOT NULL,
	`diff_bp` integer NOT NULL,
	`anomaly` integer NOT NULL,
	`checked_at` integer NOT NULL,
	PRIMARY KEY(`day`, `charger_id`)
);
--> statement-breakpoint
CREATE INDEX `recon_energy_charger` ON `recon_energy` (`charger_id`,`day`);--> statement-breakpoint
CREATE TABLE `recon_mappings` (
	`name` text PRIMARY KEY NOT NULL,
	`mapping` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text
);
--> statement-breakpoint
CREATE TABLE `recon_statement_rows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`statement_id` text NOT NULL,
	`line` integer NOT NULL,
	`channel` text NOT NULL,
	`kind` text NOT NULL,
	`trade_no` text NOT NULL,
	`order_no` text NOT NULL,
	`refund_no` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`fee_fen` integer NOT NULL,
	`at` integer NOT NULL,
	`day` text NOT NULL,
	`status` text NOT NULL,
	FOREIGN KEY (`statement_id`) REFERENCES `recon_statements`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "recon_statement_rows_amount" CHECK("recon_statement_rows"."amount_fen" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recon_statement_rows_fact` ON `recon_statement_rows` (`channel`,`kind`,`trade_no`,`refund_no`);--> statement-breakpoint
CREATE INDEX `recon_statement_rows_statement` ON `recon_statement_rows` (`statement_id`);--> statement-breakpoint
CREATE INDEX `recon_statement_rows_order` ON `recon_statement_rows` (`order_no`,`kind`);--> statement-breakpoint
CREATE INDEX `recon_statement_rows_refund` ON `recon_statement_rows` (`refund_no`) WHERE "recon_statement_rows"."kind" = 'refund';--> statement-breakpoint
CREATE INDEX `recon_statement_rows_day` ON `recon_statement_rows` (`day`,`kind`);--> statement-breakpoint
CREATE TABLE `recon_statements` (
	`id` text PRIMARY KEY NOT NULL,
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
	CONSTRAINT "recon_statements_channel_known" CHECK("recon_statements"."channel" in ('wechat','alipay','generic'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recon_statements_sha` ON `recon_statements` (`file_sha256`);--> statement-breakpoint
CREATE INDEX `charging_sessions_stopped` ON `charging_sessions` (`stopped_at`,`charger_id`,`connector_id`) WHERE "charging_sessions"."stopped_at" is not null;--> statement-breakpoint
CREATE INDEX `payment_orders_paid` ON `payment_orders` (`paid_at`) WHERE "payment_orders"."paid_at" is not null;--> statement-breakpoint
CREATE TRIGGER recon_break_events_no_update BEFORE UPDATE ON recon_break_events
BEGIN
  SELECT RAISE(ABORT, 'recon_break_events is append-only: statements and break history are kept as received');
END;
--> statement-breakpoint
CREATE TRIGGER recon_break_events_no_delete BEFORE DELETE ON recon_break_events
BEGIN
  SELECT RAISE(ABORT, 'recon_break_events is append-only: statements and break history are kept as received');
END;
--> statement-breakpoint
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
