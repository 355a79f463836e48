CREATE TABLE `payment_order_stuck` (
	`order_id` text PRIMARY KEY NOT NULL,
	`attempts` integer NOT NULL,
	`first_failed_at` integer NOT NULL,
	`last_failed_at` integer NOT NULL,
	`last_error_code` text NOT NULL,
	`last_error` text NOT NULL,
	`parked_at` integer,
	`repaired_at` integer,
	`repaired_by` text,
	`repair_action` text,
	`repair_note` text,
	FOREIGN KEY (`order_id`) REFERENCES `payment_orders`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payment_order_stuck_attempts" CHECK("payment_order_stuck"."attempts" >= 1),
	CONSTRAINT "payment_order_stuck_action_known" CHECK("payment_order_stuck"."repair_action" is null or "payment_order_stuck"."repair_action" in ('restore_from_ledger','mark_resolved','paid')),
	CONSTRAINT "payment_order_stuck_repair_whole" CHECK(("payment_order_stuck"."repaired_at" is null) = ("payment_order_stuck"."repair_action" is null) and ("payment_order_stuck"."repaired_at" is null) = ("payment_order_stuck"."repaired_by" is null) and ("payment_order_stuck"."repaired_at" is null or "payment_order_stuck"."parked_at" is not null))
);
--> statement-breakpoint
CREATE INDEX `payment_order_stuck_parked` ON `payment_order_stuck` (`parked_at`) WHERE "payment_order_stuck"."parked_at" is not null and "payment_order_stuck"."repaired_at" is null;