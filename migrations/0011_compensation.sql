CREATE TABLE `comp_campaign_items` (
	`campaign_id` text NOT NULL,
	`driver_id` text NOT NULL,
	`failures` integer NOT NULL,
	`amount` integer NOT NULL,
	`status` text NOT NULL,
	`transfer_id` text NOT NULL,
	`batch_no` text NOT NULL,
	`reverses_transfer_id` text,
	`error` text,
	`done_at` integer,
	PRIMARY KEY(`campaign_id`, `driver_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `comp_campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "comp_campaign_items_status_known" CHECK("comp_campaign_items"."status" in ('pending','credited','already','failed')),
	CONSTRAINT "comp_campaign_items_amount" CHECK("comp_campaign_items"."amount" > 0 and "comp_campaign_items"."failures" >= 0)
);
--> statement-breakpoint
CREATE INDEX `comp_campaign_items_status` ON `comp_campaign_items` (`campaign_id`,`status`);--> statement-breakpoint
CREATE TABLE `comp_campaign_sessions` (
	`campaign_id` text NOT NULL,
	`session_id` text NOT NULL,
	PRIMARY KEY(`session_id`, `campaign_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `comp_campaigns`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `comp_campaign_sessions_campaign` ON `comp_campaign_sessions` (`campaign_id`);--> statement-breakpoint
CREATE TABLE `comp_campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`reverses_id` text,
	`target` text NOT NULL,
	`spec` text NOT NULL,
	`state` text NOT NULL,
	`dry_run_fingerprint` text,
	`dry_run_at` integer,
	`dry_run_by` text,
	`dry_run_drivers` integer,
	`dry_run_records` integer,
	`dry_run_total` integer,
	`approved_by` text,
	`approved_at` integer,
	`approval_checklist` text,
	`batch_stamp` text,
	`executed_by` text,
	`execution_started_at` integer,
	`execution_finished_at` integer,
	`cancelled_by` text,
	`cancelled_at` integer,
	`cancel_note` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "comp_campaigns_state_known" CHECK("comp_campaigns"."state" in ('draft','approved','executing','completed','cancelled')),
	CONSTRAINT "comp_campaigns_kind_known" CHECK("comp_campaigns"."kind" in ('credit','reversal')),
	CONSTRAINT "comp_campaigns_target_known" CHECK("comp_campaigns"."target" in ('wallet','coupon','points')),
	CONSTRAINT "comp_campaigns_reversal" CHECK(("comp_campaigns"."kind" = 'reversal') = ("comp_campaigns"."reverses_id" is not null)),
	CONSTRAINT "comp_campaigns_approver" CHECK("comp_campaigns"."approved_by" is null or "comp_campaigns"."approved_by" <> "comp_campaigns"."created_by")
);
--> statement-breakpoint
CREATE INDEX `comp_campaigns_state` ON `comp_campaigns` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `comp_campaigns_reverses` ON `comp_campaigns` (`reverses_id`) WHERE "comp_campaigns"."reverses_id" is not null;--> statement-breakpoint
ALTER TABLE `charging_sessions` ADD `failure_code` text;--> statement-breakpoint
CREATE INDEX `charging_sessions_failed` ON `charging_sessions` (`created_at`) WHERE "charging_sessions"."state" = 'FAILED';--> statement-breakpoint
-- Sessions that failed before this column existed: the event that failed them, from their timeline.
UPDATE `charging_sessions` SET `failure_code` = CASE
	WHEN `state` = 'CANCELLED' THEN 'cancelled'
	ELSE (SELECT e.`kind` FROM `session_events` e WHERE e.`session_id` = `charging_sessions`.`id` AND e.`to_state` = 'FAILED' AND e.`kind` IN ('start_timeout', 'remote_start_refused') ORDER BY e.`id` DESC LIMIT 1)
END WHERE `state` IN ('FAILED', 'CANCELLED');
