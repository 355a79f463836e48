CREATE TABLE `session_force_closes` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`state` text NOT NULL,
	`reason` text NOT NULL,
	`meter_wh` integer NOT NULL,
	`reading_at` integer NOT NULL,
	`requested_by` text NOT NULL,
	`requested_at` integer NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`decision_note` text,
	`stop_record_id` integer,
	`resettled_at` integer,
	FOREIGN KEY (`session_id`) REFERENCES `charging_sessions`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "session_force_closes_state" CHECK("session_force_closes"."state" in ('requested','approved','rejected'))
);
--> statement-breakpoint
CREATE INDEX `session_force_closes_session` ON `session_force_closes` (`session_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `session_force_closes_open` ON `session_force_closes` (`session_id`) WHERE "session_force_closes"."state" in ('requested','approved');--> statement-breakpoint
DROP INDEX `charger_messages_received`;--> statement-breakpoint
ALTER TABLE `charger_messages` ADD `answer` text;--> statement-breakpoint
DROP INDEX `session_meter_samples_session`;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_charger_transactions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`charger_id` text NOT NULL,
	`kind` text NOT NULL,
	`transaction_id` integer,
	`connector_id` integer,
	`id_tag` text,
	`charger_at` integer NOT NULL,
	`meter_wh` integer,
	`dedup_key` blob NOT NULL,
	`content_hash` blob,
	`payload` text,
	`message_id` integer,
	`unique_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`last_received_at` integer NOT NULL,
	`copies` integer DEFAULT 1 NOT NULL,
	`conflicting_copies` integer DEFAULT 0 NOT NULL,
	`processed_at` integer,
	`process_error` text,
	`parked_at` integer,
	`attention_at` integer,
	`resolution` text,
	`resolved_by` text,
	`resolution_note` text,
	`attached_session_id` text,
	CONSTRAINT "charger_transactions_kind" CHECK("__new_charger_transactions"."kind" in ('start','meter','stop')),
	CONSTRAINT "charger_transactions_resolution" CHECK("__new_charger_transactions"."resolution" is null or "__new_charger_transactions"."resolution" in ('attached','discarded'))
);
--> statement-breakpoint
-- Hashes become 16-byte blobs. A meter record's identity was `meter|<connector>|<tx>|<sha256 hex>`;
-- connector and transaction are inside the hashed payload, so its first 16 bytes are the identity now,
-- and a charger replaying a record from before this migration is still recognised as a repeat.
-- Records that were waiting or had failed are parked (since their receipt) instead of blocking the queue.
INSERT INTO `__new_charger_transactions`("id", "charger_id", "kind", "transaction_id", "connector_id", "id_tag", "charger_at", "meter_wh", "dedup_key", "content_hash", "payload", "message_id", "unique_id", "received_at", "last_received_at", "copies", "conflicting_copies", "processed_at", "process_error", "parked_at") SELECT "id", "charger_id", "kind", "transaction_id", "connector_id", "id_tag", "charger_at", "meter_wh",
  CASE WHEN "kind" = 'meter' THEN unhex(substr("content_hash", 1, 32)) ELSE "dedup_key" END,
  CASE WHEN "kind" = 'meter' THEN NULL ELSE unhex(substr("content_hash", 1, 32)) END,
  "payload", NULL, "unique_id", "received_at", "last_received_at", "copies", "conflicting_copies", "processed_at", "process_error",
  CASE WHEN "processed_at" IS NULL AND "process_error" IS NOT NULL THEN "received_at" ELSE NULL END
  FROM `charger_transactions`;--> statement-breakpoint
DROP TABLE `charger_transactions`;--> statement-breakpoint
ALTER TABLE `__new_charger_transactions` RENAME TO `charger_transactions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `charger_transactions_dedup` ON `charger_transactions` (`charger_id`,`dedup_key`);--> statement-breakpoint
CREATE INDEX `charger_transactions_tx` ON `charger_transactions` (`charger_id`,`transaction_id`,`kind`);--> statement-breakpoint
CREATE INDEX `charger_transactions_pending` ON `charger_transactions` (`id`) WHERE "charger_transactions"."processed_at" is null and "charger_transactions"."parked_at" is null;--> statement-breakpoint
CREATE INDEX `charger_transactions_parked` ON `charger_transactions` (`parked_at`) WHERE "charger_transactions"."processed_at" is null and "charger_transactions"."parked_at" is not null;