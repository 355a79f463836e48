CREATE TABLE `report_exports` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`params` text NOT NULL,
	`state` text NOT NULL,
	`rows` integer,
	`file_name` text NOT NULL,
	`path` text,
	`bytes` integer,
	`error` text,
	`job_id` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	CONSTRAINT "report_exports_state_known" CHECK("report_exports"."state" in ('queued','running','done','failed'))
);
--> statement-breakpoint
CREATE INDEX `report_exports_created` ON `report_exports` (`created_by`,`created_at`);