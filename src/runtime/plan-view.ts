// The plan the reconciler would apply now: diff of a desired state against the ledger, encoded,
// guarded and hashed (the hash confirms a guarded plan). Also the withdraw-everything plan of
// `--withdraw-on-exit`. Computes only; applying is apply.ts's job.
import { createHash } from 'node:crypto';
import { diffRoutes, diffRoutesAt } from '../core/diff.js';
import { encodePlan, type CommandLine, type EncodeOptions } from '../exabgp/encode.js';
import { evaluateGuard, type GuardPolicy } from '../core/guard.js';
import type { Plan } from '../core/plan.js';
import { routeKey, sortRoutesBy, type RouteKey, type RouteSet } from '../core/route.js';
import type { PlanView } from './handle.js';
import type { Ledger } from '../ledger/ledger.js';

export const EMPTY_PLAN: Plan = {
  announce: [],
  update: [],
  withdraw: [],
  reassert: [],
  unchanged: 0,
};

/** sha256 of the encoded command lines: the token a guarded plan is confirmed with. */
export function hashPlanLines(lines: readonly CommandLine[]): string {
  const h = createHash('sha256');
  for (const l of lines) h.update(`${l.text}\n`);
  return h.digest('hex');
}

export interface ComputedPlan {
  readonly plan: Plan;
  readonly lines: CommandLine[];
  readonly view: PlanView;
}

/**
 * Diff `desired` against the ledger (pending keys re-asserted), encode, guard and hash. `keys`:
 * diff only these, the caller knowing every other key converged (see diffRoutesAt).
 */
export function computePlan(
  desired: RouteSet,
  ledger: Ledger,
  options: { readonly guard: GuardPolicy; readonly encode?: EncodeOptions },
  keys?: ReadonlySet<RouteKey>,
): ComputedPlan {
  const announced = ledger.announcedForDiff();
  const unknown = ledger.pendingKeys;
  const plan =
    keys === undefined
      ? diffRoutes(desired, announced, { unknown })
      : diffRoutesAt(desired, announced, keys, { unknown });
  const lines = encodePlan(plan, options.encode);
  // Pending keys count as announced: after a kill -9 mid-apply their state at ExaBGP is unknown,
  // and the plan's withdraws include them (20k in flight, 2 acknowledged: not "withdraw all").
  const guard = evaluateGuard(plan, announced.size, options.guard, {
    accepted: acceptedKeys(ledger, announced),
  });
  return { plan, lines, view: { plan, guard, hash: hashPlanLines(lines) } };
}

/**
 * Keys of the last applied desired state and of the ledger, read only when the plan has a broad
 * flow (the broad-flow rule: a rule confirmed once is not held again after an ExaBGP restart).
 */
function acceptedKeys(ledger: Ledger, announced: RouteSet): (key: RouteKey) => boolean {
  let keys: Set<RouteKey> | undefined;
  return (key) => {
    keys ??= new Set(ledger.loadDesiredSources().flatMap((s) => s.routes.map(routeKey)));
    return keys.has(key) || announced.has(key);
  };
}

/** Lines withdrawing everything the ledger holds (acknowledged and pending announces). */
export function withdrawAllLines(ledger: Ledger, encode?: EncodeOptions): CommandLine[] {
  const routes = sortRoutesBy([...ledger.announcedForDiff().values()], (r) => r);
  return encodePlan({ ...EMPTY_PLAN, withdraw: routes }, encode);
}
