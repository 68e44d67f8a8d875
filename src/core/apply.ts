// Applying a Plan to an announced RouteSet, as ExaBGP acknowledging every line would. Pure: used
// for property tests and dry runs; the runtime commits per acknowledged line instead.
import type { Plan } from './plan.js';
import { routeKey, type Route, type RouteKey, type RouteSet } from './route.js';

/**
 * The announced set after every command of `plan` succeeded: announces and updates set their
 * key, withdraws delete it, re-asserts change nothing (their keys are desired and unchanged, or
 * withdrawn). Returns a new map; `announced` is not modified.
 * @example
 * applyPlan(announced, diffRoutes(desired, announced)); // same keys and values as desired
 */
export function applyPlan(announced: RouteSet, plan: Plan): RouteSet {
  const next = new Map<RouteKey, Route>(announced);
  for (const r of plan.withdraw) next.delete(routeKey(r));
  for (const r of plan.announce) next.set(routeKey(r), r);
  for (const u of plan.update) next.set(routeKey(u.after), u.after);
  return next;
}
