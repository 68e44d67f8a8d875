// The Plan value returned by the diff, and small pure helpers over it. No I/O.
import type { Route, RouteKey } from './route.js';

export interface RouteUpdate {
  readonly before: Route;
  readonly after: Route;
}

/**
 * A route that must be re-sent although its own desired value did not change, because a command
 * for the same prefix on another target touched it in ExaBGP (design.md §3, target layering):
 * - after any `*` command for P, every neighbor-specific desired route for P is re-asserted;
 * - when a neighbor-specific route (N, P) goes away while (`*`, P) is desired, the `*` value is
 *   announced to N alone (an implicit replace, no withdraw).
 * `route.target` is the selector to use; its key need not be in the desired set. Re-asserts never
 * change the ledger by themselves.
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
