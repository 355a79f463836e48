CREATE TABLE `hq_uplink` (
	`id` integer PRIMARY KEY NOT NULL,
	`acked_seq` integer DEFAULT 0 NOT NULL,
	`acked_hash` text DEFAULT '0000000000000000000000000000000000000000000000000000000000000000' NOT NULL,
	`acked_at` integer,
	`last_sent_at` integer,
	`last_error` text,
	`refused` text,
	CONSTRAINT "hq_uplink_one_row" CHECK("hq_uplink"."id" = 1),
	CONSTRAINT "hq_uplink_acked_seq" CHECK("hq_uplink"."acked_seq" >= 0)
);
