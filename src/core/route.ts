// The canonical route model: key, value, ExaBGP attribute text and ordering. Pure: no I/O.
// Every Route that reaches the diff is canonical; config/ (and the dump/command parsers) build them.
// A FlowSpec rule is a Route too (safi flow / flow-vpn, core/flow.ts): its `prefix` is the canonical
// match text and its value the canonical action text, so diff, ledger and guard treat it alike.
import type { Expiry } from './expiry.js';
import type { FlowRule } from './flow.js';
import type { HealthGate } from './health.js';

export type Afi = 'ipv4' | 'ipv6';
export type Safi = 'unicast' | 'nlri-mpls' | 'mpls-vpn' | 'flow' | 'flow-vpn';
export type Origin = 'igp' | 'egp' | 'incomplete';

/** Target of a route: every neighbor bound to our process, or one neighbor address. */
export const ALL_NEIGHBORS = '*';

/** AS_PATH: an AS_SEQUENCE, optionally followed by one AS_SET (ExaBGP `[ 1 2 ( 3 4 ) ]`). */
export interface AsPath {
  readonly sequence: readonly number[];
  readonly set?: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  readonly address: string;
}

/**
 * The route's value: everything that is not part of the key. Canonical: addresses in canonical
 * text (RFC 5952 for IPv6), community lists sorted and de-duplicated, as-path in order, absent
 * attributes absent (never a default ExaBGP would not send).
 */
export interface RouteAttributes {
  /** Canonical address of the prefix's family, or `self`. */
  readonly nextHop: string;
  readonly origin?: Origin;
  readonly asPath?: AsPath;
  readonly med?: number;
  readonly localPreference?: number;
  /** `N:M` (16-bit each) or a well-known name; sorted by 32-bit value, de-duplicated. */
  readonly community?: readonly string[];
  /** `A:B:C`, sorted numerically, de-duplicated. */
  readonly largeCommunity?: readonly string[];
  /** ExaBGP spelling (`target:65000:1`, `origin:...`, `redirect:...`, `bandwidth:...`, `0x...`); sorted, de-duplicated. */
  readonly extendedCommunity?: readonly string[];
  readonly atomicAggregate?: true;
  readonly aggregator?: Aggregator;
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  readonly label?: readonly number[];
}

/** Where a desired route came from: a file position, or the `api` source. */
export interface SourceRef {
  readonly source: string;
  readonly line: number;
  readonly col: number;
}

export interface Route {
  /** `*` or a canonical neighbor address. */
  readonly target: string;
  readonly afi: Afi;
  readonly safi: Safi;
  /** Canonical network, host bits zero: `10.0.0.0/24`, `2001:db8::/32`. */
  readonly prefix: string;
  /** Route distinguisher, present iff safi is `mpls-vpn` (`65000:1`, `192.0.2.1:7`). */
  readonly rd?: string;
  /** ADD-PATH path identifier (part of the key). */
  readonly pathInformation?: number;
  readonly attributes: RouteAttributes;
  /** `encodeAttributes(attributes)`: equal text ⇔ equal value. Shared by the routes of one entry. */
  readonly value: string;
  /** Not part of the key or value: where the route was declared (for conflicts and status). */
  readonly source?: SourceRef;
  /**
   * Only on flows (safi flow / flow-vpn): the canonical rule. `prefix` is then
   * flowMatchText(flow.match) and `value` flowThenText(flow.then); `attributes` is FLOW_ATTRIBUTES.
   */
  readonly flow?: FlowRule;
  /** Not part of the key or value: when the entry stops being desired (`expires`, `ttl`). */
  readonly expiry?: Expiry;
  /** Not part of the key or value: the checks that gate it (`health:`, `on-down:`), core/health.ts. */
  readonly health?: HealthGate;
}

/** The (unused) attributes of a flow route: a flow's value lives in `flow.then`. */
export const FLOW_ATTRIBUTES: RouteAttributes = Object.freeze({ nextHop: '' });

/** A FlowSpec rule (safi flow or flow-vpn). */
export function isFlowRoute(r: Pick<Route, 'safi'>): boolean {
  return r.safi === 'flow' || r.safi === 'flow-vpn';
}

/** `* ipv4 unicast 10.0.0.0/24`, `192.0.2.1 ipv4 mpls-vpn rd 65000:1 10.0.0.0/24 path-information 7`. */
export type RouteKey = string;

/** The set of routes by key. Insertion order carries no meaning; outputs sort with compareRoutes. */
export type RouteSet = ReadonlyMap<RouteKey, Route>;

/**
 * The identity of a route in ExaBGP's adj-rib-out (plus our target).
 * @example routeKey(r) // '* ipv4 unicast 10.0.0.0/24'
 */
export function routeKey(
  r: Pick<Route, 'target' | 'afi' | 'safi' | 'rd' | 'prefix' | 'pathInformation'>,
): RouteKey {
  const rd = r.rd === undefined ? '' : ` rd ${r.rd}`;
  const pi = r.pathInformation === undefined ? '' : ` path-information ${r.pathInformation}`;
  return `${r.target} ${r.afi} ${r.safi}${rd} ${r.prefix}${pi}`;
}

/**
 * The identity of a route inside one neighbor's adj-rib-out: its key without the target.
 * Routes of different targets with the same rib key are the same entry at a shared neighbor.
 * @example ribKey(r) // 'ipv4 unicast 10.0.0.0/24'
 */
export function ribKey(
  r: Pick<Route, 'target' | 'afi' | 'safi' | 'rd' | 'prefix' | 'pathInformation'>,
): string {
  return routeKey(r).slice(r.target.length + 1);
}

/** `ipv4 unicast`: the ExaBGP family name. */
export function familyOf(r: Pick<Route, 'afi' | 'safi'>): string {
  return `${r.afi} ${r.safi}`;
}

function list(keyword: string, items: readonly (string | number)[] | undefined): string {
  if (items === undefined || items.length === 0) return '';
  return ` ${keyword} [ ${items.join(' ')} ]`;
}

/**
 * Canonical ExaBGP 4.2 attribute text for a value, in a fixed order. Used both as the value's
 * identity and verbatim on the wire (after the prefix, or after `announce attributes`).
 * @example encodeAttributes({ nextHop: '192.0.2.1', med: 10 }) // 'next-hop 192.0.2.1 med 10'
 */
export function encodeAttributes(a: RouteAttributes): string {
  let s = `next-hop ${a.nextHop}`;
  if (a.origin !== undefined) s += ` origin ${a.origin}`;
  if (a.asPath !== undefined) {
    const set = a.asPath.set === undefined ? '' : ` ( ${a.asPath.set.join(' ')} )`;
    const seq = a.asPath.sequence.length > 0 ? ` ${a.asPath.sequence.join(' ')}` : '';
    s += ` as-path [${seq}${set} ]`;
  }
  if (a.med !== undefined) s += ` med ${a.med}`;
  if (a.localPreference !== undefined) s += ` local-preference ${a.localPreference}`;
  if (a.atomicAggregate === true) s += ' atomic-aggregate';
  if (a.aggregator !== undefined)
    s += ` aggregator ( ${a.aggregator.asn}:${a.aggregator.address} )`;
  s += list('community', a.community);
  if (a.originatorId !== undefined) s += ` originator-id ${a.originatorId}`;
  s += list('cluster-list', a.clusterList);
  s += list('extended-community', a.extendedCommunity);
  s += list('large-community', a.largeCommunity);
  s += list('label', a.label);
  return s;
}

/** Build a Route, computing its value text. Callers pass canonical fields. */
export function makeRoute(fields: Omit<Route, 'value'> & { value?: string }): Route {
  const value = fields.value ?? encodeAttributes(fields.attributes);
  return { ...fields, value };
}

/** Two routes with the same key carry the same value. */
export function sameValue(a: Route, b: Route): boolean {
  return a.value === b.value;
}

const sortKeys = new Map<string, string>();

/** Fixed-width hex of the network address then the length, so string order is numeric order. */
export function prefixSortKey(prefix: string): string {
  const cached = sortKeys.get(prefix);
  if (cached !== undefined) return cached;
  const slash = prefix.indexOf('/');
  const addr = slash < 0 ? prefix : prefix.slice(0, slash);
  const len = slash < 0 ? 0 : Number(prefix.slice(slash + 1));
  const hex = addr.includes(':') ? ipv6Hex(addr) : ipv4Hex(addr);
  const key = `${hex}/${len.toString(16).padStart(2, '0')}`;
  if (sortKeys.size > 2_000_000) sortKeys.clear();
  sortKeys.set(prefix, key);
  return key;
}

function ipv4Hex(addr: string): string {
  return addr
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('');
}

function ipv6Hex(addr: string): string {
  const [head = '', tail] = addr.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0')).join('');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Plan order: target (`*` first), family, rd, numeric prefix, prefix length, path id. */
export function compareRoutes(a: Route, b: Route): number {
  return (
    cmp(a.target, b.target) ||
    cmp(a.afi, b.afi) ||
    cmp(a.safi, b.safi) ||
    cmp(a.rd ?? '', b.rd ?? '') ||
    (isFlowRoute(a) || isFlowRoute(b)
      ? cmp(a.prefix, b.prefix)
      : cmp(prefixSortKey(a.prefix), prefixSortKey(b.prefix))) ||
    (a.pathInformation ?? -1) - (b.pathInformation ?? -1)
  );
}

/** Parse the numeric address of a canonical prefix into three 48-bit-safe words, then the length. */
function prefixWords(prefix: string, out: Float64Array, at: number): void {
  const slash = prefix.indexOf('/');
  const end = slash < 0 ? prefix.length : slash;
  const len = slash < 0 ? 0 : Number(prefix.slice(slash + 1));
  if (prefix.indexOf(':') < 0) {
    let addr = 0;
    let octet = 0;
    for (let i = 0; i < end; i += 1) {
      const c = prefix.charCodeAt(i);
      if (c === 46) {
        addr = addr * 256 + octet;
        octet = 0;
      } else octet = octet * 10 + (c - 48);
    }
    out[at] = addr * 256 + octet;
    out[at + 1] = 0;
    out[at + 2] = len;
    return;
  }
  const g = ipv6Groups(prefix.slice(0, end));
  out[at] = (g[0] * 65536 + g[1]) * 65536 + g[2];
  out[at + 1] = (g[3] * 65536 + g[4]) * 65536 + g[5];
  out[at + 2] = (g[6] * 65536 + g[7]) * 256 + len;
}

function ipv6Groups(
  addr: string,
): [number, number, number, number, number, number, number, number] {
  const [head = '', tail] = addr.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return [
    all[0] ?? 0,
    all[1] ?? 0,
    all[2] ?? 0,
    all[3] ?? 0,
    all[4] ?? 0,
    all[5] ?? 0,
    all[6] ?? 0,
    all[7] ?? 0,
  ];
}

/**
 * Sort items by their route in compareRoutes order; returns a new array. Decorates each route
 * once (group rank, address words, path id in typed arrays), so a million routes sort in well
 * under a second, where compareRoutes per comparison would take several.
 * @example sortRoutesBy(updates, (u) => u.after)
 */
export function sortRoutesBy<T>(items: readonly T[], routeOf: (item: T) => Route): T[] {
  const n = items.length;
  const groupOf = new Int32Array(n);
  const words = new Float64Array(n * 4);
  const groups = new Map<string, number>();
  let flows = false;
  items.forEach((item, i) => {
    const r = routeOf(item);
    const g = `${r.target}\0${r.afi}\0${r.safi}\0${r.rd ?? ''}`;
    let id = groups.get(g);
    if (id === undefined) groups.set(g, (id = groups.size));
    groupOf[i] = id;
    if (isFlowRoute(r)) flows = true;
    else prefixWords(r.prefix, words, i * 4);
    words[i * 4 + 3] = r.pathInformation ?? -1;
  });
  const rank = new Int32Array(groups.size);
  [...groups.keys()].sort(cmp).forEach((g, i) => (rank[groups.get(g) ?? 0] = i));
  const order = Array.from({ length: n }, (_, i) => i);
  const w = (i: number, k: number): number => words[i * 4 + k] ?? 0;
  order.sort(
    (a, b) =>
      (rank[groupOf[a] ?? 0] ?? 0) - (rank[groupOf[b] ?? 0] ?? 0) ||
      w(a, 0) - w(b, 0) ||
      w(a, 1) - w(b, 1) ||
      w(a, 2) - w(b, 2) ||
      w(a, 3) - w(b, 3) ||
      // flows (whose words stay 0) in match text order
      (flows ? cmp(routeOf(items[a] as T).prefix, routeOf(items[b] as T).prefix) : 0),
  );
  return order.map((i) => items[i] as T);
}
