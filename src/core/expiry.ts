// Expiring entries (`expires`, `ttl`): which desired routes are still active at a given time. Pure:
// the current time and the ledger's first-accepted times are inputs, never read here.
import type { Diagnostic } from './diagnostic.js';
import type { Route, RouteKey, RouteSet } from './route.js';

/** When a route stops being desired, as declared on its entry. */
export interface Expiry {
  /** `expires`: an absolute time (ms since the epoch). */
  readonly at?: number;
  /** `ttl`: a duration counted from when the entry was first accepted (ms). */
  readonly ttlMs?: number;
  /** The declaration as written, for messages: `expires 2026-12-24T18:00:00Z`, `ttl 2m`. */
  readonly text: string;
}

/**
 * The key of a ttl clock: the route and the ttl as written, so that a new ttl value counts from
 * when it was set, while sending the same entry again keeps its clock.
 * @example clockKey(r) // '* ipv4 unicast 10.0.0.0/24\tttl 2m'
 */
export function clockKey(key: RouteKey, expiry: Expiry): string {
  return `${key}\t${expiry.text}`;
}

/** The instant a route expires, given when its ttl clock started (undefined: never). */
export function expiresAt(
  expiry: Expiry | undefined,
  startedAt: number | undefined,
): number | undefined {
  if (expiry === undefined) return undefined;
  if (expiry.at !== undefined) return expiry.at;
  if (expiry.ttlMs === undefined || startedAt === undefined) return undefined;
  return startedAt + expiry.ttlMs;
}

export interface ExpiryView {
  /** The desired routes not expired at `now` (the input itself when nothing expires). */
  readonly active: RouteSet;
  /** Desired routes expired at `now`, with the instant each expired. */
  readonly expired: ReadonlyMap<RouteKey, number>;
  /** Active routes that will expire, with the instant. */
  readonly expiring: ReadonlyMap<RouteKey, number>;
  /** The earliest instant in `expiring` (undefined: none). */
  readonly next: number | undefined;
}

const EMPTY = new Map<RouteKey, number>();

/**
 * Split `desired` at `now`. `startOf(clockKey)` gives when a ttl clock started (undefined counts
 * as `now`: a route seen for the first time starts its clock now).
 * @example
 * const v = splitExpired(desired, Date.parse('2026-12-02T10:00:00Z'), () => undefined);
 * v.active.has(key); v.next; // the next instant to reconcile at
 */
export function splitExpired(
  desired: RouteSet,
  now: number,
  startOf: (clock: string) => number | undefined,
): ExpiryView {
  let expired: Map<RouteKey, number> | undefined;
  let expiring: Map<RouteKey, number> | undefined;
  let next: number | undefined;
  for (const [key, route] of desired) {
    const at = routeExpiry(key, route, now, startOf);
    if (at === undefined) continue;
    if (at <= now) (expired ??= new Map()).set(key, at);
    else {
      (expiring ??= new Map()).set(key, at);
      if (next === undefined || at < next) next = at;
    }
  }
  if (expired === undefined)
    return { active: desired, expired: EMPTY, expiring: expiring ?? EMPTY, next };
  const active = new Map<RouteKey, Route>();
  for (const [key, route] of desired) if (!expired.has(key)) active.set(key, route);
  return { active, expired, expiring: expiring ?? EMPTY, next };
}

function routeExpiry(
  key: RouteKey,
  route: Route,
  now: number,
  startOf: (clock: string) => number | undefined,
): number | undefined {
  const { expiry } = route;
  if (expiry === undefined) return undefined;
  if (expiry.at !== undefined) return expiry.at;
  return expiresAt(expiry, startOf(clockKey(key, expiry)) ?? now);
}

/**
 * "expires in 14m", "expired 2h ago": a short relative time for plans and status.
 * @example relativeExpiry(now + 840_000, now) // 'expires in 14m'
 */
export function relativeExpiry(at: number, now: number): string {
  const d = at - now;
  return d > 0 ? `expires in ${shortDuration(d)}` : `expired ${shortDuration(-d)} ago`;
}

function shortDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  return `${Math.round(h / 24)}d`;
}

/**
 * One W_EXPIRED warning per entry whose `expires` is already past at `now` (a file that still
 * declares it: it is withdrawn, or never announced). `ttl` entries are never expired in a file
 * alone: their clock starts when a speaker first accepts them.
 */
export function expiredEntryWarnings(routes: Iterable<Route>, now: number): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const r of routes) {
    const at = r.expiry?.at;
    if (at === undefined || at > now || r.source === undefined) continue;
    const where = `${r.source.source}:${r.source.line}:${r.source.col}`;
    if (seen.has(where)) continue;
    seen.add(where);
    out.push({
      code: 'W_EXPIRED',
      severity: 'warning',
      file: r.source.source,
      line: r.source.line,
      col: r.source.col,
      path: '',
      message: `${r.expiry?.text ?? ''}: ${relativeExpiry(at, now)}; it is withdrawn, or never announced (remove the entry)`,
    });
  }
  return out;
}
