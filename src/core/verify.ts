// The `--verify` deep check's comparison: ExaBGP's adj-rib-out (a per-neighbor dump) against the
// ledger, per neighbor, and the ledger repairs that make the next diff fix the drift. Pure: no I/O.
import { ALL_NEIGHBORS, isFlowRoute, ribKey, routeKey, sortRoutesBy } from './route.js';
import type { Route, RouteKey, RouteSet } from './route.js';

export type DriftKind = 'missing' | 'different' | 'extra';

/** One (neighbor, rib key) whose state at ExaBGP is not what the ledger says. */
export interface Drift {
  readonly kind: DriftKind;
  readonly neighbor: string;
  /** `ipv4 unicast 10.0.0.0/24`: the entry in the neighbor's adj-rib-out. */
  readonly ribKey: string;
  /** The ledger route that should be there (its own target: the neighbor or `*`); not for `extra`. */
  readonly expected?: Route;
  /** What ExaBGP holds (target = the neighbor); not for `missing`. */
  readonly found?: Route;
}

export interface AdjRibComparison {
  readonly missing: readonly Drift[];
  readonly different: readonly Drift[];
  readonly extra: readonly Drift[];
  /** The neighbors compared, sorted. */
  readonly neighbors: readonly string[];
  /** (neighbor, rib key) entries that matched. */
  readonly matched: number;
  /** Entries skipped because their ledger key is pending (unknown state, re-asserted anyway). */
  readonly skippedPending: number;
  /** (neighbor, route) pairs not expected: the route's family is not configured on the neighbor. */
  readonly unconfigured: number;
}

export interface CompareOptions {
  /** Neighbors known to be bound to our process (ledger targets are added; see compareAdjRibOut). */
  readonly neighbors?: Iterable<string>;
  /** Ledger keys whose state at ExaBGP is unknown: not compared. */
  readonly pending?: ReadonlySet<RouteKey>;
  /**
   * Neighbors with a flow line the dump parser could not read: a ledger flow absent from their
   * dump is not called missing (it may be that line); different and extra flows still count.
   */
  readonly unreadFlows?: ReadonlySet<string>;
  /**
   * Families configured per neighbor (`show neighbor extensive`): a route of another family never
   * reaches that neighbor's adj-rib-out, so it is not missing there. A neighbor not in the map is
   * compared for every family.
   */
  readonly families?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Ledger changes that make the next diff repair the drift. */
export interface AdjRibRepair {
  /** Ledger routes (their own key) to mark pending: the next diff re-asserts them. */
  readonly reassert: readonly Route[];
  /** Routes ExaBGP holds that the ledger does not know, to record as announced (target = neighbor). */
  readonly adopt: readonly Route[];
}

const NONE: ReadonlySet<RouteKey> = new Set();

/**
 * The neighbors to compare: those given (neighbor events), the ledger's neighbor targets, and every
 * dump neighbor holding at least one rib key the ledger has for it. `show adj-rib out` lists ALL of
 * ExaBGP's peers, also those not bound to our process (where a `*` route never goes); a neighbor
 * holding none of our keys is taken as not ours. A neighbor with an empty adj-rib-out prints no
 * line: unless named by an event or a target, it is not compared.
 */
function neighborsToCompare(
  ledger: RouteSet,
  dump: RouteSet,
  known: Iterable<string>,
): Set<string> {
  const neighbors = new Set<string>(known);
  for (const r of ledger.values()) if (r.target !== ALL_NEIGHBORS) neighbors.add(r.target);
  for (const r of dump.values()) {
    if (neighbors.has(r.target)) continue;
    const rk = ribKey(r);
    if (ledger.has(`${ALL_NEIGHBORS} ${rk}`)) neighbors.add(r.target);
  }
  return neighbors;
}

/**
 * What the ledger says neighbor N holds: (N, K) if the ledger has it, else (`*`, K), for the
 * families configured on N. `unconfigured` counts the pairs left out for their family.
 */
function expectedAt(
  ledger: RouteSet,
  neighbors: ReadonlySet<string>,
  families: ReadonlyMap<string, ReadonlySet<string>> | undefined,
): { expected: Map<RouteKey, Route>; unconfigured: number } {
  const expected = new Map<RouteKey, Route>();
  let unconfigured = 0;
  const carries = (n: string, r: Route): boolean => {
    const configured = families?.get(n);
    if (configured === undefined || configured.has(`${r.afi} ${r.safi}`)) return true;
    unconfigured += 1;
    return false;
  };
  for (const r of ledger.values()) {
    if (r.target !== ALL_NEIGHBORS) {
      if (neighbors.has(r.target) && carries(r.target, r)) expected.set(routeKey(r), r);
      continue;
    }
    const rk = ribKey(r);
    for (const n of neighbors) {
      const at = `${n} ${rk}`;
      if (!ledger.has(at) && carries(n, r)) expected.set(at, r);
    }
  }
  return { expected, unconfigured };
}

/**
 * The ledger (or desired) route that neighbor N should hold for a rib key: (N, K), else (`*`, K).
 * The dump parser's `expected`: it lets a line take the ledger's value when ExaBGP prints both
 * the same way (5.0's resolved `next-hop self`), so only a difference ExaBGP shows is drift.
 * @example expectedRouteAt(ledger)('192.0.2.1', 'ipv4 unicast 10.0.0.0/24')?.value
 */
export function expectedRouteAt(
  routes: RouteSet,
): (neighbor: string, rk: string) => Route | undefined {
  return (neighbor, rk) => routes.get(`${neighbor} ${rk}`) ?? routes.get(`${ALL_NEIGHBORS} ${rk}`);
}

function isPending(pending: ReadonlySet<RouteKey>, neighbor: string, rk: string): boolean {
  return pending.has(`${neighbor} ${rk}`) || pending.has(`${ALL_NEIGHBORS} ${rk}`);
}

/**
 * Compare ExaBGP's adj-rib-out (`dump`: parseAdjRibDump with `targets: 'per-neighbor'`, so every
 * key is `<neighbor> <rib key>`) with the ledger. Values are compared as canonical text
 * (`route.value`), which the dump parser and the route loader build the same way.
 * @example compareAdjRibOut(ledger.announced, dump, { neighbors: ['192.0.2.2'] }).missing.length
 */
export function compareAdjRibOut(
  ledger: RouteSet,
  dump: RouteSet,
  options: CompareOptions = {},
): AdjRibComparison {
  const pending = options.pending ?? NONE;
  const unreadFlows = options.unreadFlows ?? NONE;
  const neighbors = neighborsToCompare(ledger, dump, options.neighbors ?? []);
  const { expected, unconfigured } = expectedAt(ledger, neighbors, options.families);
  const missing: Drift[] = [];
  const different: Drift[] = [];
  const extra: Drift[] = [];
  let matched = 0;
  let skippedPending = 0;
  for (const [at, want] of expected) {
    const neighbor = at.slice(0, at.indexOf(' '));
    const rk = ribKey(want);
    if (isPending(pending, neighbor, rk)) {
      skippedPending += 1;
      continue;
    }
    const found = dump.get(at);
    if (found === undefined && isFlowRoute(want) && unreadFlows.has(neighbor)) {
      skippedPending += 1;
      continue;
    }
    if (found === undefined)
      missing.push({ kind: 'missing', neighbor, ribKey: rk, expected: want });
    else if (found.value !== want.value)
      different.push({ kind: 'different', neighbor, ribKey: rk, expected: want, found });
    else matched += 1;
  }
  for (const [at, found] of dump) {
    if (!neighbors.has(found.target) || expected.has(at)) continue;
    if (isPending(pending, found.target, ribKey(found))) skippedPending += 1;
    else extra.push({ kind: 'extra', neighbor: found.target, ribKey: ribKey(found), found });
  }
  const byRoute = (d: Drift): Route => ({ ...(d.found ?? d.expected!), target: d.neighbor });
  return {
    missing: sortRoutesBy(missing, byRoute),
    different: sortRoutesBy(different, byRoute),
    extra: sortRoutesBy(extra, byRoute),
    neighbors: [...neighbors].sort(),
    matched,
    skippedPending,
    unconfigured,
  };
}

/**
 * The ledger repairs for a comparison. Missing or different: the responsible ledger route (the
 * neighbor's own or the `*` one) becomes pending, so the next diff announces it again if desired
 * and withdraws it if not. Extra: ExaBGP's route is recorded as announced for that neighbor, so
 * the next diff withdraws it (or replaces it by the desired value).
 */
export function planAdjRibRepair(comparison: AdjRibComparison): AdjRibRepair {
  const reassert = new Map<RouteKey, Route>();
  for (const d of [...comparison.missing, ...comparison.different]) {
    if (d.expected !== undefined) reassert.set(routeKey(d.expected), d.expected);
  }
  const adopt = comparison.extra.flatMap((d) => (d.found === undefined ? [] : [d.found]));
  return { reassert: sortRoutesBy([...reassert.values()], (r) => r), adopt };
}

/** Total drift entries of a comparison. */
export function countDrift(c: Pick<AdjRibComparison, DriftKind>): number {
  return c.missing.length + c.different.length + c.extra.length;
}
