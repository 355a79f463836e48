import crypto from 'node:crypto';
import type { createValidator } from 'ocpp-rpc/lib/validator.js';
import { DepotError } from '../kernel/errors';
import { lazyRequire } from '../kernel/lazy-require';

/**
 * OCPP 1.6J frames as they travel over MQTT in the EMQX OCPP-gateway layout, shared by the back
 * office and the charger simulator.
 *
 * Guarantees:
 * - Both payload forms are read: the gateway's object `{"MessageTypeId":2,"UniqueId":…,"Action":…,
 *   "Payload":{…}}` and the plain OCPP-J array `[2,"id","Action",{…}]`; a frame is written back in
 *   the form it was read in.
 * - A payload is valid only if the official OCPP 1.6 JSON schema for its action says so (the
 *   schemas ship in ocpp-rpc); a violation is reported with the OCPP 1.6 error code for it.
 * - An outgoing CALL resolves at most once: with the charger's CALLRESULT (checked against the
 *   `.conf` schema), or it fails with a typed error on CALLERROR, on timeout after its bounded
 *   retries, or when the table is closed. Retries resend the same frame with the same UniqueId, so a
 *   late reply to any attempt settles the call and the charger can recognise the repeat.
 */

export const CALL = 2;
export const CALLRESULT = 3;
export const CALLERROR = 4;

/** The OCPP 1.6J CALLERROR codes (spec §4.2.3; "Occurence" is the spec's spelling). */
export const OCPP_ERROR_CODES = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
] as const;
export type OcppErrorCode = (typeof OCPP_ERROR_CODES)[number];

export type FrameForm = 'object' | 'array';
export type Payload = Record<string, unknown>;

export interface CallFrame {
  type: typeof CALL;
  uniqueId: string;
  action: string;
  payload: Payload;
}
export interface CallResultFrame {
  type: typeof CALLRESULT;
  uniqueId: string;
  payload: Payload;
}
export interface CallErrorFrame {
  type: typeof CALLERROR;
  uniqueId: string;
  errorCode: string;
  errorDescription: string;
  errorDetails: Payload;
}
export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

export interface OcppFault {
  code: OcppErrorCode;
  description: string;
  details?: Payload;
}

export type ParseResult =
  | { ok: true; frame: Frame; form: FrameForm }
  | {
      ok: false;
      form: FrameForm;
      fault: OcppFault;
      /** What could be read before the frame broke, so the CALLERROR can still be correlated. */
      messageType: number | null;
      uniqueId: string | null;
      action: string | null;
    };

/** OCPP-J allows at most 36 characters for a UniqueId. */
const MAX_UNIQUE_ID = 36;

function isPlainObject(v: unknown): v is Payload {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads one MQTT payload as an OCPP frame; never throws. */
export function parseFrame(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return broken('object', null, null, null, 'FormationViolation', `message is not JSON: ${(e as Error).message}`);
  }
  if (Array.isArray(json)) return parseArray(json);
  if (isPlainObject(json)) return parseObject(json);
  return broken('object', null, null, null, 'FormationViolation', 'message must be a JSON array [2,"id","Action",{…}] or an object {"MessageTypeId":…}');
}

function broken(form: FrameForm, messageType: number | null, uniqueId: string | null, action: string | null, code: OcppErrorCode, description: string): ParseResult {
  return { ok: false, form, messageType, uniqueId, action, fault: { code, description } };
}

function checkUniqueId(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_UNIQUE_ID ? v : null;
}

function checkAction(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= LIMITS.maxActionLength ? v : null;
}

function parseArray(a: unknown[]): ParseResult {
  const type = typeof a[0] === 'number' ? a[0] : null;
  const uniqueId = checkUniqueId(a[1]);
  const form = 'array';
  if (type === null) return broken(form, null, uniqueId, null, 'FormationViolation', 'element 0 (MessageTypeId) must be 2, 3 or 4');
  if (uniqueId === null) {
    return broken(form, type, null, null, 'FormationViolation', `element 1 (UniqueId) must be a string of 1 to ${MAX_UNIQUE_ID} characters`);
  }
  if (type === CALL) {
    const action = checkAction(a[2]);
    if (a.length !== 4) return broken(form, type, uniqueId, action, 'FormationViolation', `a CALL has 4 elements [2,"id","Action",{…}], this one has ${a.length}`);
    if (action === null)
      return broken(form, type, uniqueId, null, 'FormationViolation', `element 2 (Action) must be a string of 1 to ${LIMITS.maxActionLength} characters`);
    if (!isPlainObject(a[3])) return broken(form, type, uniqueId, action, 'FormationViolation', 'element 3 (Payload) must be a JSON object');
    return { ok: true, form, frame: { type: CALL, uniqueId, action, payload: a[3] } };
  }
  if (type === CALLRESULT) {
    if (a.length !== 3) return broken(form, type, uniqueId, null, 'FormationViolation', `a CALLRESULT has 3 elements [3,"id",{…}], this one has ${a.length}`);
    if (!isPlainObject(a[2])) return broken(form, type, uniqueId, null, 'FormationViolation', 'element 2 (Payload) must be a JSON object');
    return { ok: true, form, frame: { type: CALLRESULT, uniqueId, payload: a[2] } };
  }
  if (type === CALLERROR) {
    if (a.length !== 5 || typeof a[2] !== 'string' || typeof a[3] !== 'string' || !isPlainObject(a[4])) {
      return broken(form, type, uniqueId, null, 'FormationViolation', 'a CALLERROR is [4,"id","ErrorCode","ErrorDescription",{…}]');
    }
    return { ok: true, form, frame: { type: CALLERROR, uniqueId, errorCode: a[2], errorDescription: a[3], errorDetails: a[4] } };
  }
  return broken(form, type, uniqueId, null, 'FormationViolation', `MessageTypeId ${type} is not 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)`);
}

function parseObject(o: Payload): ParseResult {
  const type = typeof o.MessageTypeId === 'number' ? o.MessageTypeId : null;
  const uniqueId = checkUniqueId(o.UniqueId);
  const action = checkAction(o.Action);
  const form = 'object';
  if (type === null) return broken(form, null, uniqueId, action, 'FormationViolation', 'MessageTypeId must be 2, 3 or 4');
  if (uniqueId === null) return broken(form, type, null, action, 'FormationViolation', `UniqueId must be a string of 1 to ${MAX_UNIQUE_ID} characters`);
  if (type === CALL) {
    if (action === null) return broken(form, type, uniqueId, null, 'FormationViolation', `Action must be a string of 1 to ${LIMITS.maxActionLength} characters`);
    if (!isPlainObject(o.Payload)) return broken(form, type, uniqueId, action, 'FormationViolation', 'Payload must be a JSON object');
    return { ok: true, form, frame: { type: CALL, uniqueId, action, payload: o.Payload } };
  }
  if (type === CALLRESULT) {
    if (!isPlainObject(o.Payload)) return broken(form, type, uniqueId, action, 'FormationViolation', 'Payload must be a JSON object');
    return { ok: true, form, frame: { type: CALLRESULT, uniqueId, payload: o.Payload } };
  }
  if (type === CALLERROR) {
    const details = o.ErrorDetails === undefined ? {} : o.ErrorDetails;
    if (typeof o.ErrorCode !== 'string' || typeof o.ErrorDescription !== 'string' || !isPlainObject(details)) {
      return broken(form, type, uniqueId, action, 'FormationViolation', 'a CALLERROR needs ErrorCode and ErrorDescription strings (ErrorDetails an object if present)');
    }
    return { ok: true, form, frame: { type: CALLERROR, uniqueId, errorCode: o.ErrorCode, errorDescription: o.ErrorDescription, errorDetails: details } };
  }
  return broken(form, type, uniqueId, action, 'FormationViolation', `MessageTypeId ${type} is not 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)`);
}

/** What can be read of a frame from its first bytes alone (a message too large to parse whole). */
export interface FrameHead {
  form: FrameForm;
  messageType: number | null;
  uniqueId: string | null;
  action: string | null;
}

const ARRAY_HEAD = /^\s*\[\s*(\d)\s*,\s*"([^"\\]{1,36})"(?:\s*,\s*"([^"\\]{1,64})")?/;

/**
 * Reads MessageTypeId, UniqueId and Action from the start of a frame with three regular
 * expressions, never parsing the rest. In the object form only what comes before "Payload" counts,
 * so a key inside the payload is never taken for the frame's own.
 */
export function readFrameHead(prefix: string): FrameHead {
  const text = prefix.trimStart();
  if (text.startsWith('[')) {
    const m = ARRAY_HEAD.exec(text);
    return { form: 'array', messageType: m ? Number(m[1]) : null, uniqueId: m?.[2] ?? null, action: m?.[1] === '2' ? (m[3] ?? null) : null };
  }
  const head = text.split('"Payload"')[0];
  const type = /"MessageTypeId"\s*:\s*(\d)\b/.exec(head);
  const id = /"UniqueId"\s*:\s*"([^"\\]{1,36})"/.exec(head);
  const action = /"Action"\s*:\s*"([^"\\]{1,64})"/.exec(head);
  return { form: 'object', messageType: type ? Number(type[1]) : null, uniqueId: id?.[1] ?? null, action: action?.[1] ?? null };
}

/** Writes a frame in the given form (the gateway's object form unless the peer spoke arrays). */
export function encodeFrame(frame: Frame, form: FrameForm = 'object'): string {
  if (form === 'array') {
    if (frame.type === CALL) return JSON.stringify([CALL, frame.uniqueId, frame.action, frame.payload]);
    if (frame.type === CALLRESULT) return JSON.stringify([CALLRESULT, frame.uniqueId, frame.payload]);
    return JSON.stringify([CALLERROR, frame.uniqueId, frame.errorCode, frame.errorDescription, frame.errorDetails]);
  }
  if (frame.type === CALL) return JSON.stringify({ MessageTypeId: CALL, UniqueId: frame.uniqueId, Action: frame.action, Payload: frame.payload });
  if (frame.type === CALLRESULT) return JSON.stringify({ MessageTypeId: CALLRESULT, UniqueId: frame.uniqueId, Payload: frame.payload });
  return JSON.stringify({
    MessageTypeId: CALLERROR,
    UniqueId: frame.uniqueId,
    ErrorCode: frame.errorCode,
    ErrorDescription: frame.errorDescription,
    ErrorDetails: frame.errorDetails,
  });
}

export function newUniqueId(): string {
  return crypto.randomUUID();
}

export function callError(uniqueId: string | null, fault: OcppFault): CallErrorFrame {
  // OCPP-J has no id to answer when the frame's own id is unreadable; "-1" is the usual stand-in.
  return { type: CALLERROR, uniqueId: uniqueId ?? '-1', errorCode: fault.code, errorDescription: fault.description, errorDetails: fault.details ?? {} };
}

// ---------------------------------------------------------------------------------------------
// Schemas

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

interface RpcValidationError extends Error {
  details?: { errors?: AjvError[] };
}

// The schemas are data inside ocpp-rpc; only its validator module is loaded, never its WebSocket
// server. require keeps the JSON out of the ES module graph (no import attributes needed), and
// both are read on the first frame checked, not when the process starts (~0.2 s of CPU).
const schemaList = lazyRequire<{ $id: string }[]>('ocpp-rpc/lib/schemas/ocpp1_6.json');
const validatorModule = lazyRequire<{ createValidator: typeof createValidator }>('ocpp-rpc/lib/validator.js');
interface OcppSchemas {
  validator: ReturnType<typeof createValidator>;
  known: Set<string>;
}
let schemas: OcppSchemas | null = null;
function ocppSchemas(): OcppSchemas {
  schemas ??= { validator: validatorModule().createValidator('ocpp1.6', schemaList()), known: new Set(schemaList().map((s) => s.$id)) };
  return schemas;
}

/** Actions a charger sends to the back office (OCPP 1.6 core, smart charging and security extension). */
export const CHARGER_ACTIONS = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
  'LogStatusNotification',
  'SecurityEventNotification',
  'SignCertificate',
  'SignedFirmwareStatusNotification',
] as const;

/** True when the OCPP 1.6 schemas know this action at all (in either direction). */
export function isKnownAction(action: string): boolean {
  return ocppSchemas().known.has(`urn:${action}.req`);
}

/**
 * OCPP 1.6 names three codes for a payload that parses but breaks its schema; each JSON-schema
 * keyword maps to the one the spec describes (type → type, cardinality → occurrence, values →
 * property). 2.0's FormatViolation does not exist in 1.6, so ocpp-rpc's own table is not used.
 */
const KEYWORD_CODES: Record<string, OcppErrorCode> = {
  type: 'TypeConstraintViolation',
  required: 'OccurenceConstraintViolation',
  minItems: 'OccurenceConstraintViolation',
  maxItems: 'OccurenceConstraintViolation',
  minProperties: 'OccurenceConstraintViolation',
  maxProperties: 'OccurenceConstraintViolation',
  additionalItems: 'OccurenceConstraintViolation',
  dependencies: 'OccurenceConstraintViolation',
};

export function faultForSchemaKeyword(keyword: string): OcppErrorCode {
  return KEYWORD_CODES[keyword] ?? 'PropertyConstraintViolation';
}

/**
 * Checks a payload against `urn:<Action>.req` or `.conf`, and a request against LIMITS too
 * (checkBounds); null when valid.
 */
export function validatePayload(action: string, kind: 'req' | 'conf', payload: unknown): OcppFault | null {
  const id = `urn:${action}.${kind}`;
  if (!ocppSchemas().known.has(id)) return { code: 'NotImplemented', description: `${action} is not an OCPP 1.6 action` };
  try {
    // It throws on an invalid payload; the Promise in its return type is for $async schemas, and OCPP 1.6 has none.
    void ocppSchemas().validator.validate(id, payload);
    return kind === 'req' ? checkBounds(action, payload as Payload) : null;
  } catch (e) {
    const errors = (e as RpcValidationError).details?.errors ?? [];
    const first = errors[0];
    // The field a person should look at: a missing property is named itself, not its parent.
    const where = (err: AjvError) => {
      const path = err.instancePath ? err.instancePath.slice(1).replace(/\//g, '.') : '';
      const missing = err.keyword === 'required' ? String(err.params.missingProperty) : '';
      return [path, missing].filter(Boolean).join('.') || '(payload)';
    };
    const describe = (err: AjvError) => {
      if (err.keyword === 'required') return `${where(err)} is required`;
      if (err.keyword === 'additionalProperties') return `${where(err)} has a field the schema does not allow (${String(err.params.additionalProperty)})`;
      if (err.keyword === 'enum') return `${where(err)} must be one of ${(err.params.allowedValues as unknown[]).join(', ')}`;
      return `${where(err)} ${err.message ?? err.keyword}`;
    };
    if (!first) return { code: 'FormationViolation', description: `${action}.${kind}: ${(e as Error).message}` };
    return {
      code: faultForSchemaKeyword(first.keyword),
      description: `${action}.${kind}: ${errors.map(describe).join('; ')}`,
      details: { field: where(first), keyword: first.keyword },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Bounds

/**
 * The ranges DepotDesk holds a charger's fields to, on top of the OCPP 1.6 schemas: those give a
 * maxLength for most strings but no range for any number, no window for a date-time and no length
 * for a sampled value. docs/charger-protocol.md ("Limits") lists them with the error each earns.
 */
export const LIMITS = {
  /** OCPP-J integers are 32-bit; a transaction id is ours, allocated from 1. */
  maxInt32: 2_147_483_647,
  /**
   * meterStart, meterStop and energy samples, in Wh: 10^12 Wh (1 TWh) is a 350 kW charger at full
   * power for 300 years. A reading beyond it is a broken meter or a broken charger, not a meter.
   */
  maxMeterWh: 999_999_999_999,
  /** A charger's clock may be wrong, but not by decades: 2000-01-01T00:00:00Z up to 2100 (excluded). */
  earliestTime: Date.UTC(2000, 0, 1),
  latestTime: Date.UTC(2100, 0, 1),
  /** "2026-01-15T08:00:00.123456789+08:00" is 35 characters. */
  maxTimestampLength: 40,
  /** A sampled value: a number, or a signed meter value (format SignedData: OCMF and the like). */
  maxSampledValueLength: 2_500,
  /** An Action name: the longest OCPP 1.6 action has 32 characters. */
  maxActionLength: 64,
} as const;

/** The highest connectorId a charger may use in a message: set per charger by its registered count. */
export interface ConnectorBound {
  max: number;
  /** Why that is the highest, for the description ("registered with 2 connectors"). */
  reason: string;
}

function boundFault(action: string, code: OcppErrorCode, field: string, text: string, keyword: string, limit?: number | string): OcppFault {
  return { code, description: `${action}.req: ${field} ${text}`, details: limit === undefined ? { field, keyword } : { field, keyword, limit } };
}

function integerIn(action: string, p: Payload, field: string, min: number, max: number): OcppFault | null {
  const v = p[field];
  if (typeof v !== 'number') return null; // absent (optional) or already refused by the schema
  if (v < min) return boundFault(action, 'PropertyConstraintViolation', field, `${v} is below ${min}`, 'minimum', min);
  if (v > max) return boundFault(action, 'PropertyConstraintViolation', field, `${v} is above ${max}`, 'maximum', max);
  return null;
}

const TIME_WINDOW = `${new Date(LIMITS.earliestTime).toISOString()} to ${new Date(LIMITS.latestTime).toISOString()} (excluded)`;

/** A date-time the schema accepted: short, readable by Date.parse, and within the window. */
function timeIn(action: string, field: string, v: unknown): OcppFault | null {
  if (typeof v !== 'string') return null;
  if (v.length > LIMITS.maxTimestampLength) {
    return boundFault(action, 'PropertyConstraintViolation', field, `is longer than ${LIMITS.maxTimestampLength} characters`, 'maxLength', LIMITS.maxTimestampLength);
  }
  const t = Date.parse(v);
  if (!Number.isFinite(t)) return boundFault(action, 'PropertyConstraintViolation', field, `"${v}" is not a readable date-time`, 'format');
  if (t < LIMITS.earliestTime || t >= LIMITS.latestTime) {
    return boundFault(action, 'PropertyConstraintViolation', field, `${v} is outside ${TIME_WINDOW}`, 'range', TIME_WINDOW);
  }
  return null;
}

/** A plain decimal number, as OCPP writes a Raw sampled value ("1234", "12.5", "1.2e3"). */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** Units an energy sample comes in, and the factor to Wh (or varh). */
const ENERGY_UNITS: Record<string, number> = { Wh: 1, kWh: 1000, varh: 1, kvarh: 1000 };

interface SampledValueIn {
  value?: unknown;
  format?: unknown;
  measurand?: unknown;
  unit?: unknown;
}

/**
 * Every sampled value is at most maxSampledValueLength characters. A Raw energy sample (a measurand
 * `Energy.*`, or none: OCPP's default is the import register) must be a number from 0 to maxMeterWh
 * once in Wh. Other measurands (power, temperature, SoC…) are never applied, only kept in the log.
 */
function samplesIn(action: string, list: unknown, listField: string): OcppFault | null {
  if (!Array.isArray(list)) return null;
  for (let i = 0; i < list.length; i += 1) {
    const mv = list[i] as { timestamp?: unknown; sampledValue?: unknown };
    const time = timeIn(action, `${listField}.${i}.timestamp`, mv.timestamp);
    if (time) return time;
    const samples = Array.isArray(mv.sampledValue) ? (mv.sampledValue as SampledValueIn[]) : [];
    for (let j = 0; j < samples.length; j += 1) {
      const sv = samples[j];
      const field = `${listField}.${i}.sampledValue.${j}.value`;
      if (typeof sv.value !== 'string') continue;
      if (sv.value.length > LIMITS.maxSampledValueLength) {
        return boundFault(
          action,
          'PropertyConstraintViolation',
          field,
          `is longer than ${LIMITS.maxSampledValueLength} characters`,
          'maxLength',
          LIMITS.maxSampledValueLength,
        );
      }
      const measurand = typeof sv.measurand === 'string' ? sv.measurand : 'Energy.Active.Import.Register';
      if (!measurand.startsWith('Energy.') || (sv.format ?? 'Raw') !== 'Raw') continue;
      const shown = sv.value.length > 40 ? `${sv.value.slice(0, 40)}…` : sv.value;
      if (!DECIMAL.test(sv.value.trim())) {
        return boundFault(action, 'TypeConstraintViolation', field, `"${shown}" is not a number (${measurand})`, 'type');
      }
      const wh = Number(sv.value.trim()) * (ENERGY_UNITS[typeof sv.unit === 'string' ? sv.unit : 'Wh'] ?? 1);
      if (!Number.isFinite(wh) || wh < 0 || wh > LIMITS.maxMeterWh) {
        return boundFault(
          action,
          'PropertyConstraintViolation',
          field,
          `${shown}${typeof sv.unit === 'string' ? ` ${sv.unit}` : ''} is outside 0 to ${LIMITS.maxMeterWh} Wh`,
          'range',
          LIMITS.maxMeterWh,
        );
      }
    }
  }
  return null;
}

type BoundCheck = (action: string, p: Payload) => OcppFault | null;

const first = (...checks: (() => OcppFault | null)[]): OcppFault | null => {
  for (const c of checks) {
    const f = c();
    if (f) return f;
  }
  return null;
};

/**
 * Per action, the checks a schema-valid request must also pass. connectorId has only its lower
 * bound here: its upper bound is the charger's registered count (see checkConnector).
 */
const BOUNDS: Record<string, BoundCheck> = {
  StatusNotification: (a, p) =>
    first(
      () => integerIn(a, p, 'connectorId', 0, Infinity),
      () => timeIn(a, 'timestamp', p.timestamp),
    ),
  StartTransaction: (a, p) =>
    first(
      () => integerIn(a, p, 'connectorId', 1, Infinity),
      () => integerIn(a, p, 'meterStart', 0, LIMITS.maxMeterWh),
      () => integerIn(a, p, 'reservationId', -LIMITS.maxInt32 - 1, LIMITS.maxInt32),
      () => timeIn(a, 'timestamp', p.timestamp),
    ),
  MeterValues: (a, p) =>
    first(
      () => integerIn(a, p, 'connectorId', 0, Infinity),
      () => integerIn(a, p, 'transactionId', 1, LIMITS.maxInt32),
      () => samplesIn(a, p.meterValue, 'meterValue'),
    ),
  StopTransaction: (a, p) =>
    first(
      () => integerIn(a, p, 'transactionId', 1, LIMITS.maxInt32),
      () => integerIn(a, p, 'meterStop', 0, LIMITS.maxMeterWh),
      () => timeIn(a, 'timestamp', p.timestamp),
      () => samplesIn(a, p.transactionData, 'transactionData'),
    ),
  SecurityEventNotification: (a, p) => timeIn(a, 'timestamp', p.timestamp),
  LogStatusNotification: (a, p) => integerIn(a, p, 'requestId', -LIMITS.maxInt32 - 1, LIMITS.maxInt32),
  SignedFirmwareStatusNotification: (a, p) => integerIn(a, p, 'requestId', -LIMITS.maxInt32 - 1, LIMITS.maxInt32),
};

/** The bounds of a request the schema already accepted (see LIMITS); null when it is within them. */
export function checkBounds(action: string, payload: Payload): OcppFault | null {
  return BOUNDS[action]?.(action, payload) ?? null;
}

/** Actions whose connectorId may be 0 (the charger as a whole, or its main meter). */
const CONNECTOR_ZERO_ALLOWED = new Set(['StatusNotification', 'MeterValues']);

/**
 * A request's connectorId against the highest the charger has: PropertyConstraintViolation above
 * it. (0, where OCPP allows it, and the lower bounds are checked by validatePayload.)
 */
export function checkConnector(action: string, payload: Payload, bound: ConnectorBound): OcppFault | null {
  const v = payload.connectorId;
  if (typeof v !== 'number' || v <= bound.max) return null;
  const lowest = CONNECTOR_ZERO_ALLOWED.has(action) ? 0 : 1;
  return boundFault(
    action,
    'PropertyConstraintViolation',
    'connectorId',
    `${v} is above ${bound.max} (${bound.reason}; ${lowest} to ${bound.max} allowed)`,
    'maximum',
    bound.max,
  );
}

// ---------------------------------------------------------------------------------------------
// Outgoing calls

export class ChargerCallError extends DepotError {
  constructor(
    readonly chargerId: string,
    readonly action: string,
    readonly errorCode: string,
    readonly errorDescription: string,
    /** 'charger' when the charger answered CALLERROR; 'reply' when its CALLRESULT broke the schema. */
    readonly origin: 'charger' | 'reply',
    readonly errorDetails: Payload = {},
  ) {
    super(
      'charger_call_error',
      origin === 'charger'
        ? `charger ${chargerId} refused ${action}: ${errorCode} ${errorDescription}`.trim()
        : `charger ${chargerId} answered ${action} with an invalid reply: ${errorDescription}`,
      { chargerId, action, errorCode, errorDescription, origin },
    );
  }
}

export class ChargerTimeoutError extends DepotError {
  constructor(
    readonly chargerId: string,
    readonly action: string,
    readonly attempts: number,
    readonly timeoutMs: number,
  ) {
    super('charger_timeout', `charger ${chargerId} did not answer ${action} (${attempts} attempt(s), ${timeoutMs} ms each)`, {
      chargerId,
      action,
      attempts,
      timeoutMs,
    });
  }
}

export interface CallOptions {
  timeoutMs?: number;
  retries?: number;
}

interface Pending {
  chargerId: string;
  action: string;
  frame: CallFrame;
  attempts: number;
  maxAttempts: number;
  timeoutMs: number;
  timer: NodeJS.Timeout | null;
  resolve(payload: Payload): void;
  reject(e: Error): void;
}

export interface PendingCallsOptions {
  /** Publishes one attempt of a CALL; rejects when it cannot be handed to the broker. */
  send(chargerId: string, frame: CallFrame, attempt: number): Promise<void>;
  defaultTimeoutMs: number;
  defaultRetries: number;
}

/**
 * The in-memory table of CALLs awaiting an answer. It is deliberately not durable: a CALL is a
 * question to a live charger, and after a restart nobody is waiting for the answer any more; the
 * business rule that depends on the answer (a start timeout) is a durable job of its own.
 */
export class PendingCalls {
  private readonly table = new Map<string, Pending>();
  private closed = false;

  constructor(private readonly opts: PendingCallsOptions) {}

  get size(): number {
    return this.table.size;
  }

  call(chargerId: string, action: string, payload: Payload, options: CallOptions = {}): Promise<Payload> {
    if (this.closed)
      return Promise.reject(new DepotError('unavailable', `cannot send ${action} to ${chargerId}: the charger link is shut down`, { reason: 'link_closed' }));
    const invalid = validatePayload(action, 'req', payload);
    if (invalid) {
      return Promise.reject(new DepotError('invalid_input', `${action} to ${chargerId} is not a valid OCPP 1.6 request: ${invalid.description}`, invalid));
    }
    const frame: CallFrame = { type: CALL, uniqueId: newUniqueId(), action, payload };
    return new Promise<Payload>((resolve, reject) => {
      const p: Pending = {
        chargerId,
        action,
        frame,
        attempts: 0,
        maxAttempts: 1 + Math.max(0, options.retries ?? this.opts.defaultRetries),
        timeoutMs: options.timeoutMs ?? this.opts.defaultTimeoutMs,
        timer: null,
        resolve,
        reject,
      };
      this.table.set(key(chargerId, frame.uniqueId), p);
      this.attempt(p);
    });
  }

  private attempt(p: Pending): void {
    p.attempts += 1;
    const k = key(p.chargerId, p.frame.uniqueId);
    p.timer = setTimeout(() => {
      if (this.table.get(k) !== p) return;
      if (p.attempts < p.maxAttempts) this.attempt(p);
      else this.settle(k, p, () => p.reject(new ChargerTimeoutError(p.chargerId, p.action, p.attempts, p.timeoutMs)));
    }, p.timeoutMs);
    this.opts.send(p.chargerId, p.frame, p.attempts).catch((e: unknown) => {
      this.settle(k, p, () => p.reject(e instanceof Error ? e : new Error(String(e))));
    });
  }

  private settle(k: string, p: Pending, fn: () => void): void {
    if (this.table.get(k) !== p) return;
    if (p.timer) clearTimeout(p.timer);
    this.table.delete(k);
    fn();
  }

  /**
   * Settles the call a CALLRESULT or CALLERROR answers. Returns the action that was asked, or null
   * when nothing is waiting (a late answer after the last timeout, or a reply nobody asked for).
   */
  answer(chargerId: string, frame: CallResultFrame | CallErrorFrame): { action: string; fault: OcppFault | null } | null {
    const k = key(chargerId, frame.uniqueId);
    const p = this.table.get(k);
    if (!p) return null;
    if (frame.type === CALLERROR) {
      this.settle(k, p, () => p.reject(new ChargerCallError(chargerId, p.action, frame.errorCode, frame.errorDescription, 'charger', frame.errorDetails)));
      return { action: p.action, fault: null };
    }
    const fault = validatePayload(p.action, 'conf', frame.payload);
    if (fault) {
      this.settle(k, p, () => p.reject(new ChargerCallError(chargerId, p.action, fault.code, fault.description, 'reply')));
      return { action: p.action, fault };
    }
    this.settle(k, p, () => p.resolve(frame.payload));
    return { action: p.action, fault: null };
  }

  /** Fails every waiting call (shutdown); later calls are refused. */
  close(reason = 'the charger link is shutting down'): void {
    this.closed = true;
    // details.reason tells a caller that nobody will wait for this answer any more (the process is
    // stopping) from a CALL that could not be sent: a start is then left to its durable timeout.
    for (const [k, p] of [...this.table])
      this.settle(k, p, () => p.reject(new DepotError('unavailable', `${p.action} to ${p.chargerId}: ${reason}`, { reason: 'link_closed' })));
  }
}

function key(chargerId: string, uniqueId: string): string {
  return `${chargerId}\u0000${uniqueId}`;
}

// ---------------------------------------------------------------------------------------------
// Topics (EMQX OCPP gateway, mount point "ocpp/")

export const TOPIC_PREFIX = 'ocpp';

export const topics = {
  /** charger → back office: the charger's CALLs */
  requests: (id: string) => `${TOPIC_PREFIX}/cp/${id}`,
  /** charger → back office: the charger's answers to our CALLs */
  replies: (id: string) => `${TOPIC_PREFIX}/cp/${id}/Reply`,
  /** back office → charger: our CALLs and our answers to its CALLs */
  downstream: (id: string) => `${TOPIC_PREFIX}/cs/${id}`,
};

export type UpstreamTopic = { chargerId: string; kind: 'request' | 'reply' };

/** Reads `ocpp/cp/{id}` or `ocpp/cp/{id}/Reply`; null for anything else. */
export function parseUpstreamTopic(topic: string): UpstreamTopic | null {
  const parts = topic.split('/');
  if (parts[0] !== TOPIC_PREFIX || parts[1] !== 'cp' || !parts[2]) return null;
  if (parts.length === 3) return { chargerId: parts[2], kind: 'request' };
  if (parts.length === 4 && parts[3] === 'Reply') return { chargerId: parts[2], kind: 'reply' };
  return null;
}

/** Charger ids are topic levels and MQTT client ids: no '/', '+', '#', ':' or spaces. */
export const CHARGER_ID_PATTERN = /^[A-Za-z0-9._-]{1,48}$/;
