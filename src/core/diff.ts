// The diff: desired vs announced → Plan (design.md §3). Pure and deterministic: no I/O, no clock;
// one pass over each map, and only the changed lists are sorted.
import type { Plan, Reassert, RouteUpdate } from './plan.js';
import {
  ALL_NEIGHBORS,
  ribKey,
  sortRoutesBy,
  type Route,
  type RouteKey,
  type RouteSet,
} from './route.js';

export interface DiffOptions {
  /**
   * Keys whose state at ExaBGP is unknown (pending in the ledger after a crash). A desired key in
   * this set is announced again even when `announced` holds the same value; one not desired is
   * withdrawn (as every announced key that is not desired is).
   */
  readonly unknown?: ReadonlySet<RouteKey>;
}

const NONE: ReadonlySet<RouteKey> = new Set();
const identity = (r: Route): Route => r;

/**
 * Compare the desired routes with the announced ones. A key in both with another value is an
 * update (one announce, never withdraw + announce); lists are sorted with compareRoutes; target
 * layering re-asserts are computed as documented on `Reassert` in plan.ts.
 * @example
 * const plan = diffRoutes(desired, announced);
 * summarizePlan(plan); // { announce: 1, update: 0, withdraw: 2, unchanged: 7 }
 */
export function diffRoutes(
  desired: RouteSet,
  announced: RouteSet,
  options: DiffOptions = {},
): Plan {
  const unknown = options.unknown ?? NONE;
  const lists = emptyLists();
  let neighborSpecific = false;
  for (const [key, want] of desired) {
    if (want.target !== ALL_NEIGHBORS) neighborSpecific = true;
    classify(lists, unknown, key, want, announced.get(key));
  }
  for (const [key, have] of announced) {
    if (!desired.has(key)) lists.withdraw.push(have);
  }
  return finishPlan(desired, announced, unknown, lists, () => neighborSpecific);
}

interface Lists {
  readonly announce: Route[];
  readonly update: RouteUpdate[];
  readonly withdraw: Route[];
  unchanged: number;
}

const emptyLists = (): Lists => ({ announce: [], update: [], withdraw: [], unchanged: 0 });

/** Where a desired key goes: announced if new or unknown, updated if its value moved, else unchanged. */
function classify(
  lists: Lists,
  unknown: ReadonlySet<RouteKey>,
  key: RouteKey,
  want: Route,
  have: Route | undefined,
): void {
  if (have === undefined) lists.announce.push(want);
  else if (have.value !== want.value) lists.update.push({ before: have, after: want });
  else if (unknown.has(key)) lists.announce.push(want);
  else lists.unchanged += 1;
}

/**
 * The same Plan as `diffRoutes(desired, announced, options)`, looking only at `keys` (and the
 * unknown keys): for a caller that knows every other key is already converged, that is, desired
 * and announced hold the same value for it. A one-route edit in a 100k-route table then costs
 * the few keys it touched instead of two passes over both maps. Target layering still reads the
 * whole desired set when a `*` route changes and neighbor-specific routes exist.
 */
export function diffRoutesAt(
  desired: RouteSet,
  announced: RouteSet,
  keys: Iterable<RouteKey>,
  options: DiffOptions = {},
): Plan {
  const unknown = options.unknown ?? NONE;
  const lists = emptyLists();
  const seen = new Set<RouteKey>();
  let looked = 0;
  const look = (key: RouteKey): void => {
    if (seen.has(key)) return;
    seen.add(key);
    const want = desired.get(key);
    const have = announced.get(key);
    if (want !== undefined) {
      looked += 1;
      classify(lists, unknown, key, want, have);
    } else if (have !== undefined) lists.withdraw.push(have);
  };
  for (const key of keys) look(key);
  for (const key of unknown) look(key);
  // Every desired key not looked at is converged, hence unchanged.
  lists.unchanged += desired.size - looked;
  return finishPlan(desired, announced, unknown, lists, () => hasNeighborSpecific(desired));
}

function hasNeighborSpecific(desired: RouteSet): boolean {
  for (const r of desired.values()) if (r.target !== ALL_NEIGHBORS) return true;
  return false;
}

function finishPlan(
  desired: RouteSet,
  announced: RouteSet,
  unknown: ReadonlySet<RouteKey>,
  { announce, update, withdraw, unchanged }: Lists,
  neighborSpecific: () => boolean,
): Plan {
  const plan = {
    announce: sortRoutesBy(announce, identity),
    update: sortRoutesBy(update, (u) => u.after),
    withdraw: sortRoutesBy(withdraw, identity),
    unchanged,
  };
  const isSentNow = (key: RouteKey, want: Route): boolean =>
    announced.get(key)?.value !== want.value || unknown.has(key);
  const reassert = [
    ...computeReplaces(desired, plan.withdraw),
    ...computeAfterAll(desired, plan, isSentNow, neighborSpecific),
  ];
  return { ...plan, reassert: sortRoutesBy(reassert, (r) => r.route) };
}

/** (N, P) no longer desired while (`*`, P) is: announce the `*` value to N instead of withdrawing. */
function computeReplaces(desired: RouteSet, withdraw: readonly Route[]): Reassert[] {
  const replaces: Reassert[] = [];
  for (const gone of withdraw) {
    if (gone.target === ALL_NEIGHBORS) continue;
    const all = desired.get(`${ALL_NEIGHBORS} ${ribKey(gone)}`);
    if (all !== undefined) {
      replaces.push({ route: { ...all, target: gone.target }, reason: 'replaces-neighbor-route' });
    }
  }
  return replaces;
}

/**
 * Target layering (design.md §3). ExaBGP applies a command without selector to every neighbor,
 * so a `*` command for rib key P overwrites the (N, P) entry of a neighbor N with a specific
 * route. Example: desired (`*`, P) med 10 → 20 and (192.0.2.1, P) med 5: the `*` update gives
 * 192.0.2.1 med 20 until `neighbor 192.0.2.1 announce route P ... med 5` is sent again.
 */
function computeAfterAll(
  desired: RouteSet,
  plan: Pick<Plan, 'announce' | 'update' | 'withdraw'>,
  isSentNow: (key: RouteKey, want: Route) => boolean,
  neighborSpecific: () => boolean,
): Reassert[] {
  const reassert: Reassert[] = [];
  const isAll = (r: Route): boolean => r.target === ALL_NEIGHBORS;
  const anyAll =
    plan.announce.some(isAll) ||
    plan.update.some((u) => isAll(u.after)) ||
    plan.withdraw.some(isAll);
  if (!anyAll || !neighborSpecific()) return reassert;
  const starSent = new Set<string>();
  const starWithdrawn = new Set<string>();
  for (const r of plan.announce) if (r.target === ALL_NEIGHBORS) starSent.add(ribKey(r));
  for (const u of plan.update) if (u.after.target === ALL_NEIGHBORS) starSent.add(ribKey(u.after));
  for (const r of plan.withdraw) if (r.target === ALL_NEIGHBORS) starWithdrawn.add(ribKey(r));
  if (starSent.size > 0 || starWithdrawn.size > 0) {
    // A `*` announce precedes the neighbor-specific announces in the same plan, so those need no
    // re-assert; a `*` withdraw comes after them, so every desired (N, P) is sent again.
    for (const [key, want] of desired) {
      if (want.target === ALL_NEIGHBORS) continue;
      const rk = ribKey(want);
      if (starWithdrawn.has(rk) || (starSent.has(rk) && !isSentNow(key, want))) {
        reassert.push({ route: want, reason: 'after-all-neighbors-command' });
      }
    }
  }
  return reassert;
}
