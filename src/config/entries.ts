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
  type RouteAttributes,
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
  /** routeKey of each of `routes`, same order. */
  readonly keys: RouteKey[];
  /** Value text → the first attributes object with that value: entries with equal values share one. */
  readonly values: Map<string, Interned>;
}

/**
 * The attributes and value of an entry, shared with an earlier entry of the document that has the
 * same value. In the per-route form this keeps one attributes object and one value string per
 * distinct attribute set instead of one per route (about 300 bytes a route).
 */
function internValue(ctx: Context, attributes: RouteAttributes): Interned {
  const text = encodeAttributes(attributes);
  const known = ctx.values.get(text);
  if (known !== undefined) return known;
  const interned = { attributes, value: flatCopy(text) };
  ctx.values.set(interned.value, interned);
  return interned;
}

interface Interned {
  readonly attributes: RouteAttributes;
  readonly value: string;
}

const keysOfRoutes = new WeakMap<readonly Route[], readonly RouteKey[]>();

/**
 * The keys of a routes array that buildDocumentRoutes returned (same order), so merging need not
 * compute them again; undefined for any other array.
 */
export function routeKeysOf(routes: readonly Route[]): readonly RouteKey[] | undefined {
  return keysOfRoutes.get(routes);
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
  const ctx: Context = {
    sink,
    defaults,
    defaultTargets,
    seen: new Map(),
    routes: [],
    keys: [],
    values: new Map(),
  };
  const entries = doc.routes ?? [];
  for (let i = 0; i < entries.length; i++) buildEntry(ctx, entries[i] ?? {}, i);
  keysOfRoutes.set(ctx.routes, ctx.keys);
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
  const { attributes, value } = internValue(ctx, toRouteAttributes({ ...f, nextHop: f.nextHop }));
  const { line, col } = sink.entryPosition(i);
  const shared: EntryShared = {
    safi: familyOfEntry(f),
    attributes,
    value,
    source: { source: sink.source, line, col },
    rd: f.rd,
    pathInformation: f.pathInformation,
  };
  const single = typeof entry['prefix'] === 'string';
  const prefixes = single
    ? [entry['prefix'] as string]
    : ((entry['prefixes'] as readonly string[] | undefined) ?? []);
  let warnedSelf = false;
  for (let j = 0; j < prefixes.length; j++) {
    const item = single ? -1 : j;
    const parsed = checkPrefix(ctx, entry, i, item, prefixes[j] ?? '', f);
    if (parsed === undefined) continue;
    const { afi } = parsed;
    const prefix = flatCopy(parsed.prefix);
    if (afi === 'ipv6' && f.nextHopAfi === 'self' && !warnedSelf) {
      warnedSelf = true;
      sink.report(
        'W_NEXT_HOP_SELF_IPV6',
        'warning',
        attrPath(entry, i, 'next-hop'),
        SELF_IPV6_WARNING,
      );
    }
    for (const target of targets) addRoute(ctx, entryRoute(shared, target, afi, prefix), i, item);
  }
}

/** What the routes of one entry share (one attributes object, one value string). */
interface EntryShared {
  readonly safi: Safi;
  readonly attributes: RouteAttributes;
  readonly value: string;
  readonly source: SourceRef;
  readonly rd: string | undefined;
  readonly pathInformation: number | undefined;
}

/**
 * One Route, always built by the same object literal: routes then share one hidden class, where
 * spreading gave each its own (about 300 bytes more per route at a million routes).
 */
function entryRoute(s: EntryShared, target: string, afi: Afi, prefix: string): Route {
  const { safi, attributes, value, source, rd, pathInformation } = s;
  if (rd === undefined && pathInformation === undefined)
    return { target, afi, safi, prefix, attributes, value, source };
  if (pathInformation === undefined)
    return { target, afi, safi, rd: rd ?? '', prefix, attributes, value, source };
  if (rd === undefined)
    return { target, afi, safi, prefix, pathInformation, attributes, value, source };
  return { target, afi, safi, rd, prefix, pathInformation, attributes, value, source };
}

function prefixPath(i: number, item: number): PathSegment[] {
  return item < 0 ? ['routes', i, 'prefix'] : ['routes', i, 'prefixes', item];
}

const SELF_IPV6_WARNING =
  'next-hop self on an ipv6 route: over an ipv4 session exabgp 4.2 sends a 4-byte next-hop, the peer ' +
  'resets the session, and the route is re-sent on every reconnect (a flap loop); give an explicit ipv6 next-hop';

/** The canonical prefix and its family, or undefined after reporting why not. */
function checkPrefix(
  ctx: Context,
  entry: Raw,
  i: number,
  item: number,
  text: string,
  f: CanonicalFields,
): { afi: Afi; prefix: string } | undefined {
  const p = parsePrefix(text);
  if (!p.ok) {
    ctx.sink.report(p.code, 'error', prefixPath(i, item), p.message);
    return undefined;
  }
  if (p.multicast) {
    const msg = `${text}: multicast prefixes are not supported`;
    ctx.sink.report('E_PREFIX', 'error', prefixPath(i, item), msg);
    return undefined;
  }
  if (f.nextHopAfi !== undefined && f.nextHopAfi !== 'self' && f.nextHopAfi !== p.afi) {
    const at = item < 0 ? attrPath(entry, i, 'next-hop') : prefixPath(i, item);
    const msg = `${text}: next-hop ${f.nextHop ?? ''} is ${f.nextHopAfi} but the prefix is ${p.afi}`;
    ctx.sink.report('E_NEXT_HOP_FAMILY', 'error', at, msg);
    return undefined;
  }
  return p;
}

/** Packs (entry, item) into one number; item -1 is the `prefix` form. */
const ITEMS = 2 ** 24;

/**
 * A flat copy of a lower-case string. V8 keeps a built string (template literal, `+`) as a tree
 * of ConsString nodes: about 110 bytes for a route key where the flat string takes about 60. At a
 * million routes, keys and prefixes held flat save about 150 MB. toLowerCase returns one flat
 * string; canonical keys and prefixes are lower-case, and anything else is kept as it is.
 */
function flatCopy(s: string): string {
  const flat = s.toLowerCase();
  return flat === s ? flat : s;
}

function addRoute(ctx: Context, route: Route, i: number, item: number): void {
  const key = flatCopy(routeKey(route));
  const first = ctx.seen.get(key);
  if (first === undefined) {
    ctx.seen.set(key, i * ITEMS + (item + 1));
    ctx.routes.push(route);
    ctx.keys.push(key);
    return;
  }
  const fi = Math.floor(first / ITEMS);
  const at = ctx.sink.position(prefixPath(fi, (first % ITEMS) - 1));
  ctx.sink.report(
    'E_DUPLICATE_ROUTE',
    'error',
    prefixPath(i, item),
    `${key}: duplicate route, first declared at ${ctx.sink.source}:${at.line}:${at.col}`,
  );
}
