// A schema-valid route document (plain data) → canonical Routes plus semantic diagnostics: prefixes,
// host bits, families, defaults, neighbors, duplicate keys. Positions come from the caller's sink, lazily.
import type { ErrorCode } from '../errors.js';
import type { Severity } from '../core/diagnostic.js';
import {
  ALL_NEIGHBORS,
  encodeAttributes,
  routeKey,
  type Afi,
  type Route,
  type RouteKey,
  type Safi,
  type SourceRef,
} from '../core/route.js';
import { parseAddress, parsePrefix } from './address.js';
import {
  canonicalizeAttributes,
  toRouteAttributes,
  type AttributeIssue,
  type CanonicalFields,
} from './attributes.js';
import type { PathSegment, Position } from './locate.js';

/** Where semantic problems go; positions are computed only when asked for. */
export interface EntrySink {
  readonly source: string;
  report(code: ErrorCode, severity: Severity, path: readonly PathSegment[], message: string): void;
  /** Position of entry `index` (its first key): Route.source of all its routes. */
  entryPosition(index: number): Position;
  position(path: readonly PathSegment[]): Position;
}

type Raw = Readonly<Record<string, unknown>>;

/** The document shape after schema validation. */
export interface RouteDocument {
  readonly defaults?: Raw;
  readonly routes?: readonly Raw[];
}

interface Context {
  readonly sink: EntrySink;
  readonly defaults: CanonicalFields;
  readonly defaultTargets: readonly string[] | undefined;
  /** Key → packed (entry, item) of its first declaration, for duplicate reports. */
  readonly seen: Map<RouteKey, number>;
  readonly routes: Route[];
}

function flush(sink: EntrySink, base: readonly PathSegment[], issues: AttributeIssue[]): void {
  for (const i of issues) sink.report(i.code, 'error', [...base, ...i.path], i.message);
  issues.length = 0;
}

function canonicalTargets(
  sink: EntrySink,
  base: readonly PathSegment[],
  v: unknown,
): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = new Set<string>();
  v.forEach((n: unknown, j) => {
    const a = typeof n === 'string' ? parseAddress(n) : undefined;
    if (a === undefined)
      sink.report(
        'E_ADDRESS',
        'error',
        [...base, 'neighbors', j],
        `${String(n)}: invalid neighbor address`,
      );
    else out.add(a.address);
  });
  return [...out];
}

/**
 * Build every Route of a schema-valid document. Routes of one entry share one attributes object
 * and one value string. Returns the routes even when problems were reported (the caller decides).
 */
export function buildDocumentRoutes(doc: RouteDocument, sink: EntrySink): Route[] {
  const issues: AttributeIssue[] = [];
  const defaultsRaw = doc.defaults ?? {};
  const defaults = canonicalizeAttributes(defaultsRaw, issues);
  flush(sink, ['defaults'], issues);
  const defaultTargets = canonicalTargets(sink, ['defaults'], defaultsRaw['neighbors']);
  const ctx: Context = { sink, defaults, defaultTargets, seen: new Map(), routes: [] };
  const entries = doc.routes ?? [];
  for (let i = 0; i < entries.length; i++) buildEntry(ctx, entries[i] ?? {}, i);
  return ctx.routes;
}

function familyOfEntry(f: CanonicalFields): Safi {
  return f.rd !== undefined ? 'mpls-vpn' : f.label !== undefined ? 'nlri-mpls' : 'unicast';
}

/** Path of an attribute as the user wrote it: the entry's own key, else the defaults'. */
function attrPath(entry: Raw, i: number, key: string): PathSegment[] {
  return Object.hasOwn(entry, key) ? ['routes', i, key] : ['defaults', key];
}

function buildEntry(ctx: Context, entry: Raw, i: number): void {
  const { sink } = ctx;
  const issues: AttributeIssue[] = [];
  const own = canonicalizeAttributes(entry, issues);
  const failed = issues.length > 0;
  flush(sink, ['routes', i], issues);
  const f: CanonicalFields = { ...ctx.defaults, ...own };
  const targets = canonicalTargets(sink, ['routes', i], entry['neighbors']) ??
    ctx.defaultTargets ?? [ALL_NEIGHBORS];
  if (f.nextHop === undefined) {
    if (!failed)
      sink.report(
        'E_SCHEMA',
        'error',
        ['routes', i],
        'missing next-hop (in the entry or in defaults)',
      );
    return;
  }
  if (f.rd !== undefined && f.label === undefined) {
    sink.report(
      'E_SCHEMA',
      'error',
      attrPath(entry, i, 'rd'),
      'rd makes the route mpls-vpn, which needs a label',
    );
  }
  const attributes = toRouteAttributes({ ...f, nextHop: f.nextHop });
  const value = encodeAttributes(attributes);
  const source: SourceRef = { source: sink.source, ...sink.entryPosition(i) };
  const single = typeof entry['prefix'] === 'string';
  const prefixes = single
    ? [entry['prefix'] as string]
    : ((entry['prefixes'] as readonly string[] | undefined) ?? []);
  const shared: Omit<Route, 'target' | 'afi' | 'prefix'> = withKeyFields(
    { safi: familyOfEntry(f), attributes, value, source },
    f,
  );
  let warnedSelf = false;
  for (let j = 0; j < prefixes.length; j++) {
    const path: PathSegment[] = single ? ['routes', i, 'prefix'] : ['routes', i, 'prefixes', j];
    const parsed = checkPrefix(ctx, entry, i, path, prefixes[j] ?? '', f);
    if (parsed === undefined) continue;
    const { afi, prefix } = parsed;
    if (afi === 'ipv6' && f.nextHopAfi === 'self' && !warnedSelf) {
      warnedSelf = true;
      sink.report(
        'W_NEXT_HOP_SELF_IPV6',
        'warning',
        attrPath(entry, i, 'next-hop'),
        SELF_IPV6_WARNING,
      );
    }
    const item = single ? -1 : j;
    for (const target of targets) addRoute(ctx, { ...shared, target, afi, prefix }, i, item, path);
  }
}

const SELF_IPV6_WARNING =
  'next-hop self on an ipv6 route: over an ipv4 session exabgp 4.2 sends a 4-byte next-hop, the peer ' +
  'resets the session, and the route is re-sent on every reconnect (a flap loop); give an explicit ipv6 next-hop';

function withKeyFields<T extends object>(
  base: T,
  f: CanonicalFields,
): T & Pick<Route, 'rd' | 'pathInformation'> {
  const out: T & { rd?: string; pathInformation?: number } = { ...base };
  if (f.rd !== undefined) out.rd = f.rd;
  if (f.pathInformation !== undefined) out.pathInformation = f.pathInformation;
  return out;
}

/** The canonical prefix and its family, or undefined after reporting why not. */
function checkPrefix(
  ctx: Context,
  entry: Raw,
  i: number,
  path: PathSegment[],
  text: string,
  f: CanonicalFields,
): { afi: Afi; prefix: string } | undefined {
  const p = parsePrefix(text);
  if (!p.ok) {
    ctx.sink.report(p.code, 'error', path, p.message);
    return undefined;
  }
  if (p.multicast) {
    ctx.sink.report('E_PREFIX', 'error', path, `${text}: multicast prefixes are not supported`);
    return undefined;
  }
  if (f.nextHopAfi !== undefined && f.nextHopAfi !== 'self' && f.nextHopAfi !== p.afi) {
    const at = path[2] === 'prefix' ? attrPath(entry, i, 'next-hop') : path;
    const msg = `${text}: next-hop ${f.nextHop ?? ''} is ${f.nextHopAfi} but the prefix is ${p.afi}`;
    ctx.sink.report('E_NEXT_HOP_FAMILY', 'error', at, msg);
    return undefined;
  }
  return p;
}

/** Packs (entry, item) into one number; item -1 is the `prefix` form. */
const ITEMS = 2 ** 24;

function addRoute(ctx: Context, route: Route, i: number, item: number, path: PathSegment[]): void {
  const key = routeKey(route);
  const first = ctx.seen.get(key);
  if (first === undefined) {
    ctx.seen.set(key, i * ITEMS + (item + 1));
    ctx.routes.push(route);
    return;
  }
  const fi = Math.floor(first / ITEMS);
  const fj = (first % ITEMS) - 1;
  const firstPath = fj < 0 ? ['routes', fi, 'prefix'] : ['routes', fi, 'prefixes', fj];
  const at = ctx.sink.position(firstPath);
  ctx.sink.report(
    'E_DUPLICATE_ROUTE',
    'error',
    path,
    `${key}: duplicate route, first declared at ${ctx.sink.source}:${at.line}:${at.col}`,
  );
}
