CREATE TABLE `order_coupons` (
	`order_id` text PRIMARY KEY NOT NULL,
	`coupon_id` text NOT NULL,
	`amount` integer NOT NULL,
	`redeem_transfer_id` text NOT NULL,
	`status` text NOT NULL,
	`changed_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `payment_orders`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "order_coupons_status_known" CHECK("order_coupons"."status" in ('applied','consumed','restored')),
	CONSTRAINT "order_coupons_amount" CHECK("order_coupons"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE `payment_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`request_key` text,
	`driver_id` text NOT NULL,
	`package_id` text,
	`amount` integer NOT NULL,
	`credited` integer NOT NULL,
	`coupon_fen` integer DEFAULT 0 NOT NULL,
	`points` integer DEFAULT 0 NOT NULL,
	`points_fen` integer DEFAULT 0 NOT NULL,
	`points_redeem_id` text,
	`payable` integer NOT NULL,
	`channel` text NOT NULL,
	`provider` text NOT NULL,
	`code_url` text,
	`provider_error` text,
	`state` text NOT NULL,
	`provider_trade_no` text,
	`paid_at` integer,
	`cancelled_at` integer,
	`cancel_reason` text,
	`created_at` integer NOT NULL,
	`created_by` text,
	FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`package_id`) REFERENCES `payment_packages`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payment_orders_state_known" CHECK("payment_orders"."state" in ('PENDING_PAYMENT','PAID','CANCELLED')),
	CONSTRAINT "payment_orders_channel_known" CHECK("payment_orders"."channel" in ('wechat','alipay')),
	CONSTRAINT "payment_orders_amounts" CHECK("payment_orders"."amount" > 0 and "payment_orders"."credited" >= "payment_orders"."amount" and "payment_orders"."coupon_fen" >= 0 and "payment_orders"."points" >= 0 and "payment_orders"."points_fen" >= 0 and "payment_orders"."payable" > 0 and "payment_orders"."payable" = "payment_orders"."amount" - "payment_orders"."coupon_fen" - "payment_orders"."points_fen")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_orders_number` ON `payment_orders` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `payment_orders_request_key` ON `payment_orders` (`request_key`) WHERE "payment_orders"."request_key" is not null;--> statement-breakpoint
CREATE INDEX `payment_orders_state_created` ON `payment_orders` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `payment_orders_driver` ON `payment_orders` (`driver_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `payment_packages` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`price` integer NOT NULL,
	`credited` integer NOT NULL,
	`active` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text,
	CONSTRAINT "payment_packages_amounts" CHECK("payment_packages"."price" > 0 and "payment_packages"."credited" >= "payment_packages"."price")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_packages_name` ON `payment_packages` (`name`);--> statement-breakpoint
CREATE TABLE `unmatched_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`provider_trade_no` text NOT NULL,
	`order_number` text NOT NULL,
	`order_id` text,
	`driver_id` text,
	`amount` integer NOT NULL,
	`paid_at` integer NOT NULL,
	`reason` text NOT NULL,
	`status` text NOT NULL,
	`raw` text NOT NULL,
	`resolution` text,
	`topup_key` text,
	`refund_task_id` text,
	`resolved_by` text,
	`resolved_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `payment_orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "unmatched_payments_status_known" CHECK("unmatched_payments"."status" in ('open','credited','refund_requested')),
	CONSTRAINT "unmatched_payments_reason_known" CHECK("unmatched_payments"."reason" in ('order_cancelled','unknown_order','amount_mismatch','already_paid')),
	CONSTRAINT "unmatched_payments_amount" CHECK("unmatched_payments"."amount" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `unmatched_payments_trade` ON `unmatched_payments` (`channel`,`provider_trade_no`);--> statement-breakpoint
CREATE INDEX `unmatched_payments_status` ON `unmatched_payments` (`status`,`created_at`);