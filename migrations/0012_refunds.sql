CREATE TABLE `refund_adjustments` (
	`id` text PRIMARY KEY NOT NULL,
	`target` text NOT NULL,
	`session_id` text,
	`order_id` text,
	`driver_id` text NOT NULL,
	`amount` integer NOT NULL,
	`electricity_fen` integer,
	`service_fen` integer,
	`reason` text NOT NULL,
	`state` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`resolved_by` text,
	`resolved_at` integer,
	`resolution_note` text,
	`ledger_key` text,
	`refund_task_id` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `charging_sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `payment_orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "refund_adjustments_state_known" CHECK("refund_adjustments"."state" in ('pending','approved','rejected')),
	CONSTRAINT "refund_adjustments_target_known" CHECK("refund_adjustments"."target" in ('session','order')),
	CONSTRAINT "refund_adjustments_target_ref" CHECK(("refund_adjustments"."target" = 'session' and "refund_adjustments"."session_id" is not null and "refund_adjustments"."order_id" is null) or ("refund_adjustments"."target" = 'order' and "refund_adjustments"."order_id" is not null and "refund_adjustments"."session_id" is null)),
	CONSTRAINT "refund_adjustments_amount" CHECK("refund_adjustments"."amount" > 0)
);
--> statement-breakpoint
CREATE INDEX `refund_adjustments_state` ON `refund_adjustments` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `refund_adjustments_session` ON `refund_adjustments` (`session_id`) WHERE "refund_adjustments"."session_id" is not null;--> statement-breakpoint
CREATE INDEX `refund_adjustments_order` ON `refund_adjustments` (`order_id`) WHERE "refund_adjustments"."order_id" is not null;--> statement-breakpoint
CREATE TABLE `refund_tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`adjustment_id` text,
	`unmatched_id` text,
	`driver_id` text,
	`order_id` text,
	`order_number` text NOT NULL,
	`amount` integer NOT NULL,
	`total_fen` integer NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`last_error` text,
	`provider` text NOT NULL,
	`channel` text NOT NULL,
	`reason` text NOT NULL,
	`refund_key` text,
	`request_endpoint` text,
	`request_body` text,
	`response_body` text,
	`provider_refund_no` text,
	`next_attempt_at` integer NOT NULL,
	`completed_at` integer,
	`resolution` text,
	`resolution_note` text,
	`resolved_by` text,
	`resolved_at` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`adjustment_id`) REFERENCES `refund_adjustments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unmatched_id`) REFERENCES `unmatched_payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `payment_orders`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "refund_tasks_state_known" CHECK("refund_tasks"."state" in ('pending','processing','completed','failed','needs_check','cancelled')),
	CONSTRAINT "refund_tasks_source_known" CHECK("refund_tasks"."source" in ('adjustment','unmatched')),
	CONSTRAINT "refund_tasks_resolution_known" CHECK("refund_tasks"."resolution" is null or "refund_tasks"."resolution" in ('paid_outside','back_to_wallet')),
	CONSTRAINT "refund_tasks_source_ref" CHECK(("refund_tasks"."source" = 'adjustment' and "refund_tasks"."adjustment_id" is not null and "refund_tasks"."refund_key" is not null) or ("refund_tasks"."source" = 'unmatched' and "refund_tasks"."unmatched_id" is not null and "refund_tasks"."refund_key" is null)),
	CONSTRAINT "refund_tasks_amounts" CHECK("refund_tasks"."amount" > 0 and "refund_tasks"."amount" <= "refund_tasks"."total_fen"),
	CONSTRAINT "refund_tasks_attempts" CHECK("refund_tasks"."attempts" >= 0 and "refund_tasks"."max_attempts" >= 1)
);
--> statement-breakpoint
CREATE INDEX `refund_tasks_due` ON `refund_tasks` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `refund_tasks_created` ON `refund_tasks` (`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `refund_tasks_adjustment` ON `refund_tasks` (`adjustment_id`) WHERE "refund_tasks"."adjustment_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `refund_tasks_unmatched` ON `refund_tasks` (`unmatched_id`) WHERE "refund_tasks"."unmatched_id" is not null;