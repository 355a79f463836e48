CREATE TABLE `charger_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`charger_id` text NOT NULL,
	`direction` text NOT NULL,
	`topic` text NOT NULL,
	`received_at` integer NOT NULL,
	`charger_at` integer,
	`message_type` integer,
	`unique_id` text,
	`action` text,
	`transaction_id` integer,
	`payload` text NOT NULL,
	`error` text,
	CONSTRAINT "charger_messages_direction" CHECK("charger_messages"."direction" in ('in','out'))
);
--> statement-breakpoint
CREATE INDEX `charger_messages_charger` ON `charger_messages` (`charger_id`,`id`);--> statement-breakpoint
CREATE INDEX `charger_messages_transaction` ON `charger_messages` (`charger_id`,`transaction_id`);--> statement-breakpoint
CREATE INDEX `charger_messages_received` ON `charger_messages` (`received_at`);--> statement-breakpoint
CREATE TABLE `charger_transaction_ids` (
	`transaction_id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`charger_id` text NOT NULL,
	`start_key` text NOT NULL,
	`connector_id` integer NOT NULL,
	`id_tag` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `charger_transaction_ids_start` ON `charger_transaction_ids` (`charger_id`,`start_key`);--> statement-breakpoint
CREATE TABLE `charger_transactions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`charger_id` text NOT NULL,
	`kind` text NOT NULL,
	`transaction_id` integer,
	`connector_id` integer,
	`id_tag` text,
	`charger_at` integer NOT NULL,
	`meter_wh` integer,
	`dedup_key` text NOT NULL,
	`content_hash` text NOT NULL,
	`payload` text NOT NULL,
	`unique_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`last_received_at` integer NOT NULL,
	`copies` integer DEFAULT 1 NOT NULL,
	`conflicting_copies` integer DEFAULT 0 NOT NULL,
	`processed_at` integer,
	`process_error` text,
	CONSTRAINT "charger_transactions_kind" CHECK("charger_transactions"."kind" in ('start','meter','stop'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `charger_transactions_dedup` ON `charger_transactions` (`charger_id`,`dedup_key`);--> statement-breakpoint
CREATE INDEX `charger_transactions_tx` ON `charger_transactions` (`charger_id`,`transaction_id`,`kind`);--> statement-breakpoint
CREATE INDEX `charger_transactions_pending` ON `charger_transactions` (`id`) WHERE "charger_transactions"."processed_at" is null;--> statement-breakpoint
CREATE TABLE `chargers` (
	`id` text PRIMARY KEY NOT NULL,
	`station_id` text,
	`connector_count` integer NOT NULL,
	`password_hash` text,
	`vendor` text,
	`model` text,
	`serial_number` text,
	`firmware_version` text,
	`status` text,
	`error_code` text,
	`online` integer DEFAULT false NOT NULL,
	`maintenance` integer DEFAULT false NOT NULL,
	`maintenance_reason` text,
	`registered` integer DEFAULT true NOT NULL,
	`heartbeat_interval_s` integer DEFAULT 60 NOT NULL,
	`last_boot_at` integer,
	`last_seen_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`station_id`) REFERENCES `stations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "chargers_connector_count" CHECK("chargers"."connector_count" >= 0)
);
--> statement-breakpoint
CREATE INDEX `chargers_station` ON `chargers` (`station_id`);--> statement-breakpoint
CREATE TABLE `connectors` (
	`charger_id` text NOT NULL,
	`connector_id` integer NOT NULL,
	`status` text,
	`error_code` text,
	`info` text,
	`vendor_error_code` text,
	`faulted` integer DEFAULT false NOT NULL,
	`status_at` integer,
	`updated_at` integer,
	PRIMARY KEY(`charger_id`, `connector_id`),
	FOREIGN KEY (`charger_id`) REFERENCES `chargers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "connectors_id_positive" CHECK("connectors"."connector_id" >= 1)
);
--> statement-breakpoint
CREATE TABLE `stations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`address` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stations_name_key_unique` ON `stations` (`name_key`);