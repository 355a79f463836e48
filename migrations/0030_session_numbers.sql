CREATE TABLE `session_number_seq` (
	`id` integer PRIMARY KEY NOT NULL,
	`last` integer NOT NULL,
	CONSTRAINT "session_number_seq_one" CHECK("session_number_seq"."id" = 1),
	CONSTRAINT "session_number_seq_last" CHECK("session_number_seq"."last" >= 0)
);
--> statement-breakpoint
ALTER TABLE `charging_sessions` ADD `number` text;--> statement-breakpoint
CREATE UNIQUE INDEX `charging_sessions_number` ON `charging_sessions` (`number`);--> statement-breakpoint
-- Hand-written below (drizzle-kit does not generate data or triggers). Every session gets a number
-- for people: CD + an 8-digit depot-wide sequence. Sessions already there are numbered in the order
-- they were made (created_at, then id), and the sequence continues after the last of them.
UPDATE `charging_sessions` SET `number` = 'CD' || printf('%08d', `x`.`n`)
FROM (SELECT `id`, row_number() OVER (ORDER BY `created_at`, `id`) AS `n` FROM `charging_sessions`) AS `x`
WHERE `x`.`id` = `charging_sessions`.`id`;
--> statement-breakpoint
INSERT INTO `session_number_seq` (`id`, `last`) SELECT 1, count(*) FROM `charging_sessions`;
--> statement-breakpoint
-- Whatever path inserts a session (an operator's start, a charger's own start, a replay, the demo),
-- its number is taken in the insert's own transaction: the sequence can never hand one out twice.
CREATE TRIGGER charging_sessions_numbered AFTER INSERT ON charging_sessions WHEN NEW.number IS NULL
BEGIN
  UPDATE session_number_seq SET last = last + 1 WHERE id = 1;
  UPDATE charging_sessions SET number = 'CD' || printf('%08d', (SELECT last FROM session_number_seq WHERE id = 1)) WHERE rowid = NEW.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER charging_sessions_number_fixed BEFORE UPDATE OF number ON charging_sessions WHEN OLD.number IS NOT NULL AND NEW.number IS NOT OLD.number
BEGIN
  SELECT RAISE(ABORT, 'charging_sessions.number never changes: receipts, exports and people quote it');
END;
--> statement-breakpoint
CREATE TRIGGER session_number_seq_no_delete BEFORE DELETE ON session_number_seq
BEGIN
  SELECT RAISE(ABORT, 'session_number_seq holds the last session number given: deleting it would give numbers twice');
END;
