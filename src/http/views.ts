// JSON views the API serves: plans (the `plan --format json` document plus its hash), status, and
// desired routes with their sources. Pure functions of backend values.
import type { HealthStatus } from '../runtime/checks/health-runtime.js';
import { routesToDocument, routeToEntry } from '../core/document.js';
import type { FlowEntryDocument, RouteEntryDocument } from '../core/document.js';
import { compareRoutes } from '../core/route.js';
import type { Route, RouteSet } from '../core/route.js';
import { renderPlanJson } from '../core/render.js';
import type { PlanView, ProgressStatus, ReconcileRecord } from '../runtime/handle.js';
import type { ReconcilerStatus, VerifyStatus } from '../runtime/handle.js';
import { toDiagnosticBody } from './http-error.js';

/** The plan as `plan --format json` renders it, plus `plan_hash` (what POST /v1/plan/confirm takes). */
export function renderPlanView(view: PlanView): Record<string, unknown> {
  return { ...renderPlanJson(view.plan, view.guard), plan_hash: view.hash };
}

/** Changes serialised per turn of the event loop by renderPlanViewText. */
const CHANGES_PER_TURN = 5000;

/**
 * renderPlanView as JSON text, built in slices of CHANGES_PER_TURN changes with a turn of the
 * event loop between them: a 100k-route plan is about 20 MB of JSON, and one JSON.stringify of it
 * held the loop for 0.3-0.5 s (the same keys and values as renderPlanView).
 */
export async function renderPlanViewText(view: PlanView): Promise<string> {
  const { changes, reasserts, ...head } = renderPlanJson(view.plan, view.guard);
  const parts: string[] = [`${JSON.stringify(head).slice(0, -1)},"changes":[`];
  const slices = async (items: readonly unknown[]): Promise<void> => {
    for (let i = 0; i < items.length; i += CHANGES_PER_TURN) {
      if (i > 0) {
        parts.push(',');
        await new Promise((resolve) => setImmediate(resolve));
      }
      parts.push(JSON.stringify(items.slice(i, i + CHANGES_PER_TURN)).slice(1, -1));
    }
  };
  await slices(changes);
  parts.push('],"reasserts":[');
  await slices(reasserts);
  parts.push(`],"plan_hash":${JSON.stringify(view.hash)}}`);
  return parts.join('');
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function renderNeighbors(neighbors: ReconcilerStatus['neighbors']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [address, n] of Object.entries(neighbors)) {
    out[address] = { state: n.state, at: iso(n.at), ...optional('reason', n.reason) };
  }
  return out;
}

function renderReconcile(r: ReconcileRecord): Record<string, unknown> {
  return {
    id: r.id,
    started_at: iso(r.startedAt),
    duration_ms: r.durationMs,
    outcome: r.outcome,
    summary: r.summary,
    lines: r.lines,
    ...optional('diff', r.diff),
    ...optional('error', r.error),
  };
}

/** The last `--verify` check (null before the first one). */
function renderVerify(v: VerifyStatus | null): Record<string, unknown> | null {
  if (v === null) return null;
  return {
    at: iso(v.at),
    duration_ms: v.durationMs,
    outcome: v.outcome,
    missing: v.missing,
    different: v.different,
    extra: v.extra,
    repaired: v.repaired,
    neighbors: v.neighbors,
    dump_routes: v.dumpRoutes,
    ...optional('error', v.error),
  };
}

/** The apply in flight: routes acknowledged of the total, rate and time left. */
function renderProgress(p: ProgressStatus): Record<string, unknown> {
  return {
    reconcile_id: p.reconcileId,
    started_at: iso(p.startedAt),
    routes_total: p.routesTotal,
    routes_done: p.routesDone,
    routes_failed: p.routesFailed,
    lines_total: p.linesTotal,
    lines_settled: p.linesSettled,
    rate_per_second: Math.round(p.ratePerSecond * 10) / 10,
    eta_seconds: p.etaMs === null ? null : Math.ceil(p.etaMs / 1000),
  };
}

/** GET /v1/status: snake_case keys, ISO timestamps, diagnostics with their positions. */
export function renderStatus(s: ReconcilerStatus): Record<string, unknown> {
  return {
    ready: s.ready,
    ...optional('ready_reason', s.readyReason),
    exabgp: {
      instance:
        s.instance === null ? null : { pid: s.instance.pid, start_time: s.instance.startTime },
      ack: s.ackMode,
      ...(s.exabgp === undefined ? {} : { version: s.exabgp.version, dialect: s.exabgp.dialect }),
    },
    last_reconcile: s.lastReconcile === null ? null : renderReconcile(s.lastReconcile),
    last_success_at: iso(s.lastSuccessAt),
    counters: {
      reconciles: s.counters.reconciles,
      reconcile_errors: s.counters.reconcileErrors,
      ack_errors: s.counters.ackErrors,
      guard_blocks: s.counters.guardBlocks,
      ack_timeouts: s.counters.ackTimeouts,
      lines_written: s.counters.linesWritten,
    },
    ledger_trusted: s.ledgerTrusted,
    using_last_good: s.usingLastGood,
    desired_count: s.desiredCount,
    announced_count: s.announcedCount,
    pending_count: s.pendingCount,
    neighbors: renderNeighbors(s.neighbors),
    ...(s.verify === undefined ? {} : { verify: renderVerify(s.verify) }),
    ...(s.families === undefined ? {} : { families: s.families }),
    // entries with expires/ttl: counts, the next expiry, the soonest 50 (`expires in 14m`)
    ...(s.expiry === undefined ? {} : { expiry: s.expiry }),
    // health-gated announcements: each check's state, last result, latency, transitions; the floor
    ...(s.checks === undefined ? {} : { checks: renderChecks(s.checks) }),
    ...(s.progress === undefined
      ? {}
      : { progress: s.progress === null ? null : renderProgress(s.progress) }),
    ...(s.recentReconciles === undefined
      ? {}
      : { recent_reconciles: s.recentReconciles.map(renderReconcile) }),
    diagnostics: s.diagnostics.map(toDiagnosticBody),
    guard: s.guardBlocked === null ? { blocked: false } : { blocked: true, ...s.guardBlocked },
    recent_ack_errors: s.recentAckErrors.map((e) => ({
      at: iso(e.at),
      line: e.line,
      message: e.message,
    })),
  };
}

export interface SourcedEntry extends RouteEntryDocument {
  readonly source: { readonly file: string; readonly line: number; readonly col: number };
}

/** GET /v1/desired without ?source: one entry per route (and per flow), each with where it was declared. */
export function renderDesiredWithSources(desired: RouteSet): {
  routes: SourcedEntry[];
  flows?: (FlowEntryDocument & Pick<SourcedEntry, 'source'>)[];
} {
  const sorted = [...desired.values()].sort(compareRoutes);
  const sourceOf = (r: Route): SourcedEntry['source'] => ({
    file: r.source?.source ?? 'unknown',
    line: r.source?.line ?? 0,
    col: r.source?.col ?? 0,
  });
  const routes = sorted
    .filter((r) => r.flow === undefined)
    .map((r) => ({ ...routeToEntry(r), source: sourceOf(r) }));
  const flows = sorted
    .filter((r) => r.flow !== undefined)
    .map((r) => ({
      ...(routesToDocument([r]).flows?.[0] ?? { match: {}, then: {} }),
      source: sourceOf(r),
    }));
  return flows.length === 0 ? { routes } : { routes, flows };
}

/** The `checks` section of /v1/status (snake_case, as the rest of the document). */
export function renderChecks(h: HealthStatus): Record<string, unknown> {
  return {
    floor: h.floor,
    floor_rule: h.floorRule,
    routes: {
      announced: h.routes.announced,
      drained: h.routes.drained,
      withdrawn: h.routes.withdrawn,
      held_by_floor: h.routes['held-by-floor'],
      held_by_fleet_floor: h.routes['held-by-fleet-floor'],
    },
    ...(h.fleetFloor === undefined
      ? {}
      : {
          fleet_floor: {
            min: h.fleetFloor.min,
            view: h.fleetFloor.view,
            read_age_ms: h.fleetFloor.readAgeMs,
            peers: h.fleetFloor.peers,
            truncated: h.fleetFloor.truncated,
            held: h.fleetFloor.held,
          },
        }),
    conflicts: h.conflicts,
    checks: h.checks.map((c) => ({
      name: c.name,
      kind: c.kind,
      state: c.state,
      result_state: c.resultState,
      origin: c.origin,
      damped: c.damped,
      transitions: c.transitions,
      since: c.since,
      runs: c.runs,
      last:
        c.last === null
          ? null
          : { ok: c.last.ok, at: c.last.at, latency_ms: c.last.latencyMs, reason: c.last.reason },
    })),
  };
}
