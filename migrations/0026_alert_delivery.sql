CREATE TABLE `alert_delivery` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`quiet_enabled` integer NOT NULL,
	`quiet_from` text NOT NULL,
	`quiet_to` text NOT NULL,
	`role_levels` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	CONSTRAINT "alert_delivery_one_row" CHECK("alert_delivery"."id" = 1),
	CONSTRAINT "alert_delivery_version" CHECK("alert_delivery"."version" >= 1),
	CONSTRAINT "alert_delivery_quiet_from" CHECK("alert_delivery"."quiet_from" glob '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "alert_delivery_quiet_to" CHECK("alert_delivery"."quiet_to" glob '[0-2][0-9]:[0-5][0-9]'),
	CONSTRAINT "alert_delivery_role_levels" CHECK(json_valid("alert_delivery"."role_levels"))
);
