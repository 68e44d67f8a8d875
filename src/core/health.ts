// Health-gated announcements: check results → check states (rise/fall, flap damping) → which
// desired routes stay announced, drained or withdrawn (with the floor). Pure: results, the time and
// what is announced are inputs; nothing here runs a check or reads a clock.
import {
  encodeAttributes,
  type Route,
  type RouteAttributes,
  type RouteKey,
  type RouteSet,
} from './route.js';

export type CheckKind = 'tcp' | 'http' | 'exec' | 'dns';
/** The record types a `dns` check may query. */
export type DnsType = 'A' | 'AAAA' | 'TXT' | 'CNAME' | 'MX' | 'NS' | 'SRV' | 'PTR';

/** TLS options of an `https` check (paths are read by the runtime when the check is built). */
export interface TlsOptions {
  /** PEM file of the CA(s) to verify the server with, instead of Node's bundled ones. */
  readonly ca?: string;
  /** Skip verification (logged as a warning). */
  readonly insecure?: boolean;
  /** SNI and the name the certificate is verified against (default: the url's host). */
  readonly servername?: string;
  /** Client certificate and its key (PEM files), both or neither. */
  readonly cert?: string;
  readonly key?: string;
}

/** What a `dns` check asks, and of whom. */
export interface DnsQuery {
  /** Canonical (lower case, no final dot); for PTR of an address, its arpa name. */
  readonly name: string;
  readonly type: DnsType;
  /** As Resolver#setServers takes it: `127.0.0.1:53`, `[::1]:5353`. */
  readonly server: string;
  /** One answer must equal it (canonical: see config/health-dns.ts). */
  readonly value?: string;
}
export type CheckState = 'up' | 'down';

/** A named check as declared in a `checks:` map (durations in ms, defaults applied). */
export interface CheckSpec {
  readonly name: string;
  readonly kind: CheckKind;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly fastIntervalMs: number;
  readonly rise: number;
  readonly fall: number;
  /** The state before the first result when the ledger holds none. */
  readonly initial: CheckState;
  readonly maintenanceFile?: string;
  readonly host?: string;
  readonly port?: number;
  readonly url?: string;
  readonly method?: 'GET' | 'HEAD';
  /** Accepted HTTP statuses, inclusive. */
  readonly status?: readonly [number, number];
  readonly body?: string;
  /** Superseded by tls.insecure (the loader folds `insecure: true` into tls). */
  readonly insecure?: boolean;
  readonly tls?: TlsOptions;
  readonly command?: readonly string[];
  readonly dns?: DnsQuery;
  /** Where it was declared (`file:line:col`), for conflicts. */
  readonly source?: string;
}

/** Worse attributes while the gate is closed (`on-down: {drain: ...}`). */
export interface Drain {
  readonly prepend?: number;
  readonly med?: number;
  /** Canonical community texts added to the route's. */
  readonly community?: readonly string[];
}

/** The gate of a route: its checks and what happens when it closes. Not part of key or value. */
export interface HealthGate {
  readonly op: 'all' | 'any';
  readonly checks: readonly string[];
  /** The declarations of `checks`, same order (the document's `checks:` entries). */
  readonly specs: readonly CheckSpec[];
  /** undefined: withdraw. */
  readonly drain?: Drain;
  /** The declaration as written, for plan and status: `dns`, `all(a, b)`, `any(a, b) drain`. */
  readonly text: string;
}

/** One check run's outcome. */
export interface CheckResult {
  readonly ok: boolean;
  /** When it finished (ms since the epoch). */
  readonly at: number;
  readonly latencyMs: number;
  /** Why: `exit 0`, `exit 2`, `HTTP 503`, `timeout after 1000ms`, `connect ECONNREFUSED`. */
  readonly reason: string;
}

/** Flap damping: more than `maxFlaps` state changes within `windowMs` hold the check down. */
export interface Damping {
  readonly windowMs: number;
  readonly maxFlaps: number;
}

export const DEFAULT_DAMPING: Damping = { windowMs: 60_000, maxFlaps: 4 };

/** What is known of one check: its state machine. */
export interface CheckMachine {
  /** The state the checks' results established (before damping). */
  readonly state: CheckState;
  /** Where the state came from before any result: `persisted`, `initial`; else `result`. */
  readonly origin: 'persisted' | 'initial' | 'result';
  /** Consecutive results disagreeing with `state` (towards rise or fall). */
  readonly streak: number;
  readonly last?: CheckResult;
  /** Instants of the recent state changes (within the damping window), oldest first. */
  readonly flaps: readonly number[];
  /** Total state changes since start. */
  readonly transitions: number;
  /** Held down by flap damping (until the window holds no more than maxFlaps changes). */
  readonly damped: boolean;
  readonly since?: number;
}

/** The machine of a check before any result: the ledger's state, else the declared initial. */
export function initialMachine(spec: CheckSpec, persisted: CheckState | undefined): CheckMachine {
  return {
    state: persisted ?? spec.initial,
    origin: persisted === undefined ? 'initial' : 'persisted',
    streak: 0,
    flaps: [],
    transitions: 0,
    damped: false,
  };
}

/**
 * One result applied: `rise` consecutive successes bring a down check up, `fall` consecutive
 * failures bring an up check down. The first result after a persisted or initial state counts
 * like any other (a restart does not flap a healthy service: it stays up until `fall` failures).
 */
export function stepCheck(
  m: CheckMachine,
  spec: CheckSpec,
  r: CheckResult,
  damping: Damping = DEFAULT_DAMPING,
): CheckMachine {
  const agrees = r.ok === (m.state === 'up');
  const streak = agrees ? 0 : m.streak + 1;
  const needed = m.state === 'up' ? spec.fall : spec.rise;
  const flips = !agrees && streak >= needed;
  const state: CheckState = flips ? (m.state === 'up' ? 'down' : 'up') : m.state;
  const recent = m.flaps.filter((t) => t > r.at - damping.windowMs);
  const flaps = flips ? [...recent, r.at] : recent;
  const damped = flaps.length > damping.maxFlaps;
  return {
    state,
    origin: 'result',
    streak: flips ? 0 : streak,
    last: r,
    flaps,
    transitions: m.transitions + (flips ? 1 : 0),
    damped,
    since: flips ? r.at : (m.since ?? r.at),
  };
}

/** The state a check gates with: down while damped or in maintenance. */
export function effectiveState(m: CheckMachine): CheckState {
  return m.damped ? 'down' : m.state;
}

/** Whether a gate is open given its checks' effective states (an unknown check counts down). */
export function gateOpen(gate: HealthGate, states: ReadonlyMap<string, CheckState>): boolean {
  const up = (c: string): boolean => states.get(c) === 'up';
  return gate.op === 'all' ? gate.checks.every(up) : gate.checks.some(up);
}

/** The floor: how many gated routes stay announced per speaker (`N` or `P%` of the gated). */
export type HealthFloor = { readonly count: number } | { readonly percent: number };

export const DEFAULT_HEALTH_FLOOR: HealthFloor = { percent: 50 };

/**
 * `3`, `50%` → a floor; undefined when not one.
 * @example parseHealthFloor('50%') // { percent: 50 }
 */
export function parseHealthFloor(text: string): HealthFloor | undefined {
  const m = /^(\d{1,9})(%?)$/.exec(text.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  if (m[2] === '%') return n <= 100 ? { percent: n } : undefined;
  return { count: n };
}

/** The floor as a number of routes, of `gated` gated routes: a percentage rounds down. */
export function floorCount(floor: HealthFloor, gated: number): number {
  if ('count' in floor) return Math.min(floor.count, gated);
  return Math.floor((floor.percent * gated) / 100);
}

export type GateOutcome =
  'announced' | 'drained' | 'withdrawn' | 'held-by-floor' | 'held-by-fleet-floor';

export interface GatedRoute {
  readonly gate: HealthGate;
  readonly outcome: GateOutcome;
}

export interface HealthView {
  /** The desired routes after the gates (the input itself when nothing is gated). */
  readonly active: RouteSet;
  /** Every gated route and what its gate made of it. */
  readonly gated: ReadonlyMap<RouteKey, GatedRoute>;
  /** The floor in routes, and how many closed gates it held announced. */
  readonly floor: number;
  readonly held: number;
}

/** The route with its drained attributes: a different value, the same key. */
export function drainedRoute(route: Route, drain: Drain): Route {
  const a = route.attributes;
  let attributes: RouteAttributes = a;
  if (drain.prepend !== undefined && drain.prepend > 0) {
    // The path's first AS repeated (config/ requires an as-path on a route that prepends).
    const own = a.asPath?.sequence[0];
    const seq = a.asPath?.sequence ?? [];
    if (own !== undefined)
      attributes = {
        ...attributes,
        asPath: { ...a.asPath, sequence: [...Array<number>(drain.prepend).fill(own), ...seq] },
      };
  }
  if (drain.med !== undefined) attributes = { ...attributes, med: drain.med };
  if (drain.community !== undefined && drain.community.length > 0) {
    const all = [...new Set([...(a.community ?? []), ...drain.community])].sort(compareCommunity);
    attributes = { ...attributes, community: all };
  }
  return { ...route, attributes, value: encodeAttributes(attributes) };
}

const WELL_KNOWN: Readonly<Record<string, number>> = {
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  nopeer: 0xffffff04,
  blackhole: 0xffff029a,
};

function communityValue(c: string): number {
  const known = WELL_KNOWN[c];
  if (known !== undefined) return known;
  const [hi = '0', lo = '0'] = c.split(':');
  return Number(hi) * 65536 + Number(lo);
}

function compareCommunity(a: string, b: string): number {
  return communityValue(a) - communityValue(b);
}

/**
 * Apply every gate of `desired`. A closed gate withdraws its route, or drains it (announced with
 * worse attributes). The floor: when fewer than `floor` gated routes would stay announced, closed
 * gates of routes that are announced now (`announced(key)`) stay announced, in key order, until the
 * floor is met: every check failing at once (a checker that lost its network) keeps the floor,
 * while one service dying among many still withdraws its route. The floor never announces a route
 * that is not announced already. `mayWithdraw` (the fleet floor, core/fleet-floor.ts): a closed
 * gate the per-speaker floor would withdraw, of a route announced now, is withdrawn only if it says
 * so; else the route is `held-by-fleet-floor`. `recovering`: checks that are down but whose last
 * results succeed (rising): with the floor on, a closed gate all of whose down checks recover keeps
 * a route that is announced now (held by the floor): a mass recovery does not withdraw, for a
 * second, held routes whose own check is one result short of up.
 */
export function applyHealth(
  desired: RouteSet,
  states: ReadonlyMap<string, CheckState>,
  floor: HealthFloor,
  announced: (key: RouteKey) => boolean,
  mayWithdraw?: (key: RouteKey, route: Route) => boolean,
  recovering?: ReadonlySet<string>,
): HealthView {
  let gatedCount = 0;
  for (const r of desired.values()) if (r.health !== undefined) gatedCount++;
  if (gatedCount === 0) return { active: desired, gated: new Map(), floor: 0, held: 0 };
  const min = floorCount(floor, gatedCount);
  const gated = new Map<RouteKey, GatedRoute>();
  const closed: RouteKey[] = [];
  let up = 0;
  for (const [key, r] of desired) {
    const gate = r.health;
    if (gate === undefined) continue;
    if (gateOpen(gate, states)) {
      gated.set(key, { gate, outcome: 'announced' });
      up++;
    } else if (gate.drain !== undefined) {
      gated.set(key, { gate, outcome: 'drained' });
      up++;
    } else closed.push(key);
  }
  closed.sort();
  let held = 0;
  const route = (key: RouteKey): Route => desired.get(key) as Route;
  const isRecovering = (gate: HealthGate): boolean =>
    recovering !== undefined &&
    gate.checks.every((c) => states.get(c) === 'up' || recovering.has(c));
  for (const key of closed) {
    const gate = route(key).health as HealthGate;
    if (announced(key) && (up < min || (min > 0 && isRecovering(gate)))) {
      gated.set(key, { gate, outcome: 'held-by-floor' });
      up++;
      held++;
    } else if (mayWithdraw !== undefined && announced(key) && !mayWithdraw(key, route(key))) {
      gated.set(key, { gate, outcome: 'held-by-fleet-floor' });
    } else gated.set(key, { gate, outcome: 'withdrawn' });
  }
  const active = new Map<RouteKey, Route>();
  for (const [key, r] of desired) {
    const g = gated.get(key);
    if (
      g === undefined ||
      g.outcome === 'announced' ||
      g.outcome === 'held-by-floor' ||
      g.outcome === 'held-by-fleet-floor'
    )
      active.set(key, r);
    else if (g.outcome === 'drained' && g.gate.drain !== undefined)
      active.set(key, drainedRoute(r, g.gate.drain));
  }
  return { active, gated, floor: min, held };
}

/**
 * Every check the gates of `desired` use, by name. Two documents declaring one name differently:
 * the declaration of the first source in sort order wins, and the name is in `conflicts`.
 */
export function gateChecks(desired: RouteSet): {
  readonly specs: ReadonlyMap<string, CheckSpec>;
  readonly conflicts: readonly string[];
} {
  const specs = new Map<string, CheckSpec>();
  const conflicts = new Set<string>();
  const seen = new Set<HealthGate>();
  for (const r of desired.values()) {
    const gate = r.health;
    if (gate === undefined || seen.has(gate)) continue;
    seen.add(gate);
    for (const spec of gate.specs) {
      const known = specs.get(spec.name);
      if (known === undefined) specs.set(spec.name, spec);
      else if (JSON.stringify(known) !== JSON.stringify(spec)) {
        if (known.source === spec.source) continue;
        conflicts.add(spec.name);
        if ((spec.source ?? '') < (known.source ?? '')) specs.set(spec.name, spec);
      }
    }
  }
  return { specs, conflicts: [...conflicts].sort() };
}
