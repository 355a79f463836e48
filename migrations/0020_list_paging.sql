DROP INDEX `charging_sessions_created`;--> statement-breakpoint
CREATE INDEX `charging_sessions_created` ON `charging_sessions` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `payment_orders_created` ON `payment_orders` (`created_at`,`id`);