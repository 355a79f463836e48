-- Issue 16: an alert's resolution written by the core carries a code and its parameters (JSON) so the
-- screens and exports word it in the operator's language; `resolution` stays the English record (or
-- an operator's text as typed). Older resolutions have neither and are shown as recorded.
ALTER TABLE `alerts` ADD `resolution_code` text;--> statement-breakpoint
ALTER TABLE `alerts` ADD `resolution_params` text;