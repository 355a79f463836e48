-- Bytes per settled session (issue 12, docs/performance.md): the inbox keeps no copy of the UniqueId
-- (its message row has it), only parked records are indexed by transaction, and meter samples are
-- stored WITHOUT ROWID keyed by the reading, so the session id is stored once per reading.
DROP INDEX `charger_transactions_tx`;--> statement-breakpoint
CREATE INDEX `charger_transactions_parked_tx` ON `charger_transactions` (`charger_id`,`transaction_id`) WHERE "charger_transactions"."processed_at" is null and "charger_transactions"."parked_at" is not null;--> statement-breakpoint
ALTER TABLE `charger_transactions` DROP COLUMN `unique_id`;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_session_meter_samples` (
	`session_id` text NOT NULL,
	`charger_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`wh` integer NOT NULL,
	`source` text NOT NULL,
	`record_id` integer,
	PRIMARY KEY(`session_id`, `charger_at`, `wh`),
	FOREIGN KEY (`session_id`) REFERENCES `charging_sessions`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_session_meter_samples`("session_id", "charger_at", "received_at", "wh", "source", "record_id") SELECT "session_id", "charger_at", "received_at", "wh", "source", "record_id" FROM `session_meter_samples`;--> statement-breakpoint
DROP TABLE `session_meter_samples`;--> statement-breakpoint
ALTER TABLE `__new_session_meter_samples` RENAME TO `session_meter_samples`;--> statement-breakpoint
PRAGMA foreign_keys=ON;