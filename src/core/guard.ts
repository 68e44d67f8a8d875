// The mass-withdraw guard (design.md §6): a pure verdict on a plan. It never changes the plan;
// callers decide what a tripped verdict means (`plan` exits 3, `run` waits for confirmation).
import { ReconcilerError } from '../errors.js';
import { replacedWithdrawKeys, type Plan } from './plan.js';
import { broadFlowReason, DEFAULT_BROAD_FLOW_POLICY, type BroadFlowPolicy } from './flow.js';
import { routeKey, type Route } from './route.js';

export interface GuardPolicy {
  /** Trip when more than this many routes are withdrawn. */
  readonly maxWithdrawCount?: number;
  /** Trip when more than this share (0..1) of the announced routes is withdrawn. */
  readonly maxWithdrawShare?: number;
  /** The share limit applies only when at least this many routes are announced. */
  readonly minAnnouncedForShare: number;
  /**
   * Broad-flow rule (default /8 and /32): a flow announced or updated by the plan that discards or
   * rate-limits a destination this wide or wider, with no source or port, needs confirmation.
   */
  readonly broadFlow?: BroadFlowPolicy;
}

/** Withdrawing every announced route always trips; so does more than half when more than 10 are announced. */
export const DEFAULT_GUARD_POLICY: GuardPolicy = Object.freeze({
  maxWithdrawShare: 0.5,
  minAnnouncedForShare: 11,
});

export interface GuardVerdict {
  readonly tripped: boolean;
  /**
   * Only when the broad-flow rule tripped, or the fleet-wide share held a revision of the fleet's
   * api source (absent: the mass-withdraw rule, or none).
   */
  readonly kind?: 'broad-flow' | 'fleet';
  /** Lowercase sentence naming the numbers and the limit, also when not tripped. */
  readonly reason: string;
  readonly withdrawCount: number;
  readonly announcedCount: number;
}

/**
 * Parse a `--max-withdraw` value: a count (`100`) or a percentage (`25%`). An explicit share
 * applies whatever the number of announced routes.
 * @throws ReconcilerError E_USAGE when the text is neither
 * @example parseGuardLimit('25%') // { maxWithdrawShare: 0.25, minAnnouncedForShare: 1 }
 */
export function parseGuardLimit(text: string): GuardPolicy {
  const share = /^(\d{1,3}(?:\.\d+)?)%$/.exec(text);
  if (share?.[1] !== undefined) {
    const percent = Number(share[1]);
    if (percent <= 100) return { maxWithdrawShare: percent / 100, minAnnouncedForShare: 1 };
  } else if (/^\d{1,9}$/.test(text)) {
    return { maxWithdrawCount: Number(text), minAnnouncedForShare: 1 };
  }
  throw new ReconcilerError(
    'E_USAGE',
    `invalid withdraw limit "${text}": expected a route count such as 100 or a percentage such as 25%`,
  );
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/**
 * Decide whether a plan withdraws too much. Withdraws replaced by the `*` value for the same
 * neighbor (re-asserts `replaces-neighbor-route`) keep the prefix announced and do not count.
 * @example
 * evaluateGuard(plan, 12, DEFAULT_GUARD_POLICY).tripped // true when plan withdraws 7 of 12
 */
export function evaluateGuard(
  plan: Plan,
  announcedCount: number,
  policy: GuardPolicy = DEFAULT_GUARD_POLICY,
  options: GuardOptions = {},
): GuardVerdict {
  const replaced = replacedWithdrawKeys(plan);
  const withdrawCount =
    replaced.size === 0
      ? plan.withdraw.length
      : plan.withdraw.filter((r) => !replaced.has(routeKey(r))).length;
  const broad = broadFlows(plan, policy.broadFlow ?? DEFAULT_BROAD_FLOW_POLICY, options.accepted);
  const mass = massWithdrawVerdict(withdrawCount, announcedCount, policy, PLAN_WORDS);
  if (mass.tripped) return mass;
  if (broad.length > 0) {
    const [first = ''] = broad;
    const more = broad.length > 1 ? ` (and ${broad.length - 1} more)` : '';
    const reason = `plan announces a broad flow: ${first}${more}`;
    return { ...mass, tripped: true, reason, kind: 'broad-flow' };
  }
  return mass;
}

/** How a reason names what is counted: "plan withdraws 7 of 12 announced routes". */
export interface GuardWords {
  readonly subject: string;
  /** Plural: "announced routes". */
  readonly what: string;
  /** Singular: "announced route". */
  readonly one: string;
}

const PLAN_WORDS: GuardWords = {
  subject: 'plan',
  what: 'announced routes',
  one: 'announced route',
};

/** The mass-withdraw rule on counts alone (a plan's, or a fleet's). */
export function massWithdrawVerdict(
  withdrawCount: number,
  announcedCount: number,
  policy: GuardPolicy,
  words: GuardWords,
): GuardVerdict {
  const { subject, what } = words;
  const verdict = (tripped: boolean, reason: string): GuardVerdict => ({
    tripped,
    reason,
    withdrawCount,
    announcedCount,
  });
  const counts = `${withdrawCount} of ${announcedCount} ${what}`;
  if (announcedCount > 0 && withdrawCount >= announcedCount) {
    return verdict(true, `${subject} withdraws every ${words.one} (${counts})`);
  }
  if (policy.maxWithdrawCount !== undefined && withdrawCount > policy.maxWithdrawCount) {
    return verdict(
      true,
      `${subject} withdraws ${counts}, more than the limit of ${policy.maxWithdrawCount}`,
    );
  }
  const share = announcedCount === 0 ? 0 : withdrawCount / announcedCount;
  const { maxWithdrawShare } = policy;
  if (
    maxWithdrawShare !== undefined &&
    announcedCount >= policy.minAnnouncedForShare &&
    share > maxWithdrawShare
  ) {
    const limit = percent(maxWithdrawShare);
    return verdict(
      true,
      `${subject} withdraws ${counts} (${percent(share)}), more than the limit of ${limit}`,
    );
  }
  return verdict(false, `${subject} withdraws ${counts}, within the limits`);
}

export interface GuardOptions {
  /**
   * Keys accepted before (the last applied desired state): a broad flow among them was confirmed
   * or applied already, and re-announcing it (after an ExaBGP restart, say) needs no confirmation.
   * Called only for broad flows.
   */
  readonly accepted?: (key: string) => boolean;
}

/** Reasons (`key: why`) for each broad flow the plan announces or updates, sorted by key. */
function broadFlows(
  plan: Plan,
  policy: BroadFlowPolicy,
  accepted: ((key: string) => boolean) | undefined,
): string[] {
  const out: string[] = [];
  const check = (r: Route): void => {
    if (r.flow === undefined) return;
    if (broadFlowReason(r.flow, r.afi, policy) === undefined) return;
    if (accepted?.(routeKey(r)) === true) return;
    const why = broadFlowReason(r.flow, r.afi, policy);
    if (why !== undefined) out.push(`${routeKey(r)}: ${why}`);
  };
  plan.announce.forEach(check);
  plan.update.forEach((u) => check(u.after));
  return out;
}
