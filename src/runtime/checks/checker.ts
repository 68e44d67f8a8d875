// The health checker: runs each declared check on its interval (fast-interval while its state is
// changing), at most `concurrency` at once, feeds results to the pure state machine (core/health.ts),
// persists each change of state in the ledger and asks for a reconcile (level-based: the reconcile
// reads the current states, never an event). Probes are asynchronous: nothing blocks the loop.
import {
  DEFAULT_DAMPING,
  effectiveState,
  initialMachine,
  stepCheck,
  type CheckMachine,
  type CheckResult,
  type CheckSpec,
  type CheckState,
  type Damping,
} from '../../core/health.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import { probe as runProbe, type ProbeOutcome } from './probes.js';

export interface CheckerDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** Persisted states (the ledger's) for checks that have no result yet. */
  readonly persisted: ReadonlyMap<string, CheckState>;
  /** Record a new effective state (the ledger). */
  readonly persist: (name: string, state: CheckState, now: number) => void;
  /** An effective state changed: reconcile. */
  readonly onChange: (reason: string) => void;
  readonly concurrency?: number;
  readonly damping?: Damping;
  /** Tests: replace the probes. */
  readonly probe?: (spec: CheckSpec) => Promise<ProbeOutcome>;
}

/** One check's entry in /v1/status and /metrics. */
export interface CheckStatus {
  readonly name: string;
  readonly kind: string;
  /** The state gates use: `down` while damped. */
  readonly state: CheckState;
  /** The state the results established. */
  readonly resultState: CheckState;
  readonly origin: CheckMachine['origin'];
  readonly damped: boolean;
  readonly transitions: number;
  readonly since: string | null;
  readonly last: {
    readonly ok: boolean;
    readonly at: string;
    readonly latencyMs: number;
    readonly reason: string;
  } | null;
  readonly runs: number;
}

interface Running {
  spec: CheckSpec;
  machine: CheckMachine;
  timer: TimerHandle | undefined;
  busy: boolean;
  runs: number;
  /** The spec this run was started for (a changed spec's stale result is dropped). */
  generation: number;
}

export const DEFAULT_CHECK_CONCURRENCY = 32;

/**
 * A probe's result, or down at its timeout plus a grace (the probes bound their own I/O; this bounds
 * what they do not: a maintenance-file or TLS file read that hangs on a FIFO or a dead mount).
 */
function withDeadline(
  p: Promise<ProbeOutcome>,
  timeoutMs: number,
  clock: Clock,
): Promise<ProbeOutcome> {
  let timer: TimerHandle | undefined;
  const deadline = new Promise<ProbeOutcome>((resolve) => {
    timer = clock.setTimeout(
      () => resolve({ ok: false, reason: `timeout after ${timeoutMs}ms` }),
      timeoutMs + 1000,
    );
  });
  return Promise.race([p, deadline]).finally(() => {
    if (timer !== undefined) clock.clearTimeout(timer);
  });
}

/**
 * Socket checks (tcp, http, dns) at once at most, whatever their load: each holds one file
 * descriptor while it runs (a hanging service holds it for the whole timeout).
 */
export const MAX_SOCKET_CONCURRENCY = 512;

/**
 * Slots socket checks need so that every one runs on time even when the service hangs (each then
 * holds its slot for its whole timeout): the sum of timeout / interval, at least `floor`, at most
 * MAX_SOCKET_CONCURRENCY. 1000 checks of 500 ms every 1 s: 500. Exec checks keep `floor` (they are
 * processes).
 * @example socketSlots([{ timeoutMs: 500, intervalMs: 1000 }, ...998 more], 32) // 500
 */
export function socketSlots(
  specs: Iterable<Pick<CheckSpec, 'kind' | 'timeoutMs' | 'intervalMs'>>,
  floor: number,
): number {
  let load = 0;
  for (const s of specs)
    if (s.kind !== 'exec') load += Math.min(1, s.timeoutMs / Math.max(1, s.intervalMs));
  return Math.max(floor, Math.min(MAX_SOCKET_CONCURRENCY, Math.ceil(load)));
}

export class HealthChecker {
  private readonly checks = new Map<string, Running>();
  private readonly queue: string[] = [];
  /** Running exec checks and socket checks (two pools: processes are the costly kind). */
  private active = { exec: 0, socket: 0 };
  private socketLimit = DEFAULT_CHECK_CONCURRENCY;
  private stopped = false;
  private generation = 0;

  constructor(private readonly deps: CheckerDeps) {}

  /** Run exactly these checks: start new ones, drop gone ones, keep the state of changed ones. */
  sync(specs: ReadonlyMap<string, CheckSpec>): void {
    if (this.stopped) return;
    for (const [name, c] of this.checks)
      if (!specs.has(name)) {
        if (c.timer !== undefined) this.deps.clock.clearTimeout(c.timer);
        this.checks.delete(name);
      }
    for (const [name, spec] of specs) {
      const known = this.checks.get(name);
      if (known !== undefined) {
        if (JSON.stringify(known.spec) === JSON.stringify(spec)) continue;
        known.spec = spec;
        known.generation = ++this.generation;
        this.warnInsecure(spec);
        this.schedule(name, 0);
        continue;
      }
      this.warnInsecure(spec);
      this.checks.set(name, {
        spec,
        machine: initialMachine(spec, this.deps.persisted.get(name)),
        timer: undefined,
        busy: false,
        runs: 0,
        generation: ++this.generation,
      });
      this.schedule(name, 0);
    }
    this.socketLimit = socketSlots(
      [...this.checks.values()].map((c) => c.spec),
      this.deps.concurrency ?? DEFAULT_CHECK_CONCURRENCY,
    );
    this.pump();
  }

  /** A check that skips TLS verification says so once, when it is built. */
  private warnInsecure(spec: CheckSpec): void {
    if (spec.tls?.insecure !== true) return;
    this.deps.log.warn(
      { check: spec.name, url: spec.url },
      `health check ${spec.name} does not verify the TLS certificate of ${spec.url ?? '?'} (insecure)`,
    );
  }

  /** The effective state of every running check. */
  states(): Map<string, CheckState> {
    const out = new Map<string, CheckState>();
    for (const [name, c] of this.checks) out.set(name, effectiveState(c.machine));
    return out;
  }

  /** Checks that are down (not damped) whose last results succeed: on their way up. */
  recovering(): Set<string> {
    const out = new Set<string>();
    for (const [name, c] of this.checks) {
      const m = c.machine;
      if (!m.damped && m.state === 'down' && m.streak > 0 && m.origin === 'result') out.add(name);
    }
    return out;
  }

  status(): CheckStatus[] {
    return [...this.checks.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, c]) => {
        const m = c.machine;
        return {
          name,
          kind: c.spec.kind,
          state: effectiveState(m),
          resultState: m.state,
          origin: m.origin,
          damped: m.damped,
          transitions: m.transitions,
          since: m.since === undefined ? null : new Date(m.since).toISOString(),
          last:
            m.last === undefined
              ? null
              : {
                  ok: m.last.ok,
                  at: new Date(m.last.at).toISOString(),
                  latencyMs: m.last.latencyMs,
                  reason: m.last.reason,
                },
          runs: c.runs,
        };
      });
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.checks.values())
      if (c.timer !== undefined) this.deps.clock.clearTimeout(c.timer);
    this.checks.clear();
    this.queue.length = 0;
  }

  private schedule(name: string, delay: number): void {
    const c = this.checks.get(name);
    if (c === undefined || this.stopped) return;
    if (c.timer !== undefined) this.deps.clock.clearTimeout(c.timer);
    c.timer = this.deps.clock.setTimeout(() => {
      c.timer = undefined;
      this.enqueue(name);
    }, delay);
  }

  private enqueue(name: string): void {
    if (!this.queue.includes(name)) this.queue.push(name);
    this.pump();
  }

  /** Start queued checks while their pool has room (a full pool does not hold up the other). */
  private pump(): void {
    const execLimit = this.deps.concurrency ?? DEFAULT_CHECK_CONCURRENCY;
    for (let i = 0; i < this.queue.length;) {
      const name = this.queue[i] as string;
      const c = this.checks.get(name);
      if (c === undefined || c.busy) {
        this.queue.splice(i, 1);
        continue;
      }
      const pool = c.spec.kind === 'exec' ? 'exec' : 'socket';
      const limit = pool === 'exec' ? execLimit : this.socketLimit;
      if (this.active[pool] >= limit) {
        if (this.active.exec >= execLimit && this.active.socket >= this.socketLimit) return;
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.active[pool]++;
      c.busy = true;
      void this.runOne(name, c).finally(() => {
        this.active[pool]--;
        c.busy = false;
        this.pump();
      });
    }
  }

  private async runOne(name: string, c: Running): Promise<void> {
    const { clock, log } = this.deps;
    const generation = c.generation;
    const spec = c.spec;
    const started = clock.now();
    let outcome: ProbeOutcome;
    try {
      outcome = await withDeadline((this.deps.probe ?? runProbe)(spec), spec.timeoutMs, clock);
    } catch (err) {
      outcome = { ok: false, reason: `probe failed: ${(err as Error).message}` };
    }
    if (this.stopped || this.checks.get(name) !== c) return;
    // The declaration changed while this probe ran: its result is stale, and the run scheduled
    // for the new one was dropped as busy: run the new one now.
    if (c.generation !== generation) {
      this.schedule(name, 0);
      return;
    }
    const at = clock.now();
    const result: CheckResult = {
      ok: outcome.ok,
      at,
      latencyMs: at - started,
      reason: outcome.reason,
    };
    const before = c.machine;
    c.machine = stepCheck(before, spec, result, this.deps.damping ?? DEFAULT_DAMPING);
    c.runs++;
    const was = effectiveState(before);
    const now = effectiveState(c.machine);
    if (c.machine.damped !== before.damped)
      log.info(
        { check: name, damped: c.machine.damped, flaps: c.machine.flaps.length },
        c.machine.damped
          ? `health check ${name} is flapping: held down (its routes stay in the safe state)`
          : `health check ${name} stopped flapping`,
      );
    if (now !== was || before.origin !== 'result') {
      if (now !== was) {
        log.info(
          { check: name, state: now, reason: result.reason, latencyMs: result.latencyMs },
          `health check ${name} is ${now}: ${result.reason}`,
        );
        this.deps.onChange(`health check ${name} is ${now}`);
      }
      this.deps.persist(name, now, at);
    }
    // Fast interval while a streak is building towards a change of state.
    const changing = c.machine.streak > 0;
    this.schedule(name, changing ? spec.fastIntervalMs : spec.intervalMs);
  }
}
