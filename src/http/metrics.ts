// Prometheus metrics (prom-client) collected from the backend at scrape time, so the runtime needs
// no hooks. One registry per server: tests can build many servers without clashing names.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { familyOf } from '../core/route.js';
import type { ReconcilerHandle } from '../runtime/handle.js';

const PREFIX = 'exabgp_reconciler_';

type Totals = keyof ReturnType<ReconcilerHandle['getStatus']>['counters'];

/** A counter whose value is a running total the backend keeps (reset, then set on each scrape). */
function totalCounter(
  registry: Registry,
  backend: ReconcilerHandle,
  name: string,
  help: string,
  field: Totals,
): void {
  new Counter({
    name: `${PREFIX}${name}`,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(backend.getStatus().counters[field]);
    },
  });
}

function registerRouteGauges(registry: Registry, backend: ReconcilerHandle): void {
  new Gauge({
    name: `${PREFIX}announced_routes`,
    help: 'Routes ExaBGP acknowledged (the ledger), by family',
    labelNames: ['family'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of backend.getAnnounced().routes.values()) this.inc({ family: familyOf(r) });
    },
  });
  new Gauge({
    name: `${PREFIX}desired_routes`,
    help: 'Routes in the merged desired state, by source (a file path or api)',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of backend.getDesired().values())
        this.inc({ source: r.source?.source ?? 'unknown' });
    },
  });
}

function registerReconcileMetrics(registry: Registry, backend: ReconcilerHandle): void {
  let lastSeen = 0;
  new Histogram({
    name: `${PREFIX}reconcile_duration_seconds`,
    help: 'Duration of reconciles (sampled: the latest finished reconcile, once, at each scrape)',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [registry],
    collect() {
      const last = backend.getStatus().lastReconcile;
      if (last !== null && last.id > lastSeen) {
        lastSeen = last.id;
        this.observe(last.durationMs / 1000);
      }
    },
  });
  new Gauge({
    name: `${PREFIX}last_successful_reconcile_timestamp_seconds`,
    help: 'Unix time of the last reconcile that applied its plan or had nothing to do (0: never)',
    registers: [registry],
    collect() {
      const at = backend.getStatus().lastSuccessAt;
      this.set(at === null ? 0 : at / 1000);
    },
  });
}

function registerStateGauges(registry: Registry, backend: ReconcilerHandle): void {
  new Gauge({
    name: `${PREFIX}diagnostics`,
    help: 'Current input problems (files and api), by severity',
    labelNames: ['severity'],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ severity: 'error' }, 0);
      this.set({ severity: 'warning' }, 0);
      for (const d of backend.getStatus().diagnostics) this.inc({ severity: d.severity });
    },
  });
  new Gauge({
    name: `${PREFIX}ready`,
    help: '1 when the initial sync is done and acks are flowing',
    registers: [registry],
    collect() {
      this.set(backend.getStatus().ready ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}guard_blocked`,
    help: '1 while a plan is held by the mass-withdraw guard, waiting for confirmation',
    registers: [registry],
    collect() {
      this.set(backend.getStatus().guardBlocked === null ? 0 : 1);
    },
  });
  new Gauge({
    name: `${PREFIX}expiring_routes`,
    help: 'Desired routes and flows with expires/ttl, by state: expiring (still announced) or expired (withdrawn)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const expiry = backend.getStatus().expiry;
      this.set({ state: 'expiring' }, expiry?.expiring ?? 0);
      this.set({ state: 'expired' }, expiry?.expired ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}health_check_up`,
    help: 'Per health check: 1 while its gates are open (up), 0 while down or held down by flap damping',
    labelNames: ['check', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of backend.getStatus().checks?.checks ?? [])
        this.set({ check: c.name, kind: c.kind }, c.state === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}health_check_last_ok`,
    help: 'Per health check: 1 when its last result passed, 0 when it failed (absent before the first)',
    labelNames: ['check'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of backend.getStatus().checks?.checks ?? [])
        if (c.last !== null) this.set({ check: c.name }, c.last.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}health_check_latency_seconds`,
    help: 'Per health check: how long its last run took',
    labelNames: ['check'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of backend.getStatus().checks?.checks ?? [])
        if (c.last !== null) this.set({ check: c.name }, c.last.latencyMs / 1000);
    },
  });
  new Gauge({
    name: `${PREFIX}health_check_transitions`,
    help: 'Per health check: state changes since the process started',
    labelNames: ['check'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of backend.getStatus().checks?.checks ?? [])
        this.set({ check: c.name }, c.transitions);
    },
  });
  new Gauge({
    name: `${PREFIX}health_check_damped`,
    help: 'Per health check: 1 while flap damping holds it down',
    labelNames: ['check'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of backend.getStatus().checks?.checks ?? [])
        this.set({ check: c.name }, c.damped ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}health_gated_routes`,
    help: 'Health-gated desired routes by outcome: announced, drained, withdrawn, held_by_floor, held_by_fleet_floor',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const r = backend.getStatus().checks?.routes;
      this.set({ outcome: 'announced' }, r?.announced ?? 0);
      this.set({ outcome: 'drained' }, r?.drained ?? 0);
      this.set({ outcome: 'withdrawn' }, r?.withdrawn ?? 0);
      this.set({ outcome: 'held_by_floor' }, r?.['held-by-floor'] ?? 0);
      this.set({ outcome: 'held_by_fleet_floor' }, r?.['held-by-fleet-floor'] ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}next_expiry_seconds`,
    help: 'Seconds until the next desired entry expires (absent when none expires)',
    registers: [registry],
    collect() {
      this.reset();
      const next = backend.getStatus().expiry?.next;
      if (next !== undefined && next !== null) this.set((Date.parse(next) - Date.now()) / 1000);
    },
  });
  new Gauge({
    name: `${PREFIX}using_last_good`,
    help: '1 while the input is invalid and the last good desired state is in use',
    registers: [registry],
    collect() {
      this.set(backend.getStatus().usingLastGood ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}pending_routes`,
    help: 'Route keys written to ExaBGP and not yet acknowledged (or unknown after a crash)',
    registers: [registry],
    collect() {
      this.set(backend.getAnnounced().pending.size);
    },
  });
}

const DRIFT_KINDS = ['missing', 'different', 'extra'] as const;

/** The last `--verify` check: drift by kind (none before a check, or when it failed) and its time. */
function registerVerifyMetrics(registry: Registry, backend: ReconcilerHandle): void {
  new Gauge({
    name: `${PREFIX}verify_drift_routes`,
    help: 'Routes the last --verify check found drifted from the ledger, by kind (missing, different, extra)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      const verify = backend.getStatus().verify;
      if (verify === undefined || verify === null || verify.outcome === 'failed') return;
      for (const kind of DRIFT_KINDS) this.set({ kind }, verify[kind]);
    },
  });
  new Gauge({
    name: `${PREFIX}verify_last_timestamp_seconds`,
    help: 'Unix time the last --verify check started, whatever its outcome (0: never)',
    registers: [registry],
    collect() {
      const verify = backend.getStatus().verify;
      this.set(verify === undefined || verify === null ? 0 : verify.at / 1000);
    },
  });
}

/** The apply in flight (a sync or repair): routes by state, rate and time left; 0 when idle. */
function registerProgressMetrics(registry: Registry, backend: ReconcilerHandle): void {
  const progress = (): ReturnType<ReconcilerHandle['getStatus']>['progress'] =>
    backend.getStatus().progress ?? null;
  new Gauge({
    name: `${PREFIX}apply_in_progress`,
    help: '1 while a plan is being written to ExaBGP and acknowledged',
    registers: [registry],
    collect() {
      this.set(progress() === null ? 0 : 1);
    },
  });
  new Gauge({
    name: `${PREFIX}apply_routes`,
    help: 'Routes of the apply in flight, by state (total, done, failed); 0 when idle',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const p = progress();
      this.set({ state: 'total' }, p?.routesTotal ?? 0);
      this.set({ state: 'done' }, p?.routesDone ?? 0);
      this.set({ state: 'failed' }, p?.routesFailed ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}apply_rate_routes_per_second`,
    help: 'Routes acknowledged per second by the apply in flight (0 when idle)',
    registers: [registry],
    collect() {
      this.set(progress()?.ratePerSecond ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}apply_eta_seconds`,
    help: 'Estimated seconds left in the apply in flight (0 when idle or not yet known)',
    registers: [registry],
    collect() {
      const eta = progress()?.etaMs;
      this.set(eta === undefined || eta === null ? 0 : eta / 1000);
    },
  });
  new Gauge({
    name: `${PREFIX}exabgp_info`,
    help: 'Always 1: the ExaBGP version that answered (unknown: none) and the dialect spoken',
    labelNames: ['version', 'dialect'],
    registers: [registry],
    collect() {
      this.reset();
      const exabgp = backend.getStatus().exabgp;
      this.set({ version: exabgp?.version ?? 'unknown', dialect: exabgp?.dialect ?? '4.2' }, 1);
    },
  });
}

/** The registry behind GET /metrics for `backend`. */
export function createMetricsRegistry(backend: ReconcilerHandle): Registry {
  const registry = new Registry();
  registerRouteGauges(registry, backend);
  registerReconcileMetrics(registry, backend);
  registerStateGauges(registry, backend);
  registerVerifyMetrics(registry, backend);
  registerProgressMetrics(registry, backend);
  totalCounter(registry, backend, 'reconciles_total', 'Reconciles finished', 'reconciles');
  totalCounter(
    registry,
    backend,
    'reconcile_errors_total',
    'Reconciles that failed',
    'reconcileErrors',
  );
  totalCounter(
    registry,
    backend,
    'ack_errors_total',
    'Command lines ExaBGP answered error to, or never acked',
    'ackErrors',
  );
  totalCounter(
    registry,
    backend,
    'ack_timeouts_total',
    'Command lines ExaBGP did not answer in time',
    'ackTimeouts',
  );
  totalCounter(
    registry,
    backend,
    'lines_written_total',
    'Command lines written to ExaBGP',
    'linesWritten',
  );
  totalCounter(
    registry,
    backend,
    'guard_blocks_total',
    'Plans held by the mass-withdraw guard',
    'guardBlocks',
  );
  return registry;
}
