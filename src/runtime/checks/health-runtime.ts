// What the reconciler calls: the desired state through the health gates before the diff (as the
// expiry filter), the checker kept in step with the checks the desired state declares, and the
// `checks` status. The checker's state changes trigger a reconcile; the reconcile reads states.
import {
  applyHealth,
  gateChecks,
  initialMachine,
  DEFAULT_HEALTH_FLOOR,
  type CheckState,
  type GateOutcome,
  type HealthFloor,
  type HealthView,
} from '../../core/health.js';
import type { RouteKey, RouteSet } from '../../core/route.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { HealthChecker, type CheckerDeps, type CheckStatus } from './checker.js';

export interface HealthStatus {
  readonly checks: readonly CheckStatus[];
  /** Gated routes by outcome (announced, drained, withdrawn, held-by-floor). */
  readonly routes: Readonly<Record<GateOutcome, number>>;
  /** The floor in routes, and its rule as given (`50%`, `3`). */
  readonly floor: number;
  readonly floorRule: string;
  /** Check names two documents declare differently (the first source's declaration runs). */
  readonly conflicts: readonly string[];
}

export interface HealthRuntimeOptions {
  readonly floor?: HealthFloor;
  readonly concurrency?: number;
  readonly probe?: CheckerDeps['probe'];
  readonly damping?: CheckerDeps['damping'];
}

export function floorText(floor: HealthFloor): string {
  return 'count' in floor ? String(floor.count) : `${floor.percent}%`;
}

export class HealthRuntime {
  private readonly checker: HealthChecker;
  private readonly persisted: ReadonlyMap<string, CheckState>;
  private last: HealthView | undefined;
  private conflicts: readonly string[] = [];
  private readonly floor: HealthFloor;
  private reconcile: (reason: string) => void = () => undefined;

  constructor(
    ledger: Pick<Ledger, 'getHealthStates' | 'setHealthState'>,
    clock: Clock,
    private readonly log: Logger,
    options: HealthRuntimeOptions = {},
  ) {
    this.persisted = ledger.getHealthStates();
    this.floor = options.floor ?? DEFAULT_HEALTH_FLOOR;
    this.checker = new HealthChecker({
      clock,
      log,
      persisted: this.persisted,
      persist: (name, state, now) => ledger.setHealthState(name, state, now),
      onChange: (reason) => this.reconcile(reason),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.probe === undefined ? {} : { probe: options.probe }),
      ...(options.damping === undefined ? {} : { damping: options.damping }),
    });
  }

  /** Where a change of state goes (the reconciler's trigger). */
  onChange(reconcile: (reason: string) => void): void {
    this.reconcile = reconcile;
  }

  /**
   * `desired` through the gates. `record` (the reconcile loop): start and stop checks to match
   * and keep the view for status; a preview only reads.
   */
  view(desired: RouteSet, announced: (key: RouteKey) => boolean, record: boolean): HealthView {
    const { specs, conflicts } = gateChecks(desired);
    if (record) {
      this.checker.sync(specs);
      if (conflicts.join() !== this.conflicts.join() && conflicts.length > 0)
        this.log.warn(
          { checks: conflicts },
          'health checks declared differently by two sources: the first source wins',
        );
      this.conflicts = conflicts;
    }
    const states = this.checker.states();
    // A check not running yet (a preview of a new one): the ledger's state, else its initial.
    for (const [name, spec] of specs)
      if (!states.has(name)) states.set(name, initialMachine(spec, this.persisted.get(name)).state);
    const view = applyHealth(desired, states, this.floor, announced);
    if (record) {
      if (view.held > 0 && view.held !== this.last?.held)
        this.log.warn(
          { held: view.held, floor: view.floor },
          `health floor: ${view.held} gated routes whose checks fail stay announced (--health-floor ${floorText(this.floor)})`,
        );
      this.last = view;
    }
    return view;
  }

  /** The check states gates use now (for `plan`). */
  states(): ReadonlyMap<string, CheckState> {
    return this.checker.states();
  }

  status(): HealthStatus {
    const routes: Record<GateOutcome, number> = {
      announced: 0,
      drained: 0,
      withdrawn: 0,
      'held-by-floor': 0,
    };
    for (const g of this.last?.gated.values() ?? []) routes[g.outcome]++;
    return {
      checks: this.checker.status(),
      routes,
      floor: this.last?.floor ?? 0,
      floorRule: floorText(this.floor),
      conflicts: this.conflicts,
    };
  }

  stop(): void {
    this.checker.stop();
  }
}
