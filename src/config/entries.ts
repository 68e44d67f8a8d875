// A schema-valid route document (plain data) → canonical Routes plus semantic diagnostics: prefixes,
// host bits, families, defaults, neighbors, duplicate keys. Positions come from the caller's sink, lazily.
import { quoteValue } from '../core/diagnostic.js';
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
import { parseAddress } from './address.js';
import {
  canonicalizeAttributes,
  toRouteAttributes,
  type AttributeIssue,
  type CanonicalFields,
} from './attributes.js';
import {
  attrPath,
  checkPrefix,
  fitsInUpdate,
  overRouteBudget,
  prefixPath,
  SELF_IPV6_WARNING,
  type EntrySink,
} from './entry-checks.js';
import type { PathSegment } from './locate.js';
import { entryExpiry } from './expiry.js';
import { documentChecks, entryHealth } from './health.js';
import type { CheckSpec } from '../core/health.js';
import { selectionOf, selects, type Selection, type Speaker } from './speakers.js';

export type { EntrySink } from './entry-checks.js';

type Raw = Readonly<Record<string, unknown>>;

/** The document shape after schema validation. */
export interface RouteDocument {
  readonly defaults?: Raw;
  readonly routes?: readonly Raw[];
  /** FlowSpec rules (flow-entries.ts); `defaults` do not apply to them. */
  readonly flows?: readonly Raw[];
  /** Named health checks (config/health.ts) that entries name in `health:`. */
  readonly checks?: Raw;
}

const checksOfFlows = new WeakMap<readonly Raw[], ReadonlyMap<string, CheckSpec>>();

/** The checks buildDocumentRoutes read from the document whose `flows` this is (for the flows' gates). */
export function checksForFlows(flows: readonly Raw[]): ReadonlyMap<string, CheckSpec> {
  return checksOfFlows.get(flows) ?? new Map();
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
  /** Routes the entries so far produce, and the most the document may (routeBudget). */
  produced: number;
  readonly maxRoutes: number;
  /** Fleet: the speaker whose routes are built (others' entries are checked, not kept). */
  readonly fleet: FleetScope | undefined;
  readonly defaultSelection: Selection | undefined;
  /** Whether the entry being built selects the speaker (its routes are kept). */
  selected: boolean;
  readonly checks: ReadonlyMap<string, CheckSpec>;
  readonly defaultsRaw: Raw;
}

/** `speaker`: build only its entries; `inventory`: every selection must match one of them. */
export interface FleetScope {
  readonly speaker?: Speaker;
  readonly inventory?: readonly Speaker[];
  /**
   * Refuse every selection (E_SELECTOR with this reason): a document stored for the whole fleet
   * (a PUT with etcd) cannot keep a selection, so one would be announced by every speaker.
   */
  readonly refuseSelection?: string;
  /** Refuse every exec check (E_HEALTH with this reason): a document from the HTTP API. */
  readonly refuseExec?: string;
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

/**
 * `routes` (from buildDocumentRoutes) followed by `flows`, with the keys of both recorded for
 * routeKeysOf. Returns `routes` itself when there are no flows.
 */
export function appendFlows(routes: Route[], flows: readonly Route[]): Route[] {
  if (flows.length === 0) return routes;
  const keys = routeKeysOf(routes) ?? routes.map(routeKey);
  const all = [...routes, ...flows];
  keysOfRoutes.set(all, [...keys, ...flows.map(routeKey)]);
  return all;
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
        `${quoteValue(n)}: invalid neighbor address`,
      );
    else out.add(a.address);
  });
  return [...out];
}

/**
 * Build every Route of a schema-valid document. Routes of one entry share one attributes object
 * and one value string. Returns the routes even when problems were reported (the caller decides).
 * Past `maxRoutes` routes (see limits.ts routeBudget) it reports E_EXPANSION_LIMIT and stops.
 */
export function buildDocumentRoutes(
  doc: RouteDocument,
  sink: EntrySink,
  maxRoutes: number = Number.POSITIVE_INFINITY,
  fleet?: FleetScope,
): Route[] {
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
    produced: 0,
    maxRoutes,
    fleet,
    defaultSelection: selectionOf(defaultsRaw),
    selected: true,
    checks: documentChecks(doc as Raw, sink, fleet?.refuseExec),
    defaultsRaw,
  };
  if (doc.flows !== undefined) checksOfFlows.set(doc.flows, ctx.checks);
  checkSelection(ctx, ctx.defaultSelection, ['defaults']);
  const entries = doc.routes ?? [];
  for (let i = 0; i < entries.length && !sink.stopped && ctx.produced <= maxRoutes; i++)
    buildEntry(ctx, entries[i] ?? {}, i);
  keysOfRoutes.set(ctx.routes, ctx.keys);
  return ctx.routes;
}

function familyOfEntry(f: CanonicalFields): Safi {
  return f.rd !== undefined ? 'mpls-vpn' : f.label !== undefined ? 'nlri-mpls' : 'unicast';
}

function buildEntry(ctx: Context, entry: Raw, i: number): void {
  const { sink } = ctx;
  const ownSelection = selectionOf(entry);
  checkSelection(ctx, ownSelection, ['routes', i]);
  const speaker = ctx.fleet?.speaker;
  ctx.selected = speaker === undefined || selects(ownSelection ?? ctx.defaultSelection, speaker);
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
  const expiry = entryExpiry(entry, sink, ['routes', i]);
  const health = entryHealth(entry, ctx.defaultsRaw, ctx.checks, sink, ['routes', i], attributes);
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
  ctx.produced += prefixes.length * targets.length;
  if (overRouteBudget(sink, i, single, ctx.produced, ctx.maxRoutes)) return;
  let warnedSelf = false;
  const sized = new Set<Afi>();
  for (let j = 0; j < prefixes.length && !sink.stopped; j++) {
    const item = single ? -1 : j;
    const parsed = checkPrefix(sink, entry, i, item, prefixes[j] ?? '', f);
    if (parsed === undefined) continue;
    const { afi } = parsed;
    if (!sized.has(afi)) {
      sized.add(afi);
      if (!fitsInUpdate(sink, entry, i, { ...shared, afi })) return;
    }
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
    for (const target of targets) {
      const route = entryRoute(shared, target, afi, prefix);
      const expiring = expiry === undefined ? route : { ...route, expiry };
      addRoute(ctx, health === undefined ? expiring : { ...expiring, health }, i, item);
    }
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

/** With an inventory: a selection that matches none of its speakers is an error (E_SELECTOR). */
function checkSelection(
  ctx: Context,
  selection: Selection | undefined,
  base: readonly PathSegment[],
): void {
  if (selection === undefined) return;
  const key = selection.speakers !== undefined ? 'speakers' : 'speaker-selector';
  const refuse = ctx.fleet?.refuseSelection;
  if (refuse !== undefined) {
    ctx.sink.report('E_SELECTOR', 'error', [...base, key], refuse);
    return;
  }
  const inventory = ctx.fleet?.inventory;
  if (inventory === undefined) return;
  if (inventory.some((s) => selects(selection, s))) return;
  ctx.sink.report(
    'E_SELECTOR',
    'error',
    [...base, key],
    `selects no speaker of the inventory (${inventory.map((s) => s.name).join(', ')})`,
  );
}

function addRoute(ctx: Context, route: Route, i: number, item: number): void {
  // Another speaker's entry: checked like every entry, but neither kept nor a duplicate.
  if (!ctx.selected) return;
  const key = flatCopy(routeKey(route));
  const first = ctx.seen.get(key);
  if (first === undefined) {
    ctx.seen.set(key, i * ITEMS + (item + 1));
    ctx.routes.push(route);
    ctx.keys.push(key);
    return;
  }
  const firstPath = prefixPath(Math.floor(first / ITEMS), (first % ITEMS) - 1);
  const source = ctx.sink.source;
  ctx.sink.report(
    'E_DUPLICATE_ROUTE',
    'error',
    prefixPath(i, item),
    ([at = { line: 0, col: 0 }]) =>
      `${key}: duplicate route, first declared at ${source}:${at.line}:${at.col}`,
    [firstPath],
  );
}
