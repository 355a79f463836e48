DROP INDEX `recon_statement_rows_fact`;--> statement-breakpoint
CREATE UNIQUE INDEX `recon_statement_rows_fact` ON `recon_statement_rows` (`channel`,`kind`,`trade_no`,`refund_no`,`status`);