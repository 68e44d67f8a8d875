// The fleet-wide health floor: whether this speaker may withdraw a gated route whose gate closed,
// given what the other speakers of the fleet publish. Pure: the fleet's records, this speaker's
// published intents and the time are inputs; nothing here reads etcd or a clock.

/**
 * A gated prefix's state as a speaker publishes it (by rib key, the route key without its target,
 * so that one anycast prefix has one name on every speaker): `open` (gate open, announced),
 * `drained` (gate closed, announced with worse attributes), `closed` (gate closed, this speaker
 * wants to withdraw it and still announces it: settling, or held by the fleet floor), `held` (gate
 * closed, held announced by the per-speaker floor). Absent: this speaker does not announce it.
 */
export type FleetGateState = 'open' | 'drained' | 'closed' | 'held';

/** At most this many keys in a speaker's record; beyond, it reports `truncated`. */
export const FLEET_FLOOR_MAX_KEYS = 10_000;

/** The `health` field of a speaker record. */
export interface FleetHealthRecord {
  /** More gated prefixes than FLEET_FLOOR_MAX_KEYS: `routes` holds the first ones in key order. */
  readonly truncated: boolean;
  readonly routes: Readonly<Record<string, FleetGateState>>;
}

/** One other speaker as read from the fleet status. */
export interface FleetPeer {
  readonly name: string;
  /** Its record says it reaches etcd (a record whose lease expired is not read at all). */
  readonly live: boolean;
  /** Absent: an older speaker, or one with no gated route: it announces no prefix "open". */
  readonly health?: FleetHealthRecord;
}

/** One read of the fleet status, started at `readAt` (ms). */
export interface FleetObservation {
  readonly readAt: number;
  readonly peers: readonly FleetPeer[];
}

export interface FleetFloorInput {
  readonly self: string;
  /** N: at least this many OTHER live speakers announcing the prefix with an open gate. 0 = off. */
  readonly min: number;
  readonly now: number;
  /** The last successful read of the fleet (undefined: none yet). */
  readonly fleet: FleetObservation | undefined;
  /** A read older than this (ms) is no view at all (etcd unreachable). */
  readonly maxAgeMs: number;
  /** A read counts for a key only if it started this long (ms) after the key's intent was published. */
  readonly settleMs: number;
  /** When this speaker's record first published each key as not open (ack time, ms). */
  readonly intents: ReadonlyMap<string, number>;
  /** This speaker's own record was truncated: a key it could not publish is held. */
  readonly selfTruncated: boolean;
}

/**
 * `withdraw`; else why the route is held announced: `settling` (this speaker's intent is not
 * published yet, or no read of the fleet started a settle time after it), `floor` (fewer than N
 * other live speakers announce it with an open gate), `unknown` (no recent read of the fleet:
 * etcd unreachable), `truncated` (this speaker's record could not carry the key).
 */
export type FleetDecision = 'withdraw' | 'settling' | 'floor' | 'unknown' | 'truncated';

/** How many other live speakers publish `key` as `open`. */
export function openElsewhere(fleet: FleetObservation, self: string, key: string): number {
  let n = 0;
  for (const p of fleet.peers)
    if (p.name !== self && p.live && p.health?.routes[key] === 'open') n++;
  return n;
}

/**
 * May this speaker withdraw the gated prefix `key` whose gate closed? Only once its intent
 * (`closed`) is published and a read of the fleet that started `settleMs` after it still shows at
 * least `min` other live speakers announcing the prefix with an open gate. Two speakers closing at
 * once both publish before they read, so at least one sees the other closed and holds: nobody
 * withdraws on the other's stale `open`. A tie (every announcing speaker closed) holds them all,
 * which keeps at least N (all of them) announcing; the first gate to open again releases the rest.
 * @example decideFleetFloor('ipv4 unicast 192.0.2.0/24', input) // 'withdraw' | 'floor' | ...
 */
export function decideFleetFloor(key: string, input: FleetFloorInput): FleetDecision {
  if (input.min <= 0) return 'withdraw';
  const fleet = input.fleet;
  if (fleet === undefined || input.now - fleet.readAt > input.maxAgeMs) return 'unknown';
  const intent = input.intents.get(key);
  if (intent === undefined) return input.selfTruncated ? 'truncated' : 'settling';
  if (fleet.readAt < intent + input.settleMs) return 'settling';
  return openElsewhere(fleet, input.self, key) >= input.min ? 'withdraw' : 'floor';
}

const RANK: Readonly<Record<FleetGateState, number>> = { open: 3, drained: 2, held: 1, closed: 0 };

/**
 * The published states of this speaker: one per rib key (a prefix announced to two targets is
 * `open` if either is), sorted, at most `max` keys.
 * @example fleetRecord([['ipv4 unicast 10.0.0.0/24', 'open']]) // { truncated: false, routes: {...} }
 */
export function fleetRecord(
  states: Iterable<readonly [string, FleetGateState]>,
  max = FLEET_FLOOR_MAX_KEYS,
): FleetHealthRecord {
  const best = new Map<string, FleetGateState>();
  for (const [key, s] of states) {
    const known = best.get(key);
    if (known === undefined || RANK[s] > RANK[known]) best.set(key, s);
  }
  const keys = [...best.keys()].sort();
  const routes: Record<string, FleetGateState> = {};
  for (const key of keys.slice(0, max)) routes[key] = best.get(key) as FleetGateState;
  return { truncated: keys.length > max, routes };
}

/**
 * The intents after a publish acknowledged at `at`: a key published as not `open` keeps its first
 * acknowledgement time; a key published `open` or no longer published loses it (a new closing
 * publishes a new intent).
 */
export function nextIntents(
  intents: ReadonlyMap<string, number>,
  published: FleetHealthRecord,
  at: number,
): Map<string, number> {
  const next = new Map<string, number>();
  for (const [key, s] of Object.entries(published.routes)) {
    if (s === 'open') continue;
    next.set(key, intents.get(key) ?? at);
  }
  return next;
}
