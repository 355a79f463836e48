import { DepotError } from '../kernel/errors';
import { maskPhone } from '../kernel/phone';

/** A contract call: the command's own (cx.call) or the running instance's (remote.call). */
type Call = <T>(method: string, params?: unknown) => Promise<T>;

/** How people quote a session: CD and 8 or more digits (case and spaces forgiven). */
const SESSION_NUMBER = /^cd\s*\d{8,}$/i;

/**
 * The session a command was given, by its number (CD00000012, as receipts and screens show it) or
 * by its internal id, with both: the core is told the id, people are shown the number. A number the
 * depot has no session for is refused here, naming it; an unknown id is left for the core to refuse.
 */
export async function sessionRef(call: Call, given: string): Promise<{ id: string; number: string }> {
  const text = given.trim();
  if (SESSION_NUMBER.test(text)) {
    const number = text.replace(/\s+/g, '').toUpperCase();
    const page = await call<{ items: { id: string; number: string }[] }>('sessions.list', { number, limit: 1 });
    const found = page.items[0];
    if (!found) throw new DepotError('not_found', `no session numbered ${number}`, { field: 'ID', number });
    return { id: found.id, number: found.number };
  }
  const numbers = await call<Record<string, string>>('sessions.numbers', { ids: [text] });
  return { id: text, number: numbers[text] ?? text };
}

export interface DriverRef {
  id: string;
  name: string;
  phone: string;
}

/** What reads as a phone number (digits, spaces, dashes, brackets, a leading +), not a ULID. */
const PHONE = /^\+?[\d\s\-()]{5,24}$/;

/**
 * The driver an option names, by phone number (exact, as the driver list shows it unmasked) or by
 * id, as people at the counter know a driver by their phone. A phone no driver has is refused
 * naming it (not_found, exit 1); an unknown id is left for the core to refuse, naming it.
 */
export async function driverRef(call: Call, given: string, option = '--driver'): Promise<DriverRef> {
  const value = given.trim();
  if (PHONE.test(value)) {
    const phone = value.replace(/[\s\-()]/g, '');
    const r = await call<{ drivers: DriverRef[] }>('drivers.list', { search: phone, limit: 50 });
    const d = r.drivers.find((x) => x.phone === phone);
    if (!d) throw new DepotError('not_found', `${option}: no driver with phone ${phone}`, { field: option });
    return { id: d.id, name: d.name, phone: d.phone };
  }
  const d = await call<DriverRef>('drivers.get', { driverId: value });
  return { id: d.id, name: d.name, phone: d.phone };
}

/**
 * --driver for a command that acts on a driver (a top-up, a grant, an order): a phone is looked up
 * as driverRef does; anything else is taken as the id and left to the core to check together with
 * the rest of the command (its roles, its other fields), so that a wrong role or amount is still
 * the error named first.
 */
export async function driverIdOf(call: Call, given: string, option = '--driver'): Promise<string> {
  const value = given.trim();
  return PHONE.test(value) ? (await driverRef(call, value, option)).id : value;
}

/** Drivers as the CLI's text names them: name and masked phone (139****1111), each read once. */
export async function driverNames(call: Call, ids: readonly (string | null)[]): Promise<(id: string | null) => string> {
  const wanted = [...new Set(ids.filter((x): x is string => Boolean(x)))];
  const found = await Promise.all(
    wanted.map(async (id) => {
      try {
        const d = await call<{ name: string; phone: string }>('drivers.get', { driverId: id });
        return [id, `${d.name} ${maskPhone(d.phone)}`.trim()] as const;
      } catch {
        // A driver the depot no longer knows is shown by id, never hidden.
        return [id, id] as const;
      }
    }),
  );
  const names = new Map<string, string>(found);
  return (id) => (id ? (names.get(id) ?? id) : '(no driver)');
}

/** The numbers (CD…) of these sessions, for the human text; an id the depot does not know stays as it is. */
export async function sessionNumbers(call: Call, ids: readonly (string | null)[]): Promise<(id: string) => string> {
  const wanted = [...new Set(ids.filter((x): x is string => Boolean(x)))];
  const numbers: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i += 500) Object.assign(numbers, await call<Record<string, string>>('sessions.numbers', { ids: wanted.slice(i, i + 500) }));
  return (id) => numbers[id] ?? id;
}
