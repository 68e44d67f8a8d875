// The fleet-wide mass-withdraw guard: a new revision of the fleet's api source is judged against
// the whole fleet's announced routes, not one speaker's. Pure: the speakers' published counts and
// both documents' keys are inputs; the caller stores the verdict with the revision (held on every
// speaker until one confirmation) or applies it.
import { massWithdrawVerdict, type GuardPolicy, type GuardVerdict } from './guard.js';
import { routeKey, type Route, type RouteKey } from './route.js';

/** One live speaker as its published status says. */
export interface FleetSpeakerCount {
  readonly name: string;
  /** Routes it announces now (every source). */
  readonly announced: number;
}

/** The verdict on a revision, with what it rests on. */
export interface FleetGuardVerdict extends GuardVerdict {
  readonly kind: 'fleet';
  /** Api routes the revision drops (keys in the document before, not after). */
  readonly droppedKeys: number;
  readonly speakers: number;
}

/** Keys of `before` that `after` no longer has. */
export function droppedKeys(before: readonly Route[], after: readonly Route[]): number {
  const kept = new Set<RouteKey>();
  for (const r of after) kept.add(routeKey(r));
  let dropped = 0;
  const seen = new Set<RouteKey>();
  for (const r of before) {
    const key = routeKey(r);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!kept.has(key)) dropped++;
  }
  return dropped;
}

/**
 * Judge a revision of the shared api source. The api document selects every speaker, so each
 * speaker withdraws the dropped keys it announces: at most `dropped`, and never more than it
 * announces. That is an upper bound (a file route of the same prefix, or a closed health gate,
 * keeps a speaker from withdrawing it): the guard errs towards holding. With no speaker published
 * (nobody announces anything) nothing is at stake and nothing trips.
 * @example
 * evaluateFleetGuard(12, [{ name: 'a', announced: 32 }, { name: 'b', announced: 13 }], policy)
 * // 24 of 45 fleet routes (53.3%): tripped with the default 50% share
 */
export function evaluateFleetGuard(
  dropped: number,
  speakers: readonly FleetSpeakerCount[],
  policy: GuardPolicy,
): FleetGuardVerdict {
  let withdraw = 0;
  let announced = 0;
  for (const s of speakers) {
    const n = Math.max(0, Math.floor(s.announced));
    announced += n;
    withdraw += Math.min(dropped, n);
  }
  const n = speakers.length;
  const verdict = massWithdrawVerdict(withdraw, announced, policy, {
    subject: 'the revision',
    what: `routes the fleet's ${n} speaker${n === 1 ? '' : 's'} announce`,
    one: `route the fleet's ${n} speaker${n === 1 ? '' : 's'} announce`,
  });
  return { ...verdict, kind: 'fleet', droppedKeys: dropped, speakers: n };
}
