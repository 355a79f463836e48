DROP INDEX `payment_orders_driver`;--> statement-breakpoint
CREATE INDEX `payment_orders_driver` ON `payment_orders` (`driver_id`,`created_at`,`id`,`state`,`channel`);