import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { openDriverAccounts } from './accounts';
import type { LedgerApp } from './engine';
import { cachedStatement } from '../kernel/db/statements';
import { journalDriver } from './journal-opening';

/**
 * Drivers: the people who charge at the depot and hold a wallet with it.
 *
 * Guarantees:
 * - A phone number, an id tag (RFID card number or app id) and a VIN each belong to at most one
 *   driver; a second claim is refused as a `conflict` naming the field.
 * - A driver is created together with their wallet, held, debt and points accounts, in one
 *   transaction: there is never a driver without accounts.
 * - The same transaction appends the journal row `driver.registered` (key `driver:<id>`, payload
 *   driverId, phone, name): headquarters links one driver across depots by phone.
 */

export interface DriverRow {
  id: string;
  name: string;
  phone: string;
  note: string | null;
  createdAt: number;
  createdBy: string | null;
}

export interface Driver extends DriverRow {
  tags: { tag: string; kind: 'rfid' | 'app' }[];
  vehicles: { vin: string; plate: string | null }[];
}

export interface NewDriver {
  name: string;
  phone: string;
  /** RFID card numbers; app ids are given as `app:<id>`. */
  tags?: string[];
  vins?: string[];
  note?: string | null;
}

function invalid(field: string, message: string, value: unknown): DepotError {
  return new DepotError('invalid_input', `${field}: ${message} (got ${JSON.stringify(value)})`, { field });
}

/** Blanks and dashes dropped; digits with an optional leading +. */
export function normalizePhone(phone: string): string {
  const p = phone.replace(/[\s\-()]/g, '');
  if (!/^\+?\d{5,20}$/.test(p)) throw invalid('phone', 'a phone number is 5 to 20 digits, optionally starting with +', phone);
  return p;
}

export function normalizeTag(tag: string): { tag: string; kind: 'rfid' | 'app' } {
  const t = tag.trim();
  if (/^app:[\w.-]{1,60}$/.test(t)) return { tag: t, kind: 'app' };
  // OCPP idTag is at most 20 characters (CiString20Type); card numbers are read in upper case.
  if (!/^[A-Za-z0-9_-]{1,20}$/.test(t)) throw invalid('tag', 'an id tag is 1 to 20 letters, digits, - or _ (app ids: app:<id>)', tag);
  return { tag: t.toUpperCase(), kind: 'rfid' };
}

export function normalizeVin(vin: string): string {
  const v = vin.trim().toUpperCase();
  if (!/^[A-HJ-NPR-Z0-9]{17}$/.test(v)) throw invalid('vin', 'a VIN is 17 letters and digits (no I, O or Q)', vin);
  return v;
}

function assertName(name: string): string {
  const n = name.trim();
  if (n.length < 1 || n.length > 60) throw invalid('name', 'a name is 1 to 60 characters', name);
  return n;
}

export function getDriver(app: Pick<LedgerApp, 'sqlite'>, id: string, field = 'driverId'): Driver {
  const row = cachedStatement<DriverRow>(app.sqlite, 'SELECT id, name, phone, note, created_at AS createdAt, created_by AS createdBy FROM drivers WHERE id = ?').get(id);
  if (!row) throw new DepotError('not_found', `${field}: no driver with id ${id}`, { field, driverId: id });
  const tags = cachedStatement<Driver['tags'][number]>(app.sqlite, 'SELECT tag, kind FROM driver_id_tags WHERE driver_id = ? ORDER BY created_at, tag').all(id);
  const vehicles = cachedStatement<Driver['vehicles'][number]>(app.sqlite, 'SELECT vin, plate FROM driver_vehicles WHERE driver_id = ? ORDER BY created_at, vin').all(id);
  return { ...row, tags, vehicles };
}

export function driverExists(app: Pick<LedgerApp, 'sqlite'>, id: string): boolean {
  return cachedStatement(app.sqlite, 'SELECT 1 FROM drivers WHERE id = ?').get(id) !== undefined;
}

function claimTag(app: LedgerApp, driverId: string, raw: string): void {
  const { tag, kind } = normalizeTag(raw);
  const owner = app.sqlite.prepare<unknown[], { driverId: string }>('SELECT driver_id AS driverId FROM driver_id_tags WHERE tag = ?').get(tag);
  if (owner) {
    if (owner.driverId === driverId) return;
    throw new DepotError('conflict', `tag: ${tag} already belongs to driver ${owner.driverId}`, { field: 'tag', owner: owner.driverId });
  }
  app.sqlite.prepare('INSERT INTO driver_id_tags (tag, driver_id, kind, created_at) VALUES (?, ?, ?, ?)').run(tag, driverId, kind, app.clock.now());
}

function claimVin(app: LedgerApp, driverId: string, raw: string, plate: string | null = null): void {
  const vin = normalizeVin(raw);
  const owner = app.sqlite.prepare<unknown[], { driverId: string }>('SELECT driver_id AS driverId FROM driver_vehicles WHERE vin = ?').get(vin);
  if (owner) {
    if (owner.driverId === driverId) return;
    throw new DepotError('conflict', `vin: ${vin} already belongs to driver ${owner.driverId}`, { field: 'vin', owner: owner.driverId });
  }
  app.sqlite.prepare('INSERT INTO driver_vehicles (vin, driver_id, plate, created_at) VALUES (?, ?, ?, ?)').run(vin, driverId, plate, app.clock.now());
}

export function addDriver(app: LedgerApp, input: NewDriver, by: { operatorId?: string | null } = {}): Driver {
  const name = assertName(input.name);
  const phone = normalizePhone(input.phone);
  const tags = input.tags ?? [];
  const vins = input.vins ?? [];
  tags.forEach((t) => normalizeTag(t));
  vins.forEach((v) => normalizeVin(v));
  const id = app.ids.next();
  writeTx(app.sqlite, () => {
    const taken = app.sqlite.prepare<unknown[], { id: string }>('SELECT id FROM drivers WHERE phone = ?').get(phone);
    if (taken) throw new DepotError('conflict', `phone: ${phone} already belongs to driver ${taken.id}`, { field: 'phone', owner: taken.id });
    const now = app.clock.now();
    app.sqlite
      .prepare('INSERT INTO drivers (id, name, phone, note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, name, phone, input.note?.trim() || null, now, by.operatorId ?? null);
    openDriverAccounts(app.sqlite, id, now);
    journalDriver(app.sqlite, now, { id, phone, name });
    for (const t of tags) claimTag(app, id, t);
    for (const v of vins) claimVin(app, id, v);
  });
  return getDriver(app, id);
}

export function addIdTag(app: LedgerApp, driverId: string, tag: string): Driver {
  writeTx(app.sqlite, () => {
    getDriver(app, driverId);
    claimTag(app, driverId, tag);
  });
  return getDriver(app, driverId);
}

export function addVehicle(app: LedgerApp, driverId: string, vin: string, plate?: string | null): Driver {
  writeTx(app.sqlite, () => {
    getDriver(app, driverId);
    claimVin(app, driverId, vin, plate?.trim() || null);
  });
  return getDriver(app, driverId);
}

/** The driver with this phone number (normalized as addDriver stores it), or null; a malformed number is invalid_input. */
export function findDriverByPhone(app: Pick<AppContext, 'sqlite'>, phone: string): Driver | null {
  const row = cachedStatement<{ id: string }>(app.sqlite, 'SELECT id FROM drivers WHERE phone = ?').get(normalizePhone(phone));
  return row ? getDriver(app, row.id) : null;
}

/** The driver behind an id tag presented at a charger (card or app), or null. */
export function findDriverByIdTag(app: Pick<AppContext, 'sqlite'>, tag: string): Driver | null {
  let normalized: string;
  try {
    normalized = normalizeTag(tag).tag;
  } catch {
    return null;
  }
  const row = cachedStatement<{ driverId: string }>(app.sqlite, 'SELECT driver_id AS driverId FROM driver_id_tags WHERE tag = ?').get(normalized);
  return row ? getDriver(app, row.driverId) : null;
}

export function findDriverByVin(app: Pick<AppContext, 'sqlite'>, vin: string): Driver | null {
  const row = app.sqlite.prepare<unknown[], { driverId: string }>('SELECT driver_id AS driverId FROM driver_vehicles WHERE vin = ?').get(vin.trim().toUpperCase());
  return row ? getDriver(app, row.driverId) : null;
}

// ── blocks (risk control's blacklist, enforced where drivers are looked up) ─────────────────────

export interface DriverBlock {
  reason: string;
  /** Epoch ms; null: until lifted. */
  until: number | null;
  /** The listing that set it. */
  ref: string | null;
}

/**
 * Whether a driver is blocked now: a start, an Authorize and a payment order ask this. A block
 * whose time has passed no longer counts, whether or not anyone has cleared it yet.
 */
export function driverBlock(app: Pick<LedgerApp, 'sqlite' | 'clock'>, driverId: string): DriverBlock | null {
  const r = cachedStatement<DriverBlock>(
    app.sqlite,
    'SELECT blocked_reason AS reason, blocked_until AS until, blocked_ref AS ref FROM drivers WHERE id = ? AND blocked_reason IS NOT NULL',
  ).get(driverId);
  if (!r || (r.until !== null && r.until <= app.clock.now())) return null;
  return r;
}

/**
 * Sets or clears a driver's block (risk control calls it in the transaction that lists or lifts).
 * Clearing names the listing it clears, so a stale lift never clears a newer listing.
 */
export function setDriverBlock(app: Pick<LedgerApp, 'sqlite'>, driverId: string, block: DriverBlock | { clear: string }): void {
  const r =
    'clear' in block
      ? app.sqlite
          .prepare('UPDATE drivers SET blocked_reason = NULL, blocked_until = NULL, blocked_ref = NULL WHERE id = ? AND blocked_ref = ?')
          .run(driverId, block.clear)
      : app.sqlite.prepare('UPDATE drivers SET blocked_reason = ?, blocked_until = ?, blocked_ref = ? WHERE id = ?').run(block.reason, block.until, block.ref, driverId);
  if (!('clear' in block)) expectChanges(r, 1, `block driver ${driverId}`);
}
