import type { z } from 'zod';
import type { AppContext } from './context';

/**
 * The plug-in types: the shapes in which a domain hands the composition root (src-main/modules.ts)
 * its job workers and schedules, dashboard figures, doctor checks, demo steps and charger hooks.
 * They live here, below every domain, so that a domain and the code that runs its plug-ins (jobs,
 * system, chargers, boot) depend on this file and not on each other.
 */

// ── jobs ────────────────────────────────────────────────────────────────────────────────────────

export const JOB_STATES = ['scheduled', 'available', 'executing', 'retryable', 'completed', 'discarded', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobErrorEntry {
  attempt: number;
  at: number;
  error: string;
  stack: string | null;
}

export interface Job<A = unknown> {
  id: string;
  kind: string;
  queue: string;
  args: A;
  meta: Record<string, unknown>;
  state: JobState;
  priority: number;
  attempt: number;
  maxAttempts: number;
  scheduledAt: number;
  attemptedAt: number | null;
  completedAt: number | null;
  discardedAt: number | null;
  cancelledAt: number | null;
  errors: JobErrorEntry[];
  uniqueKey: string | null;
  insertedAt: number;
}

export type Enqueued<A = unknown> = Job<A> & { conflict: boolean };

export interface EnqueueInput {
  kind: string;
  args?: unknown;
  queue?: string;
  /** When the job may run (epoch ms); in the past or omitted: as soon as a runner is free. */
  scheduledAt?: number;
  maxAttempts?: number;
  uniqueKey?: string;
  /** 0 (first) to 9 (last). */
  priority?: number;
  meta?: Record<string, unknown>;
}

/** What a running attempt can do besides its work. */
export interface JobRun {
  /** Aborted when the attempt times out, the job is cancelled, or the scheduler stops. */
  signal: AbortSignal;
  /** Reports progress (0–1) to the Jobs page; not stored. */
  progress(fraction: number, message?: string): void;
}

/**
 * Returning nothing completes the job. `{ snooze: ms }` runs it again later without using up an
 * attempt; `{ cancel: reason }` ends it as cancelled (there was nothing left to do). Throwing fails
 * the attempt.
 */
export type PerformResult = void | undefined | { snooze: number } | { cancel: string };

export interface WorkerDef<S extends z.ZodType> {
  kind: string;
  queue?: string;
  args: S;
  maxAttempts?: number;
  /** Real elapsed time an attempt may take before it is failed (and its signal aborted). */
  timeoutMs?: number;
  priority?: number;
  /** Milliseconds before the next attempt after attempt `attempt` failed; defaults to exponentialBackoff. */
  backoff?: (attempt: number) => number;
  // Method syntax on purpose: a Worker<S> must be storable in a Worker<ZodType> list.
  perform(app: AppContext, job: Job<z.output<S>>, run: JobRun): Promise<PerformResult> | PerformResult;
}

export type EnqueueOptions = Omit<EnqueueInput, 'kind' | 'args'>;

export interface Worker<S extends z.ZodType = z.ZodType> extends WorkerDef<S> {
  queue: string;
  maxAttempts: number;
  timeoutMs: number;
  priority: number;
  /** Validates the arguments and enqueues (inside the caller's transaction, if one is open). */
  enqueue(app: AppContext, args: z.input<S>, opts?: EnqueueOptions): Enqueued<z.input<S>>;
}

export interface CronDef {
  /** Stable name; the key of the entry's row in job_crons. */
  name: string;
  /** Five fields (or six with seconds), evaluated in the depot's time zone. */
  expression: string;
  kind: string;
  args?: unknown;
}

// ── the dashboard, the doctor and the demo ──────────────────────────────────────────────────────

/** 'time': an instant, epoch ms. */
export type FigureUnit = 'count' | 'fen' | 'bytes' | 'wh' | 'time';
export interface Figure {
  key: string;
  value: number;
  unit: FigureUnit;
}
export type FigureProvider = (app: AppContext, dayStart: number) => Figure[];

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DoctorOptions {
  /** Make the repairs the checks know (`depotdesk doctor --repair`). */
  repair?: boolean;
}

/** A doctor check a domain contributes; `name` is the name its result carries. */
export interface DoctorCheckDef {
  name: string;
  run(app: AppContext, opts: DoctorOptions): DoctorCheck | Promise<DoctorCheck>;
}

export interface DemoStep {
  name: string;
  run(app: AppContext, opts: { password: string }): Promise<string> | string;
}

// ── the charger link ────────────────────────────────────────────────────────────────────────────

export interface IdTagInfo {
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
  expiryDate?: string;
  parentIdTag?: string;
}

/** A new or repeated transaction-inbox record, reported after its batch committed. */
export interface TransactionRecordNotice {
  recordId: number;
  chargerId: string;
  kind: 'start' | 'meter' | 'stop';
  transactionId: number | null;
  duplicate: boolean;
}

/** Where an id tag is being checked: which charger asks, and in which message. */
export interface AuthorizeContext {
  chargerId: string;
  action: 'Authorize' | 'StartTransaction' | 'StopTransaction';
  /** The message's own timestamp (StartTransaction, StopTransaction), when it has one: an old one is a replay. */
  chargerAt?: number | null;
}

/**
 * Seams the session step plugs into. authorizeIdTag runs inside the ingest transaction (it must be
 * synchronous and may read the database); onTransactionRecords runs after the batch committed,
 * with the records of every batch committed since its last call (service.ts, CONSUME_DELAY_MS).
 */
export interface ChargerHooks {
  authorizeIdTag(app: AppContext, idTag: string, where: AuthorizeContext): IdTagInfo;
  onTransactionRecords?(app: AppContext, records: TransactionRecordNotice[]): void;
}

// ── downloads ───────────────────────────────────────────────────────────────────────────────────

/** A file a module offers for download (an export it wrote), found by its id. */
export interface DownloadFile {
  /** Absolute path of the finished file. */
  path: string;
  /** The name the browser or the save dialog proposes. */
  fileName: string;
  contentType: string;
}

/**
 * Resolves a download id to its file, for the signed-in operator; null when there is no such
 * finished file. HTTP serves it at GET /download/<name>/<id>; the desktop shell copies it to where
 * the operator chose in the save dialog. Never base64 in a JSON answer.
 */
export type DownloadProvider = (app: AppContext, id: string, operator: { id: string; role: string }) => DownloadFile | null;
