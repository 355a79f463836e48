-- The alert as the screens word it, in each operator language, for the list's search (issue 16:
-- an operator searches for 维护, not for the core's English record). Alerts raised before this
-- keep '' and are still found by their code, message and subject.
ALTER TABLE `alerts` ADD `words` text DEFAULT '' NOT NULL;