CREATE TABLE `charging_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`origin` text NOT NULL,
	`charger_id` text NOT NULL,
	`connector_id` integer NOT NULL,
	`station_id` text,
	`driver_id` text,
	`id_tag` text NOT NULL,
	`prepay_fen` integer DEFAULT 0 NOT NULL,
	`hold_id` text,
	`transaction_id` integer,
	`meter_start_wh` integer,
	`meter_stop_wh` integer,
	`started_at` integer,
	`start_received_at` integer,
	`stopped_at` integer,
	`stop_received_at` integer,
	`stop_reason` text,
	`energy_wh` integer,
	`amount_fen` integer,
	`electricity_fen` integer,
	`service_fen` integer,
	`quote` text,
	`paid_hold_fen` integer,
	`paid_wallet_fen` integer,
	`debt_fen` integer,
	`debt_id` text,
	`settlement_key` text,
	`settled_at` integer,
	`failure_reason` text,
	`review_reason` text,
	`review_state` text,
	`review_note` text,
	`reviewed_by` text,
	`reviewed_at` integer,
	`created_at` integer NOT NULL,
	`created_by` text,
	`updated_at` integer NOT NULL,
	CONSTRAINT "charging_sessions_state" CHECK("charging_sessions"."state" in ('PLACED','STARTING','CHARGING','STOPPING','FINISHED','PAID','UNPAID','FAILED','CANCELLED')),
	CONSTRAINT "charging_sessions_prepay" CHECK("charging_sessions"."prepay_fen" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `charging_sessions_transaction` ON `charging_sessions` (`charger_id`,`transaction_id`) WHERE "charging_sessions"."transaction_id" is not null;--> statement-breakpoint
CREATE INDEX `charging_sessions_connector` ON `charging_sessions` (`charger_id`,`connector_id`,`state`);--> statement-breakpoint
CREATE INDEX `charging_sessions_state` ON `charging_sessions` (`state`);--> statement-breakpoint
CREATE INDEX `charging_sessions_driver` ON `charging_sessions` (`driver_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `charging_sessions_created` ON `charging_sessions` (`created_at`);--> statement-breakpoint
CREATE INDEX `charging_sessions_review` ON `charging_sessions` (`review_state`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`driver_id` text NOT NULL,
	`session_id` text,
	`kind` text NOT NULL,
	`text` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notifications_driver` ON `notifications` (`driver_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `session_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` text NOT NULL,
	`at` integer NOT NULL,
	`charger_at` integer,
	`kind` text NOT NULL,
	`from_state` text,
	`to_state` text,
	`detail` text DEFAULT '' NOT NULL,
	`record_id` integer,
	`operator_id` text,
	FOREIGN KEY (`session_id`) REFERENCES `charging_sessions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `session_events_session` ON `session_events` (`session_id`,`id`);--> statement-breakpoint
CREATE TABLE `session_meter_samples` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` text NOT NULL,
	`charger_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`wh` integer NOT NULL,
	`source` text NOT NULL,
	`record_id` integer,
	FOREIGN KEY (`session_id`) REFERENCES `charging_sessions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `session_meter_samples_reading` ON `session_meter_samples` (`session_id`,`charger_at`,`wh`);--> statement-breakpoint
CREATE INDEX `session_meter_samples_session` ON `session_meter_samples` (`session_id`,`charger_at`);