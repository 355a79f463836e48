CREATE TABLE `tariff_date_overrides` (
	`id` text PRIMARY KEY NOT NULL,
	`plan_id` text NOT NULL,
	`date` text NOT NULL,
	`slots` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text,
	FOREIGN KEY (`plan_id`) REFERENCES `tariff_plans`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tariff_date_overrides_slots_json" CHECK(json_valid("tariff_date_overrides"."slots"))
);
--> statement-breakpoint
CREATE INDEX `tariff_date_overrides_plan` ON `tariff_date_overrides` (`plan_id`,`date`);--> statement-breakpoint
CREATE TABLE `tariff_plans` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tariff_plans_name_unique` ON `tariff_plans` (`name`);--> statement-breakpoint
CREATE TABLE `tariff_station_assignments` (
	`id` text PRIMARY KEY NOT NULL,
	`station_id` text NOT NULL,
	`plan_id` text NOT NULL,
	`effective_from_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text,
	FOREIGN KEY (`plan_id`) REFERENCES `tariff_plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tariff_station_assignments_station_from` ON `tariff_station_assignments` (`station_id`,`effective_from_at`);--> statement-breakpoint
CREATE INDEX `tariff_station_assignments_plan` ON `tariff_station_assignments` (`plan_id`);--> statement-breakpoint
CREATE TABLE `tariff_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`plan_id` text NOT NULL,
	`effective_from` text NOT NULL,
	`effective_from_at` integer NOT NULL,
	`time_zone` text NOT NULL,
	`currency` text NOT NULL,
	`sharp_electricity` integer NOT NULL,
	`sharp_service` integer NOT NULL,
	`peak_electricity` integer NOT NULL,
	`peak_service` integer NOT NULL,
	`flat_electricity` integer NOT NULL,
	`flat_service` integer NOT NULL,
	`valley_electricity` integer NOT NULL,
	`valley_service` integer NOT NULL,
	`slots` text NOT NULL,
	`rules` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text,
	FOREIGN KEY (`plan_id`) REFERENCES `tariff_plans`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tariff_versions_currency" CHECK("tariff_versions"."currency" = 'CNY'),
	CONSTRAINT "tariff_versions_prices_non_negative" CHECK("tariff_versions"."sharp_electricity" >= 0 AND "tariff_versions"."sharp_service" >= 0 AND "tariff_versions"."peak_electricity" >= 0 AND "tariff_versions"."peak_service" >= 0 AND "tariff_versions"."flat_electricity" >= 0 AND "tariff_versions"."flat_service" >= 0 AND "tariff_versions"."valley_electricity" >= 0 AND "tariff_versions"."valley_service" >= 0),
	CONSTRAINT "tariff_versions_48_slots" CHECK(json_valid("tariff_versions"."slots") AND json_array_length("tariff_versions"."slots") = 48),
	CONSTRAINT "tariff_versions_rules_json" CHECK(json_valid("tariff_versions"."rules") AND json_type("tariff_versions"."rules") = 'array')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tariff_versions_plan_from` ON `tariff_versions` (`plan_id`,`effective_from_at`);