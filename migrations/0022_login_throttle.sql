ALTER TABLE `operators` ADD `failed_logins` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `operators` ADD `last_failed_login_at` integer;