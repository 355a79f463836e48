-- Tariff history is append-only: settled sessions were priced by these rows, so a version, a date
-- override or a station assignment is never changed or removed. A new price is a new version; a
-- new plan for a station is a new assignment.
CREATE TRIGGER tariff_plans_no_delete BEFORE DELETE ON tariff_plans
BEGIN
  SELECT RAISE(ABORT, 'tariff_plans rows are never deleted');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_plans_no_update BEFORE UPDATE ON tariff_plans
BEGIN
  SELECT RAISE(ABORT, 'tariff_plans rows are never changed');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_versions_no_update BEFORE UPDATE ON tariff_versions
BEGIN
  SELECT RAISE(ABORT, 'tariff_versions is append-only: import a new version instead');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_versions_no_delete BEFORE DELETE ON tariff_versions
BEGIN
  SELECT RAISE(ABORT, 'tariff_versions is append-only: import a new version instead');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_date_overrides_no_update BEFORE UPDATE ON tariff_date_overrides
BEGIN
  SELECT RAISE(ABORT, 'tariff_date_overrides is append-only: add a later override instead');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_date_overrides_no_delete BEFORE DELETE ON tariff_date_overrides
BEGIN
  SELECT RAISE(ABORT, 'tariff_date_overrides is append-only: add a later override instead');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_station_assignments_no_update BEFORE UPDATE ON tariff_station_assignments
BEGIN
  SELECT RAISE(ABORT, 'tariff_station_assignments is append-only: assign again from a later instant');
END;
--> statement-breakpoint
CREATE TRIGGER tariff_station_assignments_no_delete BEFORE DELETE ON tariff_station_assignments
BEGIN
  SELECT RAISE(ABORT, 'tariff_station_assignments is append-only: assign again from a later instant');
END;
