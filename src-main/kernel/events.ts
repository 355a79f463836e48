import { EventEmitter } from 'node:events';
import type { Role } from './roles';

/**
 * The one typed push channel. Every event the renderer can receive is named here, so the
 * renderer's handlers are type-checked against what the core emits. An event whose payload names a
 * domain's own types is added by that domain, by declaration merging (see sessions/index.ts).
 */
/** What an alert announcement says, before its delivery is decided. level: see ALERT_LEVELS in alerts/schema.ts. */
export interface AlertNotice {
  level: 'info' | 'warning' | 'urgent';
  code: string;
  message: string;
  /** A stored alert's details: what the renderer words the notice from, in the operator's language. */
  details?: Record<string, unknown>;
}

export interface DepotEventMap {
  'system.started': { at: number };
  'audit.appended': { id: number; method: string; operator: string | null; result: string };
  'dashboard.changed': { reason: string };
  /**
   * An alert announced, with its delivery decision (alerts/delivery.ts announceAlert): `notify`,
   * the roles whose operators get a notification; `sound`, whether those operators hear the tone.
   */
  alert: AlertNotice & { notify: Role[]; sound: boolean };
  'tariffs.changed': { planId: string; change: 'imported' | 'assigned' | 'override' };
  'job.changed': { id: string; kind: string; queue: string; state: import('./plugins').JobState; attempt: number };
  'job.progress': { id: string; kind: string; progress: number; message: string | null };
  'ledger.changed': { driverIds: string[]; reason: string };
  'payments.changed': { orderId: string | null; unmatchedId: string | null; reason: string };
  'compensation.changed': { campaignId: string; reason: string };
  'compensation.progress': { campaignId: string; done: number; drivers: number };
  'refunds.changed': { adjustmentId: string | null; taskId: string | null; reason: string };
  'broker.state': { state: 'not_started' | 'connecting' | 'connected' | 'offline'; url: string | null; error: string | null };
  'charger.status': {
    chargerId: string;
    online: boolean;
    status: string | null;
    connectorId: number | null;
    connectorStatus: string | null;
    errorCode: string | null;
    faulted: boolean;
  };
}

export type DepotEventName = keyof DepotEventMap;
export type DepotEvent = {
  [K in DepotEventName]: { type: K; at: number; payload: DepotEventMap[K] };
}[DepotEventName];

export interface EventBus {
  emit<K extends DepotEventName>(type: K, payload: DepotEventMap[K]): void;
  /** Every event, in order; returns the unsubscribe function. */
  subscribe(listener: (event: DepotEvent) => void): () => void;
}

export function createEventBus(now: () => number): EventBus {
  const emitter = new EventEmitter();
  // Each open browser tab and Electron window is one listener; a depot has a handful.
  emitter.setMaxListeners(100);
  return {
    emit(type, payload) {
      emitter.emit('event', { type, at: now(), payload } as DepotEvent);
    },
    subscribe(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
  };
}
