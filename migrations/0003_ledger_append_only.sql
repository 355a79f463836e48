-- The ledger is append-only. A mistake is fixed by a correcting transfer that references the
-- original, never by editing history; these triggers stop a stray UPDATE or DELETE (a maintenance
-- script, a bug) before it happens, and `depotdesk ledger verify` fails if they are missing.
CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE ON ledger_transfers
BEGIN
  SELECT RAISE(ABORT, 'ledger_transfers is append-only: correct a transfer with a correcting transfer');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_transfers_no_delete BEFORE DELETE ON ledger_transfers
BEGIN
  SELECT RAISE(ABORT, 'ledger_transfers is append-only: correct a transfer with a correcting transfer');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_batches_no_update BEFORE UPDATE ON ledger_batches
BEGIN
  SELECT RAISE(ABORT, 'ledger_batches is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_batches_no_delete BEFORE DELETE ON ledger_batches
BEGIN
  SELECT RAISE(ABORT, 'ledger_batches is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_operations_no_update BEFORE UPDATE ON ledger_operations
BEGIN
  SELECT RAISE(ABORT, 'ledger_operations is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_operations_no_delete BEFORE DELETE ON ledger_operations
BEGIN
  SELECT RAISE(ABORT, 'ledger_operations is append-only');
END;
--> statement-breakpoint
-- Only the four counters of an account ever change (they cache its transfers).
CREATE TRIGGER ledger_accounts_fixed_identity BEFORE UPDATE OF id, type, unit, driver_id, flags, created_at ON ledger_accounts
BEGIN
  SELECT RAISE(ABORT, 'a ledger account''s identity and flags never change');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
BEGIN
  SELECT RAISE(ABORT, 'ledger accounts are never deleted');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_holds_no_delete BEFORE DELETE ON ledger_holds
BEGIN
  SELECT RAISE(ABORT, 'holds are never deleted');
END;
--> statement-breakpoint
-- A hold resolves once: pending → posted | voided | expired, and never back.
CREATE TRIGGER ledger_holds_resolve_once BEFORE UPDATE ON ledger_holds
WHEN OLD.status <> 'pending' OR NEW.status = 'pending'
  OR NEW.id IS NOT OLD.id OR NEW.amount IS NOT OLD.amount OR NEW.debit_account_id IS NOT OLD.debit_account_id
  OR NEW.credit_account_id IS NOT OLD.credit_account_id OR NEW.expires_at IS NOT OLD.expires_at
BEGIN
  SELECT RAISE(ABORT, 'a hold resolves at most once');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_debts_no_delete BEFORE DELETE ON ledger_debts
BEGIN
  SELECT RAISE(ABORT, 'debts are never deleted');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_debts_fixed BEFORE UPDATE OF id, driver_id, amount, operation_key, created_at ON ledger_debts
BEGIN
  SELECT RAISE(ABORT, 'a debt''s amount and origin never change');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_coupons_no_update BEFORE UPDATE ON ledger_coupons
BEGIN
  SELECT RAISE(ABORT, 'coupons never change; their remaining value is their account balance');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_coupons_no_delete BEFORE DELETE ON ledger_coupons
BEGIN
  SELECT RAISE(ABORT, 'coupons are never deleted');
END;
--> statement-breakpoint
-- The depot's own accounts exist in every database.
INSERT INTO ledger_accounts (id, type, unit, driver_id, flags, created_at) VALUES
  ('depot:electricity_revenue', 'electricity_revenue', 'CNY', NULL, 0, 0),
  ('depot:service_revenue', 'service_revenue', 'CNY', NULL, 0, 0),
  ('depot:cash_drawer', 'cash_drawer', 'CNY', NULL, 0, 0),
  ('depot:clearing:wechat', 'gateway_clearing', 'CNY', NULL, 0, 0),
  ('depot:clearing:alipay', 'gateway_clearing', 'CNY', NULL, 0, 0),
  ('depot:refunds_payable', 'refunds_payable', 'CNY', NULL, 1, 0),
  ('depot:compensation_expense', 'compensation_expense', 'CNY', NULL, 0, 0),
  ('depot:coupon_expense', 'coupon_expense', 'CNY', NULL, 0, 0),
  ('depot:write_offs', 'write_offs', 'CNY', NULL, 0, 0),
  ('depot:points_pool', 'points_pool', 'points', NULL, 0, 0);
