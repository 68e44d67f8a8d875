// The ReconcilerHandle: what the HTTP API (issue 4) and `run` read from and ask of the running
// reconciler, and the status shape it serves. Types only: src/http imports them with `import type`
// (style.md B4); the Reconciler implements the handle.
import type { HealthStatus } from './checks/health-runtime.js';
import type { Diagnostic, Result } from '../core/diagnostic.js';
import type { GuardVerdict } from '../core/guard.js';
import type { Plan, PlanSummary } from '../core/plan.js';
import type { Route, RouteKey, RouteSet } from '../core/route.js';

/** A plan with the guard's verdict and its hash (sha256 of the encoded command lines). */
export interface PlanView {
  readonly plan: Plan;
  readonly guard: GuardVerdict;
  /** The token a guarded plan is confirmed with (`POST /v1/plan/confirm`). */
  readonly hash: string;
}

/** The ledger: what ExaBGP acknowledged, plus keys whose state is unknown after a crash. */
export interface AnnouncedView {
  /** Acknowledged routes plus unsettled (pending) ones. */
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
  readonly lines: {
    readonly written: number;
    readonly done: number;
    readonly errors: number;
    readonly timeouts: number;
  };
  /** Set when `outcome` is `failed`: the error code and message. */
  readonly error?: { readonly code: string; readonly message: string };
  /**
   * What the diff compared: every desired and announced key (`full`), or only the keys the
   * desired state touched since a reconcile that left everything converged (`touched`).
   */
  readonly diff?: DiffScope;
}

export interface DiffScope {
  readonly scope: 'full' | 'touched';
  /** Desired keys (`full`) or touched keys compared. */
  readonly keys: number;
}

export interface AckError {
  /** Epoch milliseconds. */
  readonly at: number;
  /** The exact command line ExaBGP answered `error` to (or that timed out). */
  readonly line: string;
  readonly message: string;
}

export interface NeighborStatus {
  readonly state: 'connected' | 'up' | 'down';
  /** Epoch milliseconds. */
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

/** The apply in flight (a sync, a repair, a large edit): GET /v1/status `progress`. */
export interface ProgressStatus {
  readonly reconcileId: number;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly routesTotal: number;
  /** Routes whose line was answered `done` (or written, with acks off). */
  readonly routesDone: number;
  /** Routes whose line was rejected, unanswered or never written. */
  readonly routesFailed: number;
  readonly linesTotal: number;
  readonly linesSettled: number;
  /** Routes settled per second since the start (0 before the first). */
  readonly ratePerSecond: number;
  /** Milliseconds left at that rate; null while nothing has settled yet. */
  readonly etaMs: number | null;
}

export interface ReconcilerStatus {
  /** Initial sync done and acks flowing (what `GET /readyz` reports). */
  readonly ready: boolean;
  /** Why not ready, e.g. `initial sync in progress`, `no ack for 30 s`. */
  readonly readyReason?: string;
  /** The ExaBGP instance the ledger belongs to; null before it is known. */
  readonly instance: { readonly pid: number; readonly startTime: string } | null;
  /** Whether the ledger was trusted at start-up (same ExaBGP instance) or reset. */
  readonly ledgerTrusted: boolean;
  /** What ExaBGP's `version` answered (null: no answer) and the command dialect spoken. */
  readonly exabgp?: { readonly version: string | null; readonly dialect: string };
  readonly ackMode: 'on' | 'off';
  readonly lastReconcile: ReconcileRecord | null;
  /** Epoch milliseconds of the last reconcile that applied or had nothing to do. */
  readonly lastSuccessAt: number | null;
  /** Totals since the process started (Prometheus counters). */
  readonly counters: {
    readonly reconciles: number;
    readonly reconcileErrors: number;
    readonly ackErrors: number;
    readonly ackTimeouts: number;
    readonly guardBlocks: number;
    readonly linesWritten: number;
  };
  /** Current input problems (files and api), with file positions; empty when the input is good. */
  readonly diagnostics: readonly Diagnostic[];
  /** True while the desired state in use is an older good one (the input is invalid now). */
  readonly usingLastGood: boolean;
  /** The guard verdict of the pending plan when it is blocked, else null. */
  readonly guardBlocked: (GuardVerdict & { readonly hash: string }) | null;
  /** The most recent ack errors, newest last (bounded by the runtime). */
  readonly recentAckErrors: readonly AckError[];
  readonly desiredCount: number;
  readonly announcedCount: number;
  readonly pendingCount: number;
  /** BGP neighbors by address, as ExaBGP last reported them. */
  readonly neighbors: Readonly<Record<string, NeighborStatus>>;
  /** The last `--verify` check; null before the first one, absent when --verify is off. */
  readonly verify?: VerifyStatus | null;
  /** Desired and announced routes per family (`ipv4 unicast`), absent from backends without them. */
  readonly families?: {
    readonly desired: Readonly<Record<string, number>>;
    readonly announced: Readonly<Record<string, number>>;
  };
  /** The apply in flight, null when none (absent from backends that do not track it). */
  readonly progress?: ProgressStatus | null;
  /** The last few finished reconciles, newest last (absent from backends that do not keep them). */
  readonly recentReconciles?: readonly ReconcileRecord[];
  /** Entries with `expires` / `ttl` at the last reconcile (absent before the first one). */
  readonly expiry?: ExpiryStatus;
  /** Health-gated announcements (checks declared and a checker running), runtime/checks/. */
  readonly checks?: HealthStatus;
}

/** Expiring entries: counts, and the soonest ones with when they expire(d). */
export interface ExpiryStatus {
  /** Desired entries already expired (withdrawn, or never announced). */
  readonly expired: number;
  /** Desired entries that will expire. */
  readonly expiring: number;
  /** The next expiry (ISO 8601), null when none. */
  readonly next: string | null;
  /** Up to 50 keys, soonest first: `expires in 14m`, `expired 2h ago`. */
  readonly entries: readonly { readonly key: string; readonly at: string; readonly when: string }[];
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
export interface ReconcilerHandle {
  getStatus(): ReconcilerStatus;
  /** The merged desired state in use (last good), each route with its source. */
  getDesired(): RouteSet;
  /** The api source as stored (the last accepted PUT or form edit); empty when never set. */
  getApiRoutes(): readonly Route[];
  getAnnounced(): AnnouncedView;
  /** The pending diff of desired vs announced now, with the guard verdict. */
  getPlan(): PlanView;
  /** The plan if the api source were `routes`; changes nothing. */
  previewApiRoutes(routes: readonly Route[]): Result<PlanView>;
  /**
   * The api source's own ETag when its store has one (etcd: `"etcd-r<revision>"`); absent or
   * undefined: the HTTP layer derives the ETag from the routes.
   */
  getApiEtag?(): string | undefined;
  /**
   * Check conflicts, store the api source durably, request a reconcile; resolves once stored.
   * `expectEtag`: a compare-and-swap in the store (a shared store can move under us); rejects
   * with ReconcilerError E_PRECONDITION_FAILED (412) or E_STORE_UNAVAILABLE (503).
   */
  replaceApiRoutes(
    routes: readonly Route[],
    options?: { readonly expectEtag?: string },
  ): Promise<Result<PlanView>>;
  /** Ask for a reconcile, coalesced with any already pending. */
  requestReconcile(): void;
  /** Confirm the guarded plan whose hash is `hash`; a reconcile then applies it once. */
  confirmPlan(hash: string): ConfirmResult;
}
