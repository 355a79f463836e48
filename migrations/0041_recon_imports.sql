CREATE TABLE `recon_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`file_sha256` text NOT NULL,
	`file_name` text NOT NULL,
	`row_id_from` integer NOT NULL,
	`started_at` integer NOT NULL,
	`pid` integer NOT NULL,
	`host` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recon_imports_sha` ON `recon_imports` (`file_sha256`);--> statement-breakpoint
-- Statement rows stay append-only, except the rows of no kept statement: those of an import under
-- way or abandoned (import.ts writes them a slice at a time before their statement, and removes
-- them when the file is refused or its process died). A kept statement's rows can never be deleted.
DROP TRIGGER recon_statement_rows_no_delete;--> statement-breakpoint
CREATE TRIGGER recon_statement_rows_no_delete BEFORE DELETE ON recon_statement_rows
  WHEN EXISTS (SELECT 1 FROM recon_statements WHERE seq = OLD.statement_seq)
BEGIN
  SELECT RAISE(ABORT, 'recon_statement_rows is append-only: statements and break history are kept as received');
END;
