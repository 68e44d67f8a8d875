// The ReconcilerHandle: what the HTTP API (issue 4) and `run` read from and ask of the running
// reconciler. Types only; structurally the same shape as src/http/backend.ts's HttpBackend, which
// runtime must not import (style.md B4).
import type { Diagnostic, Result } from '../core/diagnostic.js';
import type { GuardVerdict } from '../core/guard.js';
import type { Plan, PlanSummary } from '../core/plan.js';
import type { Route, RouteKey, RouteSet } from '../core/route.js';

/** A plan with the guard's verdict and its hash (sha256 of the encoded command lines). */
export interface PlanView {
  readonly plan: Plan;
  readonly guard: GuardVerdict;
  readonly hash: string;
}

export interface AnnouncedView {
  /** Acknowledged routes plus unsettled (pending) ones. */
  readonly routes: RouteSet;
  readonly pending: ReadonlySet<RouteKey>;
}

export type ReconcileOutcome = 'applied' | 'no-changes' | 'guard-blocked' | 'failed';

export interface ReconcileRecord {
  readonly id: number;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: ReconcileOutcome;
  readonly summary: PlanSummary;
  /** Lines written, acknowledged, rejected and timed out during this reconcile. */
  readonly lines: {
    readonly written: number;
    readonly done: number;
    readonly errors: number;
    readonly timeouts: number;
  };
  readonly error?: { readonly code: string; readonly message: string };
}

export interface AckError {
  readonly at: number;
  readonly line: string;
  readonly message: string;
}

export interface NeighborStatus {
  readonly state: 'connected' | 'up' | 'down';
  readonly at: number;
  readonly reason?: string;
}

/** The last `--verify` deep check: ExaBGP's adj-rib-out compared with the ledger. */
export interface VerifyStatus {
  /** Epoch milliseconds when the check started. */
  readonly at: number;
  readonly durationMs: number;
  /** `clean`: no drift; `repaired`: drift found and queued for repair; `failed`: see `error`. */
  readonly outcome: 'clean' | 'repaired' | 'failed';
  readonly missing: number;
  readonly different: number;
  readonly extra: number;
  /** Ledger entries changed so that the next reconcile repairs the drift. */
  readonly repaired: number;
  /** Neighbors compared. */
  readonly neighbors: number;
  /** Routes in ExaBGP's dump (all neighbors). */
  readonly dumpRoutes: number;
  readonly error?: string;
}

export interface ReconcilerStatus {
  readonly ready: boolean;
  readonly readyReason?: string;
  readonly instance: { readonly pid: number; readonly startTime: string } | null;
  /** Whether the ledger was trusted at start-up (same ExaBGP instance) or reset. */
  readonly ledgerTrusted: boolean;
  readonly ackMode: 'on' | 'off';
  readonly lastReconcile: ReconcileRecord | null;
  readonly lastSuccessAt: number | null;
  readonly counters: {
    readonly reconciles: number;
    readonly reconcileErrors: number;
    readonly ackErrors: number;
    readonly ackTimeouts: number;
    readonly guardBlocks: number;
    readonly linesWritten: number;
  };
  readonly diagnostics: readonly Diagnostic[];
  /** True while the desired state in use is an older good one (the input is invalid now). */
  readonly usingLastGood: boolean;
  readonly guardBlocked: (GuardVerdict & { readonly hash: string }) | null;
  readonly recentAckErrors: readonly AckError[];
  readonly desiredCount: number;
  readonly announcedCount: number;
  readonly pendingCount: number;
  readonly neighbors: Readonly<Record<string, NeighborStatus>>;
  /** The last `--verify` check; null before the first one, absent when --verify is off. */
  readonly verify?: VerifyStatus | null;
}

export type ConfirmResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'nothing-to-confirm' | 'hash-mismatch';
      readonly hash?: string;
    };

export interface ReconcilerHandle {
  getStatus(): ReconcilerStatus;
  /** The merged desired state in use (last good), each route with its source. */
  getDesired(): RouteSet;
  getApiRoutes(): readonly Route[];
  getAnnounced(): AnnouncedView;
  /** The pending diff of desired vs announced now, with the guard verdict. */
  getPlan(): PlanView;
  /** The plan if the api source were `routes`; changes nothing. */
  previewApiRoutes(routes: readonly Route[]): Result<PlanView>;
  /** Check conflicts, store the api source durably, request a reconcile; resolves once stored. */
  replaceApiRoutes(routes: readonly Route[]): Promise<Result<PlanView>>;
  /** Ask for a reconcile, coalesced with any already pending. */
  requestReconcile(): void;
  /** Confirm the guarded plan whose hash is `hash`; a reconcile then applies it once. */
  confirmPlan(hash: string): ConfirmResult;
}
