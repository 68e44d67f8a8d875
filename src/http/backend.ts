// The one interface the HTTP layer consumes from the running reconciler (HttpBackend), and the status
// shape it serves. Type-only: the runtime (or a thin adapter in cli/run.ts) implements it.
import type { Diagnostic, Result } from '../core/diagnostic.js';
import type { GuardVerdict } from '../core/guard.js';
import type { Plan, PlanSummary } from '../core/plan.js';
import type { Route, RouteKey, RouteSet } from '../core/route.js';

/** A plan with the guard's verdict on it and its hash (what `POST /v1/plan/confirm` names). */
export interface PlanView {
  readonly plan: Plan;
  readonly guard: GuardVerdict;
  /** Stable hash of the plan's changes; the token a guarded plan is confirmed with. */
  readonly hash: string;
}

/** The ledger: what ExaBGP acknowledged, plus keys whose state is unknown after a crash. */
export interface AnnouncedView {
  readonly routes: RouteSet;
  /** Keys marked pending (written, no ack yet, or unknown after a crash); included in `routes`. */
  readonly pending: ReadonlySet<RouteKey>;
}

export type ReconcileOutcome = 'applied' | 'no-changes' | 'guard-blocked' | 'failed';

export interface ReconcileRecord {
  /** Increases by one per finished reconcile (the metrics use it to observe each one once). */
  readonly id: number;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: ReconcileOutcome;
  readonly summary: PlanSummary;
  /** Lines written, acknowledged, rejected and timed out during this reconcile. */
  readonly lines?: {
    readonly written: number;
    readonly done: number;
    readonly errors: number;
    readonly timeouts: number;
  };
  /** Set when `outcome` is `failed`: the error code and message. */
  readonly error?: { readonly code: string; readonly message: string };
}

export interface AckError {
  /** Epoch milliseconds. */
  readonly at: number;
  /** The exact command line ExaBGP answered `error` to (or that timed out). */
  readonly line: string;
  readonly message: string;
}

export interface BackendStatus {
  /** Initial sync done and acks flowing (what `GET /readyz` reports). */
  readonly ready: boolean;
  /** Why not ready, e.g. `initial sync in progress`, `no ack for 30 s`. */
  readonly readyReason?: string;
  /** The ExaBGP instance the ledger belongs to; null before it is known. */
  readonly instance: { readonly pid: number; readonly startTime: string } | null;
  readonly ackMode: 'on' | 'off';
  readonly lastReconcile: ReconcileRecord | null;
  /** Epoch milliseconds of the last reconcile that applied or had nothing to do. */
  readonly lastSuccessAt: number | null;
  /** Totals since the process started (Prometheus counters). */
  readonly counters: {
    readonly reconciles: number;
    readonly reconcileErrors: number;
    readonly ackErrors: number;
    readonly guardBlocks: number;
    readonly ackTimeouts?: number;
    readonly linesWritten?: number;
  };
  /** Current input problems (files and api), with file positions; empty when the input is good. */
  readonly diagnostics: readonly Diagnostic[];
  /** The guard verdict of the pending plan when it is blocked, else null. */
  readonly guardBlocked: (GuardVerdict & { readonly hash: string }) | null;
  /** The most recent ack errors, newest last (bounded by the runtime). */
  readonly recentAckErrors: readonly AckError[];
  /** The ledger was trusted at start-up (same ExaBGP instance) rather than reset. */
  readonly ledgerTrusted?: boolean;
  /** The input is invalid now and an older good desired state is in use. */
  readonly usingLastGood?: boolean;
  readonly desiredCount?: number;
  readonly announcedCount?: number;
  readonly pendingCount?: number;
  /** BGP neighbors by address, as ExaBGP last reported them. */
  readonly neighbors?: Readonly<Record<string, NeighborStatus>>;
}

export interface NeighborStatus {
  readonly state: 'connected' | 'up' | 'down';
  /** Epoch milliseconds. */
  readonly at: number;
  readonly reason?: string;
}

/** Result of `confirmPlan`: confirmed, or why not (no guarded plan, or a different hash). */
export type ConfirmResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'nothing-to-confirm' | 'hash-mismatch';
      readonly hash?: string;
    };

/**
 * What the HTTP API needs from `run`. Every method is cheap and never throws for bad input: input
 * problems are Result diagnostics (E_CONFLICT for a conflict with a file route, naming file:line).
 * Mutations of the api source are serialised by the HTTP layer (one at a time), so an
 * implementation need not lock; it must persist before its promise resolves.
 */
export interface HttpBackend {
  getStatus(): BackendStatus;
  /** The merged desired state the reconciler works from (last good), each route with its source. */
  getDesired(): RouteSet;
  /** The api source as stored (the last accepted PUT or form edit); empty when never set. */
  getApiRoutes(): readonly Route[];
  getAnnounced(): AnnouncedView;
  /** The pending diff of desired vs announced now, with the guard verdict. */
  getPlan(): PlanView;
  /** The plan if the api source were `routes`, changing nothing (dry run). */
  previewApiRoutes(routes: readonly Route[]): Result<PlanView>;
  /**
   * Replace the api source: check for conflicts, store it durably (ledger), then request a
   * reconcile. Resolves after the store is durable, with the plan the reconciler is about to apply.
   */
  replaceApiRoutes(routes: readonly Route[]): Promise<Result<PlanView>>;
  /** Ask for a reconcile (coalesced with any already pending). */
  requestReconcile(): void;
  /** Confirm the guarded plan whose hash is `hash`; on success a reconcile applies it. */
  confirmPlan(hash: string): ConfirmResult;
}
