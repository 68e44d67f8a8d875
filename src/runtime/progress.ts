// Progress of the apply in flight (a cold-start sync, a repair, a large edit): routes acknowledged
// out of the plan's total, rate and time left. Logs a line every couple of seconds once the work
// has lasted that long, and serves the same numbers to /v1/status and the metrics. Decides nothing.
import type { ApplyProgress } from './apply.js';
import type { Clock } from './clock.js';
import type { ProgressStatus } from './handle.js';
import { LogField, type Logger } from './logger.js';

export type { ProgressStatus };

export interface ProgressOptions {
  /** A progress line every this often, the first one this long after the start. */
  readonly logIntervalMs: number;
}

export const DEFAULT_PROGRESS_OPTIONS: ProgressOptions = { logIntervalMs: 2000 };

interface Run {
  readonly reconcileId: number;
  readonly startedAt: number;
  readonly log: Logger;
  linesTotal: number;
  routesTotal: number;
  linesSettled: number;
  routesDone: number;
  routesFailed: number;
  lastLogAt: number;
  logged: boolean;
}

export class ProgressTracker {
  private run: Run | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly options: ProgressOptions = DEFAULT_PROGRESS_OPTIONS,
  ) {}

  /** The hook for one apply of reconcile `reconcileId`, logging on `log`. */
  start(reconcileId: number, log: Logger): ApplyProgress {
    const now = this.clock.now();
    const run: Run = {
      reconcileId,
      startedAt: now,
      log,
      linesTotal: 0,
      routesTotal: 0,
      linesSettled: 0,
      routesDone: 0,
      routesFailed: 0,
      lastLogAt: now,
      logged: false,
    };
    this.run = run;
    return {
      begin: (lines, routes) => {
        run.linesTotal = lines;
        run.routesTotal = routes;
      },
      settled: (routes, ok) => {
        run.linesSettled += 1;
        if (ok) run.routesDone += routes;
        else run.routesFailed += routes;
        const at = this.clock.now();
        if (at - run.lastLogAt >= this.options.logIntervalMs) {
          run.lastLogAt = at;
          run.logged = true;
          this.logProgress(run, at);
        }
      },
    };
  }

  /** The apply ended: a closing line if progress was logged, and no progress in the status. */
  finish(): void {
    const run = this.run;
    this.run = null;
    if (run === null || !run.logged) return;
    const seconds = (this.clock.now() - run.startedAt) / 1000;
    run.log.info(
      {
        done: run.routesDone,
        failed: run.routesFailed,
        total: run.routesTotal,
        seconds: Math.round(seconds * 10) / 10,
      },
      `sync finished: ${run.routesDone}/${run.routesTotal} routes acknowledged in ${seconds.toFixed(1)} s`,
    );
  }

  get status(): ProgressStatus | null {
    const run = this.run;
    return run === null ? null : snapshotOf(run, this.clock.now());
  }

  private logProgress(run: Run, now: number): void {
    const s = snapshotOf(run, now);
    const pct = s.routesTotal === 0 ? 100 : (100 * (s.routesDone + s.routesFailed)) / s.routesTotal;
    const left = s.etaMs === null ? '?' : `${Math.ceil(s.etaMs / 1000)} s`;
    run.log.info(
      {
        done: s.routesDone,
        failed: s.routesFailed,
        total: s.routesTotal,
        rate: Math.round(s.ratePerSecond),
        eta_s: s.etaMs === null ? null : Math.ceil(s.etaMs / 1000),
        [LogField.reconcileId]: run.reconcileId,
      },
      `sync progress: ${s.routesDone}/${s.routesTotal} routes acknowledged (${pct.toFixed(0)}%), ${Math.round(s.ratePerSecond)}/s, ${left} left`,
    );
  }
}

function snapshotOf(run: Run, now: number): ProgressStatus {
  const settled = run.routesDone + run.routesFailed;
  const elapsed = Math.max(1, now - run.startedAt);
  const rate = (settled * 1000) / elapsed;
  const left = Math.max(0, run.routesTotal - settled);
  return {
    reconcileId: run.reconcileId,
    startedAt: run.startedAt,
    routesTotal: run.routesTotal,
    routesDone: run.routesDone,
    routesFailed: run.routesFailed,
    linesTotal: run.linesTotal,
    linesSettled: run.linesSettled,
    ratePerSecond: rate,
    etaMs: settled === 0 ? null : Math.round((left / rate) * 1000),
  };
}
