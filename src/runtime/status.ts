// Bookkeeping behind getStatus(): reconcile records, counters, guard state, ack errors and neighbor
// states. Reads the other components' state; decides nothing.
import type { GuardVerdict } from '../core/guard.js';
import { summarizePlan, type Plan } from '../core/plan.js';
import { familyOf, type RouteSet } from '../core/route.js';
import type { ApplyReport } from './apply.js';
import type { Clock } from './clock.js';
import type { DesiredState } from './desired-state.js';
import type { ExabgpWriter } from '../exabgp/io/writer.js';
import type {
  AckError,
  DiffScope,
  NeighborStatus,
  PlanView,
  ReconcileOutcome,
  ReconcileRecord,
  ReconcilerStatus,
} from './handle.js';
import type { InstanceIdentity } from '../exabgp/io/instance.js';
import type { Ledger } from '../ledger/ledger.js';
import { ProgressTracker } from './progress.js';

const RECENT_ACK_ERRORS = 20;
const RECENT_RECONCILES = 10;

export interface StatusDeps {
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly instance: InstanceIdentity | null;
  readonly ledgerTrusted: boolean;
  readonly exabgp?: { readonly version: string | null; readonly dialect: string };
}

/** A reconcile after which ExaBGP should hold what the ledger says (every line answered `done`). */
export function isCleanRecord(record: ReconcileRecord): boolean {
  if (record.outcome === 'no-changes') return true;
  return record.outcome === 'applied' && record.lines.errors + record.lines.timeouts === 0;
}

export class StatusTracker {
  private id = 0;
  private last: ReconcileRecord | null = null;
  private lastSuccessAt: number | null = null;
  private synced = false;
  private guard: (GuardVerdict & { readonly hash: string }) | null = null;
  private readonly counters = {
    reconciles: 0,
    reconcileErrors: 0,
    ackErrors: 0,
    ackTimeouts: 0,
    guardBlocks: 0,
  };
  private readonly ackErrors: AckError[] = [];
  private readonly neighbors: Record<string, NeighborStatus> = {};
  private readonly recent: ReconcileRecord[] = [];
  /** The apply in flight: the reconciler hands its hook to applyLines. */
  readonly progress: ProgressTracker;
  /**
   * Routes per family, recounted only when the desired state may have changed (it is edited in
   * place: a finished reconcile, another size or api source) or the ledger revision moved.
   */
  private desiredFamilies: { key: readonly unknown[]; counts: Record<string, number> } = {
    key: [],
    counts: {},
  };
  private announcedFamilies: { revision: number; counts: Record<string, number> } = {
    revision: -1,
    counts: {},
  };

  constructor(private readonly deps: StatusDeps) {
    this.progress = new ProgressTracker(deps.clock);
  }

  nextId(): number {
    this.id += 1;
    return this.id;
  }

  get blocked(): (GuardVerdict & { readonly hash: string }) | null {
    return this.guard;
  }

  guardBlocked(view: PlanView): void {
    if (this.guard?.hash !== view.hash) this.counters.guardBlocks += 1;
    this.guard = { ...view.guard, hash: view.hash };
  }

  guardCleared(): void {
    this.guard = null;
  }

  record(
    base: {
      id: number;
      startedAt: number;
      durationMs: number;
      outcome: ReconcileOutcome;
      diff?: DiffScope;
    },
    plan: Plan,
    report: ApplyReport | undefined,
    error?: { code: string; message: string },
  ): ReconcileRecord {
    const lines = {
      written: report?.written ?? 0,
      done: report?.done ?? 0,
      errors: report?.errors ?? 0,
      timeouts: report?.timeouts ?? 0,
    };
    const record: ReconcileRecord = {
      ...base,
      summary: summarizePlan(plan),
      lines,
      ...(error === undefined ? {} : { error }),
    };
    this.counters.reconciles += 1;
    if (base.outcome === 'failed') this.counters.reconcileErrors += 1;
    this.counters.ackErrors += lines.errors;
    this.counters.ackTimeouts += lines.timeouts;
    for (const f of report?.failures ?? []) {
      const message = f.outcome === 'error' ? 'exabgp answered error' : `no ack (${f.outcome})`;
      this.ackErrors.push({ at: this.deps.clock.now(), line: f.line, message });
    }
    this.ackErrors.splice(0, Math.max(0, this.ackErrors.length - RECENT_ACK_ERRORS));
    const clean = lines.errors + lines.timeouts === 0 && report?.stopped !== true;
    if ((base.outcome === 'applied' && clean) || base.outcome === 'no-changes') {
      this.lastSuccessAt = base.startedAt + base.durationMs;
      this.synced = true;
    }
    this.last = record;
    this.recent.push(record);
    this.recent.splice(0, Math.max(0, this.recent.length - RECENT_RECONCILES));
    return record;
  }

  neighbor(address: string, state: NeighborStatus['state'], reason?: string): void {
    this.neighbors[address] = {
      state,
      at: this.deps.clock.now(),
      ...(reason === undefined ? {} : { reason }),
    };
  }

  snapshot(desired: DesiredState, writer: ExabgpWriter): ReconcilerStatus {
    const { ledger, instance } = this.deps;
    const readyReason = this.notReadyReason(desired, writer);
    return {
      ready: readyReason === undefined,
      ...(readyReason === undefined ? {} : { readyReason }),
      instance: instance === null ? null : { pid: instance.pid, startTime: instance.startTime },
      ledgerTrusted: this.deps.ledgerTrusted,
      exabgp: this.deps.exabgp ?? { version: null, dialect: '4.2' },
      ackMode: writer.ackEnabled ? 'on' : 'off',
      lastReconcile: this.last,
      lastSuccessAt: this.lastSuccessAt,
      counters: { ...this.counters, linesWritten: writer.stats.linesWritten },
      diagnostics: desired.currentDiagnostics,
      usingLastGood: desired.usingLastGood,
      guardBlocked: this.guard,
      recentAckErrors: [...this.ackErrors],
      desiredCount: desired.current?.size ?? 0,
      announcedCount: ledger.announced.size,
      pendingCount: ledger.pending.size,
      neighbors: { ...this.neighbors },
      families: this.familyCounts(desired),
      progress: this.progress.status,
      recentReconciles: [...this.recent],
    };
  }

  private familyCounts(desired: DesiredState): NonNullable<ReconcilerStatus['families']> {
    const current = desired.current;
    const key = [current, current?.size, desired.api, this.counters.reconciles];
    if (
      key.some((k, i) => this.desiredFamilies.key[i] !== k) ||
      this.desiredFamilies.key.length === 0
    )
      this.desiredFamilies = { key, counts: countFamilies(current ?? new Map()) };
    const ledger = this.deps.ledger;
    if (this.announcedFamilies.revision !== ledger.revision)
      this.announcedFamilies = {
        revision: ledger.revision,
        counts: countFamilies(ledger.announced),
      };
    return { desired: this.desiredFamilies.counts, announced: this.announcedFamilies.counts };
  }

  private notReadyReason(desired: DesiredState, writer: ExabgpWriter): string | undefined {
    if (writer.closed) return 'exabgp is gone';
    if (desired.current === null) return 'no valid desired state';
    if (!this.synced) return 'initial sync in progress';
    return undefined;
  }
}

/** `{ 'ipv4 unicast': 10, ... }`, families sorted by name. */
function countFamilies(routes: RouteSet): Record<string, number> {
  const counts = new Map<string, number>();
  for (const r of routes.values()) {
    const family = familyOf(r);
    counts.set(family, (counts.get(family) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
