// Routes → a route document (the routes.d file shape, also the HTTP body): the exact inverse of
// the loader, so a document served by GET /v1/announced or /v1/desired loads back to the same routes.
// Pure: no I/O.
import { flowMatchJson, flowThenJson } from './flow.js';
import { compareRoutes } from './route.js';
import type { Route, RouteAttributes } from './route.js';

/** One entry of a route document, keys in ExaBGP spelling (schemas/routes.schema.json). */
export interface RouteEntryDocument {
  readonly prefix?: string;
  readonly prefixes?: readonly string[];
  readonly neighbors?: readonly string[];
  readonly 'next-hop': string;
  readonly origin?: string;
  readonly 'as-path'?: readonly (number | readonly number[])[];
  readonly med?: number;
  readonly 'local-preference'?: number;
  readonly community?: readonly string[];
  readonly 'large-community'?: readonly string[];
  readonly 'extended-community'?: readonly string[];
  readonly 'atomic-aggregate'?: true;
  readonly aggregator?: string;
  readonly 'originator-id'?: string;
  readonly 'cluster-list'?: readonly string[];
  readonly label?: readonly number[];
  readonly rd?: string;
  readonly 'path-information'?: number;
}

/** One entry of a document's `flows` list (schemas/routes.schema.json `flow`). */
export interface FlowEntryDocument {
  readonly match: Readonly<Record<string, string | readonly string[]>>;
  readonly then: Readonly<Record<string, string | number | boolean | readonly string[]>>;
  readonly neighbors?: readonly string[];
  readonly rd?: string;
}

export interface RouteDocument {
  readonly routes: readonly RouteEntryDocument[];
  /** Present only when there are flows. */
  readonly flows?: readonly FlowEntryDocument[];
}

function flowEntry(r: Route): FlowEntryDocument {
  const flow = r.flow;
  const entry: Mutable<FlowEntryDocument> = {
    match: flow === undefined ? {} : flowMatchJson(flow.match),
    then: flow === undefined ? {} : flowThenJson(flow.then),
  };
  if (r.target !== '*') entry.neighbors = [r.target];
  if (r.rd !== undefined) entry.rd = r.rd;
  return entry;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function attributeFields(a: RouteAttributes): Mutable<RouteEntryDocument> {
  const e: Mutable<RouteEntryDocument> = { 'next-hop': a.nextHop };
  if (a.origin !== undefined) e.origin = a.origin;
  if (a.asPath !== undefined) {
    const set = a.asPath.set === undefined ? [] : [a.asPath.set];
    e['as-path'] = [...a.asPath.sequence, ...set];
  }
  if (a.med !== undefined) e.med = a.med;
  if (a.localPreference !== undefined) e['local-preference'] = a.localPreference;
  if (a.community !== undefined) e.community = a.community;
  if (a.largeCommunity !== undefined) e['large-community'] = a.largeCommunity;
  if (a.extendedCommunity !== undefined) e['extended-community'] = a.extendedCommunity;
  if (a.atomicAggregate === true) e['atomic-aggregate'] = true;
  if (a.aggregator !== undefined) e.aggregator = `${a.aggregator.asn}:${a.aggregator.address}`;
  if (a.originatorId !== undefined) e['originator-id'] = a.originatorId;
  if (a.clusterList !== undefined) e['cluster-list'] = a.clusterList;
  if (a.label !== undefined) e.label = a.label;
  return e;
}

/** Routes that can share one entry: same target, family, rd and value, no path-information. */
function groupKey(r: Route): string | undefined {
  if (r.pathInformation !== undefined) return undefined;
  return `${r.target}\t${r.afi}\t${r.safi}\t${r.rd ?? ''}\t${r.value}`;
}

function toEntry(first: Route, prefixes: readonly string[]): RouteEntryDocument {
  const where: { prefix?: string; prefixes?: readonly string[]; neighbors?: readonly string[] } =
    prefixes.length === 1 ? { prefix: first.prefix } : { prefixes };
  if (first.target !== '*') where.neighbors = [first.target];
  const entry: Mutable<RouteEntryDocument> = { ...where, ...attributeFields(first.attributes) };
  if (first.rd !== undefined) entry.rd = first.rd;
  if (first.pathInformation !== undefined) entry['path-information'] = first.pathInformation;
  return entry;
}

/** The entry for one route on its own (`prefix`, never `prefixes`). */
export function routeToEntry(route: Route): RouteEntryDocument {
  return toEntry(route, [route.prefix]);
}

/**
 * The route document for `routes`, sorted (compareRoutes) and grouped: routes of one target,
 * family, rd and value share one entry with `prefixes` (the fast form for large tables); routes
 * with a path-information get one entry each.
 * @example routesToDocument([r]) // { routes: [{ prefix: '10.0.0.0/24', 'next-hop': '192.0.2.1' }] }
 */
export function routesToDocument(routes: Iterable<Route>): RouteDocument {
  const all = [...routes].sort(compareRoutes);
  const sorted = all.filter((r) => r.flow === undefined);
  const flows = all.filter((r) => r.flow !== undefined).map(flowEntry);
  const groups = new Map<string, { first: Route; prefixes: string[] }>();
  const order: { first: Route; prefixes: string[] }[] = [];
  for (const r of sorted) {
    const key = groupKey(r);
    const existing = key === undefined ? undefined : groups.get(key);
    if (existing !== undefined) {
      existing.prefixes.push(r.prefix);
      continue;
    }
    const group = { first: r, prefixes: [r.prefix] };
    if (key !== undefined) groups.set(key, group);
    order.push(group);
  }
  const doc = { routes: order.map((g) => toEntry(g.first, g.prefixes)) };
  return flows.length === 0 ? doc : { ...doc, flows };
}
