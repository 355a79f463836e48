CREATE TABLE `driver_id_tags` (
	`tag` text PRIMARY KEY NOT NULL,
	`driver_id` text NOT NULL,
	`kind` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "driver_id_tags_kind" CHECK("driver_id_tags"."kind" in ('rfid','app'))
);
--> statement-breakpoint
CREATE INDEX `driver_id_tags_driver` ON `driver_id_tags` (`driver_id`);--> statement-breakpoint
CREATE TABLE `driver_vehicles` (
	`vin` text PRIMARY KEY NOT NULL,
	`driver_id` text NOT NULL,
	`plate` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `driver_vehicles_driver` ON `driver_vehicles` (`driver_id`);--> statement-breakpoint
CREATE TABLE `drivers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`phone` text NOT NULL,
	`note` text,
	`created_at` integer NOT NULL,
	`created_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `drivers_phone_unique` ON `drivers` (`phone`);--> statement-breakpoint
CREATE INDEX `drivers_name` ON `drivers` (`name`);--> statement-breakpoint
CREATE TABLE `ledger_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`unit` text NOT NULL,
	`driver_id` text,
	`flags` integer DEFAULT 0 NOT NULL,
	`debits_pending` integer DEFAULT 0 NOT NULL,
	`debits_posted` integer DEFAULT 0 NOT NULL,
	`credits_pending` integer DEFAULT 0 NOT NULL,
	`credits_posted` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_accounts_type_known" CHECK("ledger_accounts"."type" in ('wallet','held','debt','coupon','points','electricity_revenue','service_revenue','cash_drawer','gateway_clearing','refunds_payable','compensation_expense','coupon_expense','write_offs','points_pool')),
	CONSTRAINT "ledger_accounts_unit_known" CHECK("ledger_accounts"."unit" in ('CNY','points')),
	CONSTRAINT "ledger_accounts_flags_known" CHECK("ledger_accounts"."flags" in (0, 1, 2)),
	CONSTRAINT "ledger_accounts_counters_not_negative" CHECK("ledger_accounts"."debits_pending" >= 0 and "ledger_accounts"."debits_posted" >= 0 and "ledger_accounts"."credits_pending" >= 0 and "ledger_accounts"."credits_posted" >= 0),
	CONSTRAINT "ledger_accounts_debits_within_credits" CHECK(("ledger_accounts"."flags" & 1) = 0 or "ledger_accounts"."debits_pending" + "ledger_accounts"."debits_posted" <= "ledger_accounts"."credits_posted"),
	CONSTRAINT "ledger_accounts_credits_within_debits" CHECK(("ledger_accounts"."flags" & 2) = 0 or "ledger_accounts"."credits_pending" + "ledger_accounts"."credits_posted" <= "ledger_accounts"."debits_posted")
);
--> statement-breakpoint
CREATE INDEX `ledger_accounts_driver` ON `ledger_accounts` (`driver_id`);--> statement-breakpoint
CREATE INDEX `ledger_accounts_type` ON `ledger_accounts` (`type`);--> statement-breakpoint
CREATE TABLE `ledger_batches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`operator_id` text,
	`operation_key` text
);
--> statement-breakpoint
CREATE TABLE `ledger_coupons` (
	`id` text PRIMARY KEY NOT NULL,
	`driver_id` text NOT NULL,
	`account_id` text NOT NULL,
	`face` integer NOT NULL,
	`expires_at` integer,
	`campaign_id` text,
	`grant_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `ledger_accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ledger_coupons_driver` ON `ledger_coupons` (`driver_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_coupons_grant_key` ON `ledger_coupons` (`grant_key`);--> statement-breakpoint
CREATE TABLE `ledger_debts` (
	`id` text PRIMARY KEY NOT NULL,
	`driver_id` text NOT NULL,
	`amount` integer NOT NULL,
	`collected` integer DEFAULT 0 NOT NULL,
	`written_off` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`session_id` text,
	`order_id` text,
	`operation_key` text NOT NULL,
	`created_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_debts_status_known" CHECK("ledger_debts"."status" in ('open','settled','written_off')),
	CONSTRAINT "ledger_debts_amounts" CHECK("ledger_debts"."amount" > 0 and "ledger_debts"."collected" >= 0 and "ledger_debts"."written_off" >= 0 and "ledger_debts"."collected" + "ledger_debts"."written_off" <= "ledger_debts"."amount"),
	CONSTRAINT "ledger_debts_open_iff_owing" CHECK(("ledger_debts"."status" = 'open') = ("ledger_debts"."collected" + "ledger_debts"."written_off" < "ledger_debts"."amount"))
);
--> statement-breakpoint
CREATE INDEX `ledger_debts_driver` ON `ledger_debts` (`driver_id`,`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `ledger_holds` (
	`id` text PRIMARY KEY NOT NULL,
	`debit_account_id` text NOT NULL,
	`credit_account_id` text NOT NULL,
	`driver_id` text,
	`amount` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`status` text NOT NULL,
	`posted_amount` integer,
	`resolved_by` text,
	`resolved_at` integer,
	`session_id` text,
	`created_at` integer NOT NULL,
	CONSTRAINT "ledger_holds_status_known" CHECK("ledger_holds"."status" in ('pending','posted','voided','expired')),
	CONSTRAINT "ledger_holds_resolution" CHECK(("ledger_holds"."status" = 'pending') = ("ledger_holds"."resolved_by" is null))
);
--> statement-breakpoint
CREATE INDEX `ledger_holds_open` ON `ledger_holds` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `ledger_holds_driver` ON `ledger_holds` (`driver_id`,`status`);--> statement-breakpoint
CREATE TABLE `ledger_operations` (
	`key` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`request` text NOT NULL,
	`result` text NOT NULL,
	`batch` integer,
	`operator_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ledger_transfers` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`debit_account_id` text NOT NULL,
	`credit_account_id` text NOT NULL,
	`amount` integer NOT NULL,
	`code` text NOT NULL,
	`phase` text NOT NULL,
	`pending_id` text,
	`expires_at` integer,
	`reverses_id` text,
	`batch` integer NOT NULL,
	`memo` text,
	`session_id` text,
	`order_id` text,
	`campaign_id` text,
	`statement_row` text,
	`debt_id` text,
	`operator_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`debit_account_id`) REFERENCES `ledger_accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`credit_account_id`) REFERENCES `ledger_accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`batch`) REFERENCES `ledger_batches`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_transfers_amount_positive" CHECK("ledger_transfers"."amount" > 0),
	CONSTRAINT "ledger_transfers_two_accounts" CHECK("ledger_transfers"."debit_account_id" <> "ledger_transfers"."credit_account_id"),
	CONSTRAINT "ledger_transfers_code_known" CHECK("ledger_transfers"."code" in ('topup','hold','hold_post','hold_void','hold_expire','settle_electricity','settle_service','debt','debt_collect','debt_write_off','refund','refund_paid','compensation','coupon_grant','coupon_redeem','coupon_restore','coupon_expire','points_grant','points_redeem','points_restore','correction','transfer')),
	CONSTRAINT "ledger_transfers_phase_known" CHECK("ledger_transfers"."phase" in ('single','pending','post','void')),
	CONSTRAINT "ledger_transfers_phase_fields" CHECK(("ledger_transfers"."phase" in ('post','void')) = ("ledger_transfers"."pending_id" is not null) and ("ledger_transfers"."phase" = 'pending') = ("ledger_transfers"."expires_at" is not null))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transfers_id_unique` ON `ledger_transfers` (`id`);--> statement-breakpoint
CREATE INDEX `ledger_transfers_debit` ON `ledger_transfers` (`debit_account_id`,`seq`);--> statement-breakpoint
CREATE INDEX `ledger_transfers_credit` ON `ledger_transfers` (`credit_account_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transfers_pending_once` ON `ledger_transfers` (`pending_id`) WHERE "ledger_transfers"."pending_id" is not null;--> statement-breakpoint
CREATE INDEX `ledger_transfers_reverses` ON `ledger_transfers` (`reverses_id`) WHERE "ledger_transfers"."reverses_id" is not null;--> statement-breakpoint
CREATE INDEX `ledger_transfers_session` ON `ledger_transfers` (`session_id`) WHERE "ledger_transfers"."session_id" is not null;