DROP INDEX `recon_statement_rows_order`;--> statement-breakpoint
CREATE INDEX `recon_statement_rows_order` ON `recon_statement_rows` (`order_no`,`kind`,`trade_no`);