DROP INDEX `charging_sessions_driver`;--> statement-breakpoint
CREATE INDEX `charging_sessions_charger_created` ON `charging_sessions` (`charger_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `charging_sessions_driver` ON `charging_sessions` (`driver_id`,`created_at`,`id`);--> statement-breakpoint
DROP INDEX `payment_orders_state_created`;--> statement-breakpoint
DROP INDEX `payment_orders_driver`;--> statement-breakpoint
CREATE INDEX `payment_orders_state` ON `payment_orders` (`state`);--> statement-breakpoint
CREATE INDEX `payment_orders_state_created` ON `payment_orders` (`state`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `payment_orders_driver` ON `payment_orders` (`driver_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_list_state` ON `jobs` (`state`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_list_kind` ON `jobs` (`kind`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_list_queue` ON `jobs` (`queue`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_listed` ON `jobs` (`id`) WHERE NOT ("state" = 'completed' AND coalesce("unique_key", '') LIKE 'cron:%' AND "attempt" <= 1);--> statement-breakpoint
CREATE INDEX `jobs_listed_state` ON `jobs` (`state`,`id`) WHERE NOT ("state" = 'completed' AND coalesce("unique_key", '') LIKE 'cron:%' AND "attempt" <= 1);--> statement-breakpoint
CREATE INDEX `jobs_listed_kind` ON `jobs` (`kind`,`id`) WHERE NOT ("state" = 'completed' AND coalesce("unique_key", '') LIKE 'cron:%' AND "attempt" <= 1);--> statement-breakpoint
CREATE INDEX `jobs_listed_queue` ON `jobs` (`queue`,`id`) WHERE NOT ("state" = 'completed' AND coalesce("unique_key", '') LIKE 'cron:%' AND "attempt" <= 1);--> statement-breakpoint
CREATE INDEX `alerts_list` ON `alerts` (`last_raised_at`,`id`);--> statement-breakpoint
CREATE INDEX `alerts_list_level` ON `alerts` (`level`,`last_raised_at`,`id`);--> statement-breakpoint
CREATE INDEX `alerts_list_open` ON `alerts` (`last_raised_at`,`id`) WHERE "acknowledged_at" is null and "resolved_at" is null;--> statement-breakpoint
CREATE INDEX `alerts_raised_at` ON `alerts` (`raised_at`);