DROP INDEX `comp_campaign_items_status`;--> statement-breakpoint
CREATE INDEX `comp_campaign_items_pending` ON `comp_campaign_items` (`campaign_id`,`status`,`driver_id`);