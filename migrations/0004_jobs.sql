CREATE TABLE `job_crons` (
	`name` text PRIMARY KEY NOT NULL,
	`expression` text NOT NULL,
	`kind` text NOT NULL,
	`last_slot_at` integer NOT NULL,
	`last_job_id` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `job_kind_health` (
	`kind` text PRIMARY KEY NOT NULL,
	`failure_streak` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_failure_at` integer,
	`last_success_at` integer
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`queue` text NOT NULL,
	`args` text NOT NULL,
	`meta` text DEFAULT '{}' NOT NULL,
	`state` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`attempt` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`scheduled_at` integer NOT NULL,
	`attempted_at` integer,
	`completed_at` integer,
	`discarded_at` integer,
	`cancelled_at` integer,
	`errors` text DEFAULT '[]' NOT NULL,
	`unique_key` text,
	`inserted_at` integer NOT NULL,
	CONSTRAINT "jobs_state_known" CHECK("state" in ('scheduled','available','executing','retryable','completed','discarded','cancelled')),
	CONSTRAINT "jobs_attempts_sane" CHECK("jobs"."max_attempts" >= 1 and "jobs"."attempt" >= 0)
);
--> statement-breakpoint
CREATE INDEX `jobs_claim` ON `jobs` (`state`,`queue`,`priority`,`scheduled_at`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_state_scheduled` ON `jobs` (`state`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `jobs_kind` ON `jobs` (`kind`,`state`);--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_unique_live` ON `jobs` (`unique_key`) WHERE "unique_key" is not null and "state" in ('scheduled','available','executing','retryable');--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`level` text NOT NULL,
	`message` text NOT NULL,
	`subject` text NOT NULL,
	`details` text DEFAULT '{}' NOT NULL,
	`raised_at` integer NOT NULL,
	`last_raised_at` integer NOT NULL,
	`count` integer DEFAULT 1 NOT NULL,
	`acknowledged_at` integer,
	`acknowledged_by` text,
	CONSTRAINT "alerts_level_known" CHECK("alerts"."level" in ('info','warning','error'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_open_subject` ON `alerts` (`subject`) WHERE "acknowledged_at" is null;--> statement-breakpoint
CREATE INDEX `alerts_raised` ON `alerts` (`acknowledged_at`,`raised_at`);