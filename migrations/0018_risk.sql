CREATE TABLE `charger_health_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`charger_id` text NOT NULL,
	`kind` text NOT NULL,
	`connector_id` integer,
	`detail` text DEFAULT '' NOT NULL,
	`at` integer NOT NULL,
	CONSTRAINT "charger_health_events_kind" CHECK("charger_health_events"."kind" in ('fault','offline'))
);
--> statement-breakpoint
CREATE INDEX `charger_health_events_charger` ON `charger_health_events` (`charger_id`,`at`);--> statement-breakpoint
CREATE INDEX `charger_health_events_at` ON `charger_health_events` (`at`);--> statement-breakpoint
CREATE TABLE `risk_blacklist` (
	`id` text PRIMARY KEY NOT NULL,
	`driver_id` text NOT NULL,
	`state` text NOT NULL,
	`source` text NOT NULL,
	`rule_code` text,
	`rule_version` integer,
	`facts` text NOT NULL,
	`facts_key` text NOT NULL,
	`reason` text NOT NULL,
	`listed_at` integer NOT NULL,
	`listed_by` text,
	`expires_at` integer,
	`ended_at` integer,
	`ended_by` text,
	`end_note` text,
	CONSTRAINT "risk_blacklist_state_known" CHECK("risk_blacklist"."state" in ('active','lifted','expired')),
	CONSTRAINT "risk_blacklist_source" CHECK(("risk_blacklist"."source" = 'rule') = ("risk_blacklist"."rule_code" is not null))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_blacklist_active` ON `risk_blacklist` (`driver_id`) WHERE "risk_blacklist"."state" = 'active';--> statement-breakpoint
CREATE INDEX `risk_blacklist_driver` ON `risk_blacklist` (`driver_id`,`listed_at`);--> statement-breakpoint
CREATE INDEX `risk_blacklist_state` ON `risk_blacklist` (`state`,`listed_at`);--> statement-breakpoint
CREATE TABLE `risk_charger_actions` (
	`id` text PRIMARY KEY NOT NULL,
	`charger_id` text NOT NULL,
	`state` text NOT NULL,
	`rule_code` text NOT NULL,
	`rule_version` integer NOT NULL,
	`facts` text NOT NULL,
	`reason` text NOT NULL,
	`at` integer NOT NULL,
	`availability` text,
	`returned_at` integer,
	`returned_by` text,
	`return_note` text,
	CONSTRAINT "risk_charger_actions_state_known" CHECK("risk_charger_actions"."state" in ('in_maintenance','returned'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_charger_actions_open` ON `risk_charger_actions` (`charger_id`) WHERE "risk_charger_actions"."state" = 'in_maintenance';--> statement-breakpoint
CREATE INDEX `risk_charger_actions_charger` ON `risk_charger_actions` (`charger_id`,`at`);--> statement-breakpoint
CREATE TABLE `risk_debt_write_offs` (
	`id` text PRIMARY KEY NOT NULL,
	`debt_id` text NOT NULL,
	`driver_id` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`reason` text NOT NULL,
	`state` text NOT NULL,
	`requested_by` text NOT NULL,
	`requested_at` integer NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`decision_note` text,
	`ledger_key` text,
	CONSTRAINT "risk_debt_write_offs_state_known" CHECK("risk_debt_write_offs"."state" in ('pending','approved','rejected')),
	CONSTRAINT "risk_debt_write_offs_amount" CHECK("risk_debt_write_offs"."amount_fen" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_debt_write_offs_pending` ON `risk_debt_write_offs` (`debt_id`) WHERE "risk_debt_write_offs"."state" = 'pending';--> statement-breakpoint
CREATE INDEX `risk_debt_write_offs_state` ON `risk_debt_write_offs` (`state`,`requested_at`);--> statement-breakpoint
CREATE TABLE `risk_rule_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`version` integer NOT NULL,
	`enabled` integer NOT NULL,
	`params` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`changed_at` integer NOT NULL,
	`changed_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_rule_versions_code` ON `risk_rule_versions` (`code`,`version`);--> statement-breakpoint
CREATE TABLE `risk_rules` (
	`code` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`enabled` integer NOT NULL,
	`params` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text
);
--> statement-breakpoint
ALTER TABLE `drivers` ADD `blocked_reason` text;--> statement-breakpoint
ALTER TABLE `drivers` ADD `blocked_until` integer;--> statement-breakpoint
ALTER TABLE `drivers` ADD `blocked_ref` text;--> statement-breakpoint
CREATE TRIGGER risk_rule_versions_no_update BEFORE UPDATE ON risk_rule_versions
BEGIN
  SELECT RAISE(ABORT, 'risk_rule_versions is append-only: a decision names the version it used');
END;
--> statement-breakpoint
CREATE TRIGGER risk_rule_versions_no_delete BEFORE DELETE ON risk_rule_versions
BEGIN
  SELECT RAISE(ABORT, 'risk_rule_versions is append-only: a decision names the version it used');
END;
