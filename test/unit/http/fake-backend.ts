// A fake ReconcilerHandle for the HTTP tests: file routes, an api source and a ledger held in memory,
// plans from the real diff and guard. Not a test file (no .test.ts): imported by the tests.
import type { Diagnostic, Result } from '../../../src/core/diagnostic.js';
import { diffRoutes } from '../../../src/core/diff.js';
import { evaluateGuard } from '../../../src/core/guard.js';
import { routeKey, type Route, type RouteKey, type RouteSet } from '../../../src/core/route.js';
import type {
  AnnouncedView,
  ConfirmResult,
  PlanView,
  ReconcilerHandle,
  ReconcilerStatus,
} from '../../../src/runtime/handle.js';

function conflict(file: Route, api: Route): Diagnostic {
  const where = `${file.source?.source ?? '?'}:${file.source?.line ?? 0}`;
  return {
    code: 'E_CONFLICT',
    severity: 'error',
    file: 'api',
    line: api.source?.line ?? 0,
    col: api.source?.col ?? 0,
    path: '',
    message: `${routeKey(api)} conflicts with ${where} (same route, different value)`,
  };
}

export interface FakeBackendOptions {
  readonly fileRoutes?: readonly Route[];
  readonly announced?: readonly Route[];
  /** Milliseconds replaceApiRoutes waits before storing (widens race windows in tests). */
  readonly storeDelayMs?: number;
}

/** A ready status with nothing reconciled yet (what a fresh `run` with a trusted ledger reports). */
export function makeStatus(): ReconcilerStatus {
  return {
    ready: true,
    instance: { pid: 4242, startTime: '12345' },
    ledgerTrusted: true,
    ackMode: 'on',
    lastReconcile: null,
    lastSuccessAt: null,
    counters: {
      reconciles: 0,
      reconcileErrors: 0,
      ackErrors: 0,
      ackTimeouts: 0,
      guardBlocks: 0,
      linesWritten: 0,
    },
    diagnostics: [],
    usingLastGood: false,
    guardBlocked: null,
    recentAckErrors: [],
    desiredCount: 0,
    announcedCount: 0,
    pendingCount: 0,
    neighbors: {},
  };
}

export class FakeBackend implements ReconcilerHandle {
  fileRoutes: Route[];
  apiRoutes: readonly Route[] = [];
  announced: Map<RouteKey, Route>;
  pending = new Set<RouteKey>();
  reconcileRequests = 0;
  replaceCalls = 0;
  confirmed: string[] = [];
  status: ReconcilerStatus = makeStatus();
  private readonly storeDelayMs: number;

  constructor(options: FakeBackendOptions = {}) {
    this.fileRoutes = [...(options.fileRoutes ?? [])];
    this.announced = new Map((options.announced ?? []).map((r) => [routeKey(r), r]));
    this.storeDelayMs = options.storeDelayMs ?? 0;
  }

  getStatus(): ReconcilerStatus {
    return this.status;
  }

  private merge(api: readonly Route[]): Result<RouteSet> {
    const merged = new Map<RouteKey, Route>(this.fileRoutes.map((r) => [routeKey(r), r]));
    const problems: Diagnostic[] = [];
    for (const r of api) {
      const existing = merged.get(routeKey(r));
      if (existing !== undefined && existing.value !== r.value)
        problems.push(conflict(existing, r));
      else if (existing === undefined) merged.set(routeKey(r), r);
    }
    return problems.length > 0
      ? { ok: false, diagnostics: problems }
      : { ok: true, value: merged, warnings: [] };
  }

  getDesired(): RouteSet {
    const merged = this.merge(this.apiRoutes);
    return merged.ok ? merged.value : new Map();
  }

  getApiRoutes(): readonly Route[] {
    return this.apiRoutes;
  }

  getAnnounced(): AnnouncedView {
    return { routes: this.announced, pending: this.pending };
  }

  private planFor(desired: RouteSet): PlanView {
    const plan = diffRoutes(desired, this.announced, { unknown: this.pending });
    const guard = evaluateGuard(plan, this.announced.size);
    const hash = `h${plan.announce.length}-${plan.update.length}-${plan.withdraw.length}`;
    return { plan, guard, hash };
  }

  getPlan(): PlanView {
    return this.planFor(this.getDesired());
  }

  previewApiRoutes(routes: readonly Route[]): Result<PlanView> {
    const merged = this.merge(routes);
    return merged.ok ? { ok: true, value: this.planFor(merged.value), warnings: [] } : merged;
  }

  async replaceApiRoutes(routes: readonly Route[]): Promise<Result<PlanView>> {
    this.replaceCalls++;
    const preview = this.previewApiRoutes(routes);
    if (!preview.ok) return preview;
    if (this.storeDelayMs > 0) await new Promise((r) => setTimeout(r, this.storeDelayMs));
    this.apiRoutes = [...routes];
    this.reconcileRequests++;
    return preview;
  }

  requestReconcile(): void {
    this.reconcileRequests++;
  }

  confirmPlan(hash: string): ConfirmResult {
    const blocked = this.status.guardBlocked;
    if (blocked === null) return { ok: false, reason: 'nothing-to-confirm' };
    if (blocked.hash !== hash) return { ok: false, reason: 'hash-mismatch', hash: blocked.hash };
    this.confirmed.push(hash);
    return { ok: true };
  }
}
