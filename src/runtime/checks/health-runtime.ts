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
import { fleetRecord, type FleetDecision, type FleetGateState } from '../../core/fleet-floor.js';
import { ribKey, type Route, type RouteKey, type RouteSet } from '../../core/route.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { HealthChecker, type CheckerDeps, type CheckStatus } from './checker.js';
import type { FleetFloorLink, FleetFloorStatus } from './fleet-floor-link.js';

export interface HealthStatus {
  readonly checks: readonly CheckStatus[];
  /** Gated routes by outcome (announced, drained, withdrawn, held-by-floor, held-by-fleet-floor). */
  readonly routes: Readonly<Record<GateOutcome, number>>;
  /** The floor in routes, and its rule as given (`50%`, `3`). */
  readonly floor: number;
  readonly floorRule: string;
  /** Check names two documents declare differently (the first source's declaration runs). */
  readonly conflicts: readonly string[];
  /** In a fleet with the fleet floor on: its view, and why the routes it holds are held. */
  readonly fleetFloor?: FleetFloorStatus & {
    readonly held: Readonly<Record<Exclude<FleetDecision, 'withdraw'>, number>>;
  };
}

export interface HealthRuntimeOptions {
  readonly floor?: HealthFloor;
  readonly concurrency?: number;
  readonly probe?: CheckerDeps['probe'];
  readonly damping?: CheckerDeps['damping'];
  /** The fleet floor (in a fleet with etcd, N > 0). */
  readonly fleetFloor?: FleetFloorLink;
}

/** What a gate outcome publishes to the fleet (withdrawn: nothing, it is not announced). */
const PUBLISHED: Readonly<Record<GateOutcome, FleetGateState | undefined>> = {
  announced: 'open',
  drained: 'drained',
  'held-by-floor': 'held',
  'held-by-fleet-floor': 'closed',
  withdrawn: undefined,
};

export function floorText(floor: HealthFloor): string {
  return 'count' in floor ? String(floor.count) : `${floor.percent}%`;
}

export class HealthRuntime {
  private readonly checker: HealthChecker;
  /** The ledger's states, kept current: a check removed and declared again starts from its last. */
  private readonly persisted: Map<string, CheckState>;
  private last: HealthView | undefined;
  /** The last reconcile's view, to publish again once its plan is applied (refreshFleet). */
  private lastFleet:
    | {
        readonly view: HealthView;
        readonly desired: RouteSet;
        readonly decisions: Map<RouteKey, { rib: string; decision: FleetDecision }>;
      }
    | undefined;
  private conflicts: readonly string[] = [];
  private readonly floor: HealthFloor;
  private reconcile: (reason: string) => void = () => undefined;
  private readonly fleet: FleetFloorLink | undefined;
  /** The fleet floor's decisions in the last recorded view, by route key (rib key, decision). */
  private fleetHeld = new Map<
    RouteKey,
    { readonly rib: string; readonly decision: FleetDecision }
  >();
  private fleetWarned = '';

  constructor(
    ledger: Pick<Ledger, 'getHealthStates' | 'setHealthState'>,
    clock: Clock,
    private readonly log: Logger,
    options: HealthRuntimeOptions = {},
  ) {
    this.persisted = new Map(ledger.getHealthStates());
    this.floor = options.floor ?? DEFAULT_HEALTH_FLOOR;
    this.fleet = options.fleetFloor;
    // A read of the fleet that changes a held route's decision: reconcile (level-based).
    this.fleet?.onObserved(() => {
      for (const [, h] of this.fleetHeld)
        if (this.fleet?.decide(h.rib) !== h.decision) return this.reconcile('fleet floor');
    });
    this.checker = new HealthChecker({
      clock,
      log,
      persisted: this.persisted,
      persist: (name, state, now) => {
        this.persisted.set(name, state);
        ledger.setHealthState(name, state, now);
      },
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
    const decisions = new Map<RouteKey, { rib: string; decision: FleetDecision }>();
    const fleet = this.fleet;
    const mayWithdraw =
      fleet === undefined
        ? undefined
        : (key: RouteKey, route: Route): boolean => {
            const rib = ribKey(route);
            const decision = fleet.decide(rib);
            if (decision !== 'withdraw') decisions.set(key, { rib, decision });
            return decision === 'withdraw';
          };
    const recovering = this.checker.recovering();
    const view = applyHealth(desired, states, this.floor, announced, mayWithdraw, recovering);
    if (record && fleet !== undefined) {
      this.lastFleet = { view, desired, decisions };
      this.recordFleet(view, desired, decisions, fleet, announced);
    }
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

  /** Publish the gate states for the fleet; warn once per change of what the fleet floor holds. */
  /**
   * After a plan was applied (or not): publish the last view again against what the ledger
   * announces now, so a route the fleet counts as open is one this speaker really announces.
   */
  refreshFleet(announced: (key: RouteKey) => boolean): void {
    const last = this.lastFleet;
    const fleet = this.fleet;
    if (last === undefined || fleet === undefined) return;
    this.recordFleet(last.view, last.desired, last.decisions, fleet, announced);
  }

  private recordFleet(
    view: HealthView,
    desired: RouteSet,
    decisions: Map<RouteKey, { rib: string; decision: FleetDecision }>,
    fleet: FleetFloorLink,
    announced: (key: RouteKey) => boolean,
  ): void {
    const states: [string, FleetGateState][] = [];
    for (const [key, g] of view.gated) {
      const r = desired.get(key);
      // Only what this speaker announces now (a new route, or a plan the guard holds, is not).
      if (r === undefined || !announced(key)) continue;
      const s = PUBLISHED[g.outcome];
      if (s !== undefined) states.push([ribKey(r), s]);
    }
    fleet.setRecord(fleetRecord(states), decisions.size > 0);
    this.fleetHeld = decisions;
    const held = [...decisions.values()].filter((d) => d.decision !== 'settling');
    const text = `${held.length}:${[...new Set(held.map((d) => d.decision))].sort().join(',')}`;
    if (text === this.fleetWarned) return;
    this.fleetWarned = text;
    if (held.length > 0)
      this.log.warn(
        { held: held.length, reasons: [...new Set(held.map((d) => d.decision))].sort() },
        `health fleet floor: ${held.length} gated routes whose checks fail stay announced (fewer than ${fleet.options.min} other speakers announce them with an open gate, or the fleet view is unknown)`,
      );
    else this.log.info('health fleet floor: no route held');
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
      'held-by-fleet-floor': 0,
    };
    for (const g of this.last?.gated.values() ?? []) routes[g.outcome]++;
    const base = {
      checks: this.checker.status(),
      routes,
      floor: this.last?.floor ?? 0,
      floorRule: floorText(this.floor),
      conflicts: this.conflicts,
    };
    if (this.fleet === undefined) return base;
    const held = { settling: 0, floor: 0, unknown: 0, truncated: 0 };
    for (const h of this.fleetHeld.values()) if (h.decision !== 'withdraw') held[h.decision]++;
    return { ...base, fleetFloor: { ...this.fleet.status(), held } };
  }

  stop(): void {
    this.checker.stop();
  }
}
