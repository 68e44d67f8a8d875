// The serialised, level-based reconcile loop (design.md §1): every trigger reloads the whole desired
// state, diffs it against the ledger, guards, encodes and applies. One reconcile in flight; triggers
// arriving meanwhile coalesce into one more run. Implements the ReconcilerHandle for the HTTP API.
import type { Result } from '../core/diagnostic.js';
import type { EncodeOptions } from '../exabgp/encode.js';
import type { GuardPolicy, GuardVerdict } from '../core/guard.js';
import { isEmptyPlan, summarizePlan, type Plan } from '../core/plan.js';
import type { Route, RouteKey, RouteSet } from '../core/route.js';
import type { SourceResult } from '../config/load-routes.js';
import { isReconcilerError } from '../errors.js';
import { parseAddress } from '../config/address.js';
import { clockKey, relativeExpiry, splitExpired, type ExpiryView } from '../core/expiry.js';
import { applyLines, DEFAULT_APPLY_OPTIONS, type ApplyOptions, type ApplyReport } from './apply.js';
import { nextTurn, type Clock } from './clock.js';
import { logInvalidInput, type DesiredState } from './desired-state.js';
import type { ExabgpWriter } from '../exabgp/io/writer.js';
import type {
  AnnouncedView,
  DiffScope,
  ConfirmResult,
  ExpiryStatus,
  PlanView,
  ReconcileOutcome,
  ReconcileRecord,
  ReconcilerHandle,
  ReconcilerStatus,
} from './handle.js';
import type { InstanceIdentity } from '../exabgp/io/instance.js';
import type { Ledger } from '../ledger/ledger.js';
import { computePlan, EMPTY_PLAN, withdrawAllLines, type ComputedPlan } from './plan-view.js';
import { LogField, type Logger } from './logger.js';
import { isCleanRecord, StatusTracker } from './status.js';
import { NamedTimers } from './timers.js';
import type { AdjRibVerifier } from './verifier.js';
import type { HealthRuntime } from './checks/health-runtime.js';

export interface ReconcilerDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly writer: ExabgpWriter;
  readonly desired: DesiredState;
  readonly instance: InstanceIdentity | null;
  /** The ledger belonged to this ExaBGP instance at start-up (not reset). */
  readonly ledgerTrusted: boolean;
  /** What ExaBGP's `version` answered at start-up (null: no answer), and the dialect spoken. */
  readonly exabgp?: { readonly version: string | null; readonly dialect: string };
  /** `--verify`: checked after the first clean reconcile, then every `options.intervalMs`. */
  readonly verifier?: AdjRibVerifier;
  /** Health-gated announcements: the desired state passes through the gates before the diff. */
  readonly health?: HealthRuntime;
}

export interface ReconcilerOptions {
  readonly guard: GuardPolicy;
  /** `--confirm-withdraw`: the first plan that trips the guard is applied anyway (once). */
  readonly confirmWithdraw: boolean;
  readonly encode?: EncodeOptions;
  readonly apply?: ApplyOptions;
  /** Periodic full reconcile (safety net for missed watch events); 0 = off. */
  readonly resyncIntervalMs: number;
  /** Back-off after a reconcile with rejected or unanswered lines: first delay, cap. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /**
   * ExaBGP's neighbors, when the start-up handshake learned them: the same Set as
   * `encode.neighbors`; every neighbor an event names is added to it.
   */
  readonly neighbors?: Set<string>;
}

/** Past an entry's expiry before the reconcile that withdraws it (timers never fire early). */
const EXPIRY_SLACK_MS = 20;

export class Reconciler implements ReconcilerHandle {
  private readonly status: StatusTracker;
  private dirty = false;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** The last reconcile's view of expiring entries (status, metrics). */
  private expiry: ExpiryView | undefined;
  private confirmedHash: string | undefined;
  private confirmNext: boolean;
  private retryDelay = 0;
  private readonly timers: NamedTimers;
  private verifyDue: boolean;
  private waiters: ((r: ReconcileRecord) => void)[] = [];
  /**
   * The ledger revision at which the announced routes were last known to equal the desired
   * ones (a clean reconcile): while it still holds, the next reconcile diffs only the keys the
   * desired state touched since. Undefined: unknown, diff everything.
   */
  private convergedAt: number | undefined;
  /** The next reconcile diffs everything (resync timer, SIGHUP): the level-based safety net. */
  private fullDue = true;
  /** What the current reconcile's diff compared (for its record and log line). */
  private diffScope: DiffScope | undefined;
  private convergedApi: SourceResult | undefined;

  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly options: ReconcilerOptions,
  ) {
    this.confirmNext = options.confirmWithdraw;
    this.status = new StatusTracker(deps);
    this.timers = new NamedTimers(deps.clock);
    this.verifyDue = deps.verifier !== undefined;
    deps.health?.onChange((reason) => this.trigger(reason, { full: true }));
  }

  requestReconcile(): void {
    this.trigger('request');
  }

  /**
   * Coalesce a trigger (watcher, SIGHUP, timer, neighbor up, api) into the loop. `full`: diff the
   * whole desired state against the whole ledger even if only a few keys are known to have moved.
   */
  trigger(reason: string, options: { readonly full?: boolean } = {}): void {
    if (this.stopping) return;
    this.deps.logger.debug({ [LogField.reason]: reason }, 'reconcile requested');
    if (options.full === true) this.fullDue = true;
    this.dirty = true;
    this.running ??= this.loop();
  }

  /** Trigger and resolve with the record of a reconcile that started after this call. */
  reconcileNow(
    reason: string,
    options: { readonly full?: boolean } = {},
  ): Promise<ReconcileRecord> {
    const done = new Promise<ReconcileRecord>((resolve) => this.waiters.push(resolve));
    this.trigger(reason, options);
    return done;
  }

  /** Stop triggering; the reconcile in flight stops writing and settles. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.timers.clearAll();
    this.deps.health?.stop();
    this.deps.verifier?.abort();
    await this.running;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty && !this.stopping) {
        this.dirty = false;
        const waiters = this.waiters.splice(0);
        const record = await this.reconcileOnce();
        for (const w of waiters) w(record);
        if (this.verifyDue && !this.dirty && !this.stopping && isCleanRecord(record))
          await this.verify();
      }
    } finally {
      this.running = undefined;
    }
  }

  private async reconcileOnce(): Promise<ReconcileRecord> {
    const startedAt = this.deps.clock.now();
    const id = this.status.nextId();
    const log = this.deps.logger.child({ [LogField.reconcileId]: id });
    try {
      const reload = await this.deps.desired.reload();
      const apiInUse = this.deps.desired.mergedApiResult;
      if (!reload.fresh) logInvalidInput(log, this.deps.desired, reload.diagnostics.length);
      // Merging, planning and applying 100k routes are stages of 0.1-0.4 s each: the event loop
      // gets a turn between them (/healthz, signals, acks).
      await nextTurn();
      const keys = this.keysToDiff();
      const current = this.deps.desired.current;
      if (current === null) {
        return this.finish(log, id, startedAt, 'no-changes', EMPTY_PLAN, undefined);
      }
      // Expired entries (`expires`, `ttl`) are not desired: withdrawn at their expiry.
      const expiry = this.expiryView(current, true);
      // Health gates (checks' states are an input): closed gates withdraw or drain their routes.
      const desired = this.healthView(expiry.active, true);
      this.armExpiry(expiry, log);
      const { plan, lines, view } = computePlan(desired, this.deps.ledger, this.options, keys);
      this.diffScope =
        keys === undefined
          ? { scope: 'full', keys: desired.size }
          : { scope: 'touched', keys: keys.size };
      if (isEmptyPlan(plan) && plan.reassert.length === 0) {
        this.noteConverged(undefined, apiInUse);
        return this.finish(log, id, startedAt, 'no-changes', plan, undefined);
      }
      if (view.guard.tripped && !this.isConfirmed(view.hash)) {
        this.status.guardBlocked(view);
        log.warn(
          { [LogField.planHash]: view.hash, [LogField.reason]: view.guard.reason },
          `plan not applied: the ${view.guard.kind ?? 'mass-withdraw'} guard tripped; confirm it with its hash`,
        );
        return this.finish(log, id, startedAt, 'guard-blocked', plan, undefined);
      }
      this.status.guardCleared();
      await nextTurn();
      const report = await applyLines(lines, this.deps, {
        ...(this.options.apply ?? DEFAULT_APPLY_OPTIONS),
        shouldStop: () => this.stopping,
        progress: this.status.progress.start(id, log),
      }).finally(() => this.status.progress.finish());
      // The fleet floor counts what this speaker announces: publish the gates as now applied.
      const announcedNow = this.deps.ledger.announced;
      this.deps.health?.refreshFleet((key) => announcedNow.has(key));
      // Off the critical path: the sources are stored once their lines are written and settled,
      // as the last applied desired state (used when the files are invalid at start-up).
      if (reload.fresh)
        this.deps.ledger.saveDesiredSources(this.deps.desired.fileSourcesForLedger());
      this.noteConverged(report, apiInUse);
      return this.finish(log, id, startedAt, 'applied', plan, report);
    } catch (err) {
      const code = isReconcilerError(err) ? err.code : 'E_INTERNAL';
      const message = err instanceof Error ? err.message : String(err);
      log.error({ [LogField.code]: code, [LogField.err]: err }, 'reconcile failed');
      this.scheduleRetry();
      return this.status.record(
        { id, startedAt, durationMs: this.deps.clock.now() - startedAt, outcome: 'failed' },
        EMPTY_PLAN,
        undefined,
        { code, message },
      );
    }
  }

  /**
   * The keys this reconcile needs to diff, or undefined for all of them: only the keys the
   * desired state touched, when the previous reconcile left everything converged and nothing has
   * changed the ledger since (no crash recovery, no --verify repair, no pending line).
   */
  private keysToDiff(): ReadonlySet<RouteKey> | undefined {
    const touched = this.deps.desired.takeTouched();
    const ledger = this.deps.ledger;
    const converged = this.convergedAt === ledger.revision && ledger.pending.size === 0;
    const full = this.fullDue || touched === null || !converged;
    this.fullDue = false;
    this.convergedAt = undefined;
    return full ? undefined : touched;
  }

  /** After a plan was applied (or was empty): remember the ledger matches the desired state. */
  private noteConverged(report: ApplyReport | undefined, api: SourceResult | undefined): void {
    const clean =
      report === undefined ||
      (report.errors + report.timeouts + report.closed === 0 && !report.stopped);
    if (clean && this.deps.ledger.pending.size === 0) {
      this.convergedAt = this.deps.ledger.revision;
      this.convergedApi = api;
    }
  }

  /**
   * The api source result (by identity) of the last reconcile that left everything converged:
   * a fleet speaker compares it with the source's current one to report the revision applied.
   */
  get convergedApiSource(): SourceResult | undefined {
    return this.convergedApi;
  }

  private isConfirmed(hash: string): boolean {
    if (this.confirmedHash === hash) {
      this.confirmedHash = undefined;
      return true;
    }
    if (this.confirmNext) {
      this.confirmNext = false;
      return true;
    }
    return false;
  }

  private finish(
    log: Logger,
    id: number,
    startedAt: number,
    outcome: ReconcileOutcome,
    plan: Plan,
    report: ApplyReport | undefined,
  ): ReconcileRecord {
    const durationMs = this.deps.clock.now() - startedAt;
    const diff = this.diffScope;
    this.diffScope = undefined;
    const record = this.status.record(
      { id, startedAt, durationMs, outcome, ...(diff === undefined ? {} : { diff }) },
      plan,
      report,
    );
    const failed = report !== undefined && report.errors + report.timeouts > 0;
    if (failed) this.scheduleRetry();
    else this.retryDelay = 0;
    this.scheduleResync();
    const fields = {
      ...summarizePlan(plan),
      [LogField.durationMs]: durationMs,
      outcome,
      ...(diff === undefined ? {} : { diff: diff.scope, diffKeys: diff.keys }),
    };
    if (outcome !== 'no-changes' || id === 1)
      log.info({ ...fields, lines: record.lines }, 'reconcile done');
    else log.debug(fields, 'reconcile done');
    return record;
  }

  private scheduleRetry(): void {
    if (this.stopping) return;
    this.retryDelay =
      this.retryDelay === 0
        ? this.options.retryInitialMs
        : Math.min(this.retryDelay * 2, this.options.retryMaxMs);
    this.timers.set('retry', this.retryDelay, () => this.trigger('retry'));
  }

  private scheduleResync(): void {
    if (this.stopping || this.options.resyncIntervalMs <= 0) return;
    this.timers.set('resync', this.options.resyncIntervalMs, () =>
      this.trigger('resync timer', { full: true }),
    );
  }

  /** The `--verify` check, inside the loop: no reconcile writes while ExaBGP prints its RIB. */
  private async verify(): Promise<void> {
    const verifier = this.deps.verifier;
    if (verifier === undefined) return;
    this.verifyDue = false;
    const result = await verifier.run();
    const every = verifier.options.intervalMs;
    if (every > 0 && !this.stopping) {
      this.timers.set('verify', every, () => {
        this.verifyDue = true;
        this.trigger('verify timer');
      });
    }
    if (result.outcome === 'repaired') this.trigger('verify found drift');
  }

  private computePlan(desired: RouteSet): ComputedPlan {
    const active = this.healthView(this.expiryView(desired, false).active, false);
    return computePlan(active, this.deps.ledger, this.options);
  }

  /** `desired` through the health gates (the input itself when no health runtime). */
  private healthView(desired: RouteSet, record: boolean): RouteSet {
    const health = this.deps.health;
    if (health === undefined) return desired;
    const announced = this.deps.ledger.announced;
    return health.view(desired, (key) => announced.has(key), record).active;
  }

  /**
   * `desired` split at the clock's now. `record`: start the ttl clocks of new entries (and drop
   * those of entries gone) in the ledger; only the reconcile loop does, a preview only reads.
   */
  private expiryView(desired: RouteSet, record: boolean): ExpiryView {
    const now = this.deps.clock.now();
    const clocks: string[] = [];
    for (const [key, r] of desired)
      if (r.expiry?.ttlMs !== undefined) clocks.push(clockKey(key, r.expiry));
    const starts =
      record || clocks.length > 0
        ? this.deps.ledger.syncExpiryClocks(record ? clocks : undefined, now)
        : undefined;
    const view = splitExpired(desired, now, (c) => starts?.get(c));
    if (record) this.expiry = view;
    return view;
  }

  /** Reconcile again when the next entry expires (within 1 s of it). */
  private armExpiry(view: ExpiryView, log: Logger): void {
    if (view.expired.size > 0)
      log.info({ expired: view.expired.size }, 'expired entries are not desired: withdrawing them');
    if (view.next === undefined || this.stopping) return this.timers.clear('expiry');
    const delay = Math.max(0, view.next - this.deps.clock.now()) + EXPIRY_SLACK_MS;
    this.timers.set('expiry', delay, () => this.trigger('an entry expired', { full: true }));
  }

  /** Withdraw everything the ledger holds (`--withdraw-on-exit`); the loop must be stopped. */
  async withdrawAll(): Promise<ApplyReport> {
    const lines = withdrawAllLines(this.deps.ledger, this.options.encode);
    return applyLines(lines, this.deps, this.options.apply ?? DEFAULT_APPLY_OPTIONS);
  }

  noteNeighbor(address: string, state: 'connected' | 'up' | 'down', reason?: string): void {
    const canonical = parseAddress(address)?.address;
    if (canonical !== undefined) this.options.neighbors?.add(canonical);
    this.status.neighbor(address, state, reason);
    this.deps.verifier?.noteNeighbor(address);
    // After a session flap ExaBGP re-sends its whole adj-rib-out by itself (exabgp-api.md §7), so
    // `up` needs no replay. A reconcile is still cheap (identical routes are not re-sent) and
    // catches anything that changed while we were not looking.
    if (state === 'up') this.trigger(`neighbor ${address} up`, { full: true });
  }

  // --- ReconcilerHandle -------------------------------------------------------------------

  getStatus(): ReconcilerStatus {
    const snapshot = this.status.snapshot(this.deps.desired, this.deps.writer);
    const verifier = this.deps.verifier;
    const withVerify = verifier === undefined ? snapshot : { ...snapshot, verify: verifier.status };
    const withExpiry =
      this.expiry === undefined
        ? withVerify
        : { ...withVerify, expiry: expiryStatus(this.expiry, this.deps.clock.now()) };
    // The `checks` section only while some check is declared.
    const checks = this.deps.health?.status();
    return checks === undefined || checks.checks.length === 0
      ? withExpiry
      : { ...withExpiry, checks };
  }

  getDesired(): RouteSet {
    return this.deps.desired.current ?? new Map();
  }

  getApiRoutes(): readonly Route[] {
    return this.deps.desired.api;
  }

  getAnnounced(): AnnouncedView {
    return { routes: this.deps.ledger.announcedForDiff(), pending: this.deps.ledger.pendingKeys };
  }

  getPlan(): PlanView {
    const desired = this.deps.desired.current ?? this.deps.ledger.announcedForDiff();
    return this.computePlan(desired).view;
  }

  previewApiRoutes(routes: readonly Route[]): Result<PlanView> {
    const merged = this.deps.desired.mergeWithApi(routes);
    if (!merged.ok) return merged;
    return { ok: true, value: this.computePlan(merged.value).view, warnings: merged.warnings };
  }

  getApiEtag(): string | undefined {
    return this.deps.desired.apiEtag;
  }

  async replaceApiRoutes(
    routes: readonly Route[],
    options: { readonly expectEtag?: string } = {},
  ): Promise<Result<PlanView>> {
    const merged = this.deps.desired.mergeWithApi(routes);
    if (!merged.ok) return merged;
    const now = this.deps.clock.now();
    const outcome = await this.deps.desired.replaceApi(
      routes,
      merged.value,
      now,
      options.expectEtag,
    );
    await nextTurn();
    const view = this.computePlan(merged.value).view;
    this.trigger('api source replaced');
    const held = outcome.held;
    if (held === undefined) return { ok: true, value: view, warnings: merged.warnings };
    // The plan this speaker would apply once the fleet confirms the revision.
    const guard: GuardVerdict = {
      tripped: true,
      kind: 'fleet',
      reason: `${held.reason}: stored as api revision ${held.revision}, applied on no speaker until confirmed once for the fleet (fleet confirm --revision ${held.revision}, or POST /v1/fleet/confirm)`,
      withdrawCount: held.withdrawCount,
      announcedCount: held.announcedCount,
    };
    return { ok: true, value: { ...view, guard }, warnings: merged.warnings };
  }

  confirmPlan(hash: string): ConfirmResult {
    const blocked = this.status.blocked;
    if (blocked === null) return { ok: false, reason: 'nothing-to-confirm' };
    if (blocked.hash !== hash) return { ok: false, reason: 'hash-mismatch', hash: blocked.hash };
    this.confirmedHash = hash;
    this.trigger('guarded plan confirmed');
    return { ok: true };
  }
}

/** The status view of an ExpiryView at `now`. */
function expiryStatus(view: ExpiryView, now: number): ExpiryStatus {
  const all = [...view.expired, ...view.expiring].sort(
    (a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1),
  );
  return {
    expired: view.expired.size,
    expiring: view.expiring.size,
    next: view.next === undefined ? null : new Date(view.next).toISOString(),
    entries: all.slice(0, 50).map(([key, at]) => ({
      key,
      at: new Date(at).toISOString(),
      when: relativeExpiry(at, now),
    })),
  };
}
