// The Plan value returned by the diff, and small pure helpers over it. No I/O.
import { routeKey, type Route, type RouteKey } from './route.js';

export interface RouteUpdate {
  readonly before: Route;
  readonly after: Route;
}

/**
 * A route that must be re-sent although its own desired value did not change, because a command
 * for the same prefix on another target touched it in ExaBGP (design.md §3, target layering).
 * `route.target` is the selector to use. Re-asserts never change the RouteSet (applyPlan ignores
 * them); the two reasons differ in what the ledger does on `done`:
 * - `after-all-neighbors-command`: a `*` command (announce, update or withdraw) for the same
 *   rib key overwrote the neighbor-specific entry, so the desired (N, P) route is sent again.
 *   After a `*` announce/update these are the (N, P) routes not announced/updated in this plan;
 *   after a `*` withdraw (written after the announces) they are every desired (N, P) route.
 *   `route` is the desired route; its ledger entry stays as it is (commit `none`).
 * - `replaces-neighbor-route`: (N, P) is in `withdraw` while (`*`, P) is desired. Instead of a
 *   withdraw (which would leave N without P), the `*` value is announced to N alone: an implicit
 *   replace with no gap. `route` is the desired `*` route with `target` set to N, so its key is
 *   the withdrawn key; encodePlan skips that withdraw and emits the announce with commit `remove`.
 *   The withdrawn route stays in `plan.withdraw` for reporting (see replacedWithdrawKeys).
 */
export interface Reassert {
  readonly route: Route;
  readonly reason: 'after-all-neighbors-command' | 'replaces-neighbor-route';
}

export interface Plan {
  /** Keys desired and not announced (or whose ExaBGP state is unknown after a crash). */
  readonly announce: readonly Route[];
  /** Keys in both with a different value: one `announce`, never withdraw + announce. */
  readonly update: readonly RouteUpdate[];
  /** Keys announced and no longer desired. */
  readonly withdraw: readonly Route[];
  readonly reassert: readonly Reassert[];
  /** Keys desired and announced with the same value. */
  readonly unchanged: number;
}

export interface PlanSummary {
  readonly announce: number;
  readonly update: number;
  readonly withdraw: number;
  readonly unchanged: number;
}

export function summarizePlan(plan: Plan): PlanSummary {
  return {
    announce: plan.announce.length,
    update: plan.update.length,
    withdraw: plan.withdraw.length,
    unchanged: plan.unchanged,
  };
}

export function isEmptyPlan(plan: Plan): boolean {
  return plan.announce.length === 0 && plan.update.length === 0 && plan.withdraw.length === 0;
}

export type { RouteKey };

/**
 * Keys in `plan.withdraw` that are not withdrawn on the wire but replaced by the `*` value
 * (re-asserts with reason `replaces-neighbor-route`).
 * @example replacedWithdrawKeys(plan).has('192.0.2.1 ipv4 unicast 10.0.0.0/24')
 */
export function replacedWithdrawKeys(plan: Plan): ReadonlySet<RouteKey> {
  const keys = new Set<RouteKey>();
  for (const r of plan.reassert) {
    if (r.reason === 'replaces-neighbor-route') keys.add(routeKey(r.route));
  }
  return keys;
}
