CREATE TABLE `settlement_sweeps` (
	`id` text PRIMARY KEY NOT NULL,
	`trigger` text NOT NULL,
	`dry_run` integer DEFAULT 0 NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`window_from` integer NOT NULL,
	`found` integer DEFAULT 0 NOT NULL,
	`settled` integer DEFAULT 0 NOT NULL,
	`unpaid` integer DEFAULT 0 NOT NULL,
	`held` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`failures` text DEFAULT '[]' NOT NULL,
	`total_amount_fen` integer DEFAULT 0 NOT NULL,
	`debt_fen` integer DEFAULT 0 NOT NULL,
	`operator_id` text,
	CONSTRAINT "settlement_sweeps_dry_run" CHECK("settlement_sweeps"."dry_run" in (0, 1))
);
--> statement-breakpoint
CREATE INDEX `settlement_sweeps_started` ON `settlement_sweeps` (`started_at`);--> statement-breakpoint
CREATE INDEX `charging_sessions_unsettled` ON `charging_sessions` (`stop_received_at`,`id`) WHERE "charging_sessions"."state" = 'FINISHED';