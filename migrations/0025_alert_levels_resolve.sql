-- Alert levels become info / warning / urgent: the old 'error' rows are carried over as 'urgent'
-- (drizzle-kit's generated copy selected the new resolved_* columns from the old table, which has
-- none; they start NULL). An alert can now resolve itself: resolved_at / resolved_by / resolution,
-- and "open" means neither acknowledged nor resolved. A settlement sweep that failed as a whole
-- records its error.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_alerts` (
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
	`resolved_at` integer,
	`resolved_by` text,
	`resolution` text,
	CONSTRAINT "alerts_level_known" CHECK("__new_alerts"."level" in ('info','warning','urgent')),
	CONSTRAINT "alerts_resolved_whole" CHECK(("__new_alerts"."resolved_at" is null) = ("__new_alerts"."resolved_by" is null))
);
--> statement-breakpoint
INSERT INTO `__new_alerts`("id", "code", "level", "message", "subject", "details", "raised_at", "last_raised_at", "count", "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by", "resolution") SELECT "id", "code", CASE "level" WHEN 'error' THEN 'urgent' ELSE "level" END, "message", "subject", "details", "raised_at", "last_raised_at", "count", "acknowledged_at", "acknowledged_by", NULL, NULL, NULL FROM `alerts`;--> statement-breakpoint
DROP TABLE `alerts`;--> statement-breakpoint
ALTER TABLE `__new_alerts` RENAME TO `alerts`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_open_subject` ON `alerts` (`subject`) WHERE "acknowledged_at" is null and "resolved_at" is null;--> statement-breakpoint
CREATE INDEX `alerts_raised` ON `alerts` (`acknowledged_at`,`raised_at`);--> statement-breakpoint
ALTER TABLE `settlement_sweeps` ADD `error` text;