CREATE TABLE `payment_channel_health` (
	`channel` text PRIMARY KEY NOT NULL,
	`online` integer NOT NULL,
	`last_ok_at` integer,
	`last_error_at` integer,
	`last_error` text,
	`changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `payment_credentials` (
	`channel` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`sealed` text NOT NULL,
	`summary` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	`tested_at` integer,
	`test_ok` integer,
	`test_message` text,
	CONSTRAINT "payment_credentials_channel_known" CHECK("payment_credentials"."channel" in ('wechat','alipay')),
	CONSTRAINT "payment_credentials_provider_known" CHECK("payment_credentials"."provider" in ('wechat','alipay')),
	CONSTRAINT "payment_credentials_version" CHECK("payment_credentials"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE `payment_order_polls` (
	`order_id` text PRIMARY KEY NOT NULL,
	`polls` integer DEFAULT 0 NOT NULL,
	`next_poll_at` integer NOT NULL,
	`last_polled_at` integer,
	`last_result` text,
	FOREIGN KEY (`order_id`) REFERENCES `payment_orders`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payment_order_polls_count" CHECK("payment_order_polls"."polls" >= 0)
);
--> statement-breakpoint
CREATE INDEX `payment_order_polls_due` ON `payment_order_polls` (`next_poll_at`);