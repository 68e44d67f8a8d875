// Plan → ExaBGP text API lines (design.md §4, exabgp-api.md §2-3), spelled per dialect (4.2, 5.0).
// Pure: returns strings and what the ledger does on each line's `done`; never writes. Nothing
// here emits a non-ASCII byte.
import { bug } from '../errors.js';
import { DEFAULT_DIALECT, DIALECTS, type Dialect } from './dialect.js';
import { encodeFlowPlan, splitFlowPlan } from './encode-flow.js';
import { replacedWithdrawKeys, type Plan } from '../core/plan.js';
import {
  ALL_NEIGHBORS,
  ribKey,
  routeKey,
  compareRoutes,
  type Route,
  type RouteKey,
} from '../core/route.js';

/**
 * One ExaBGP command and its ledger effect. Before writing, mark the keys of `routes` and of
 * `touches` pending. On `done`: `set` stores `routes` (key → value), `remove` deletes their keys,
 * `none` (a re-assert) keeps the ledger value; each clears the pending mark of its `routes` keys.
 */
export interface CommandLine {
  /** The command, without the terminating `\n`. */
  readonly text: string;
  readonly routes: readonly Route[];
  readonly commit: 'set' | 'remove' | 'none';
  /**
   * Only on `*` lines: keys of neighbor-specific routes whose entry this line overwrites in
   * ExaBGP. Mark them pending before writing and do NOT clear them on this line's `done`: a later
   * line of the same plan whose `routes` hold the key (its re-assert, announce, replace or
   * withdraw) settles each. A crash in between then leaves them pending, so they get re-sent.
   */
  readonly touches?: readonly RouteKey[];
}

export interface EncodeOptions {
  /** Group routes into `announce attributes ... nlri` / `withdraw attributes nlri` lines (default true). */
  readonly bulk?: boolean;
  /** Upper bound on a bulk line's length in bytes (default 64 KiB; ExaBGP 5 rejects lines over 1 MiB). */
  readonly maxLineBytes?: number;
  /** Upper bound on prefixes per bulk line (default 500). */
  readonly maxPrefixesPerLine?: number;
  /** The ExaBGP version's spelling (default: DEFAULT_DIALECT, 4.2). */
  readonly dialect?: Dialect;
  /**
   * Canonical addresses of the neighbors ExaBGP has (read at start-up from `show neighbor
   * extensive`, plus every neighbor an event named since). When given, a `*` command for a prefix
   * that some neighbor also has a route of its own for is sent with an explicit selector naming
   * every other neighbor, so that neighbor's entry is never touched (no transient withdraw or
   * attribute change there, and no re-assert). Without it, the `*` command goes to every neighbor
   * and the neighbor-specific routes are re-asserted right after (design.md §3).
   */
  readonly neighbors?: ReadonlySet<string>;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const DEFAULT_MAX_PREFIXES_PER_LINE = 500;

type Action = 'announce' | 'withdraw';

/**
 * One route to put on the wire: `wire` gives the text (and selector), `route` the ledger entry.
 * `selector` (a `*` route only): the explicit neighbor list to send it to instead of every neighbor.
 */
interface Item {
  readonly wire: Route;
  readonly route: Route;
  readonly selector?: string;
}

function selector(r: Route): string {
  return r.target === ALL_NEIGHBORS ? '' : `neighbor ${r.target} `;
}

function selectorOf(item: Item): string {
  return item.selector ?? selector(item.wire);
}

/** `neighbor A , neighbor B ` (exabgp-api.md §2.4: the same grammar on 4.2 and 5.0). */
function selectorList(neighbors: readonly string[]): string {
  return `${neighbors.map((n) => `neighbor ${n}`).join(' , ')} `;
}

function rdText(r: Route): string {
  return r.rd === undefined ? '' : ` rd ${r.rd}`;
}

/** The family of a withdraw comes from its tokens: `rd` → mpls-vpn, else `label` → nlri-mpls. */
function withdrawFamilyText(r: Route): string {
  if (r.safi === 'mpls-vpn') return rdText(r);
  if (r.safi !== 'nlri-mpls') return '';
  const label = r.attributes.label;
  if (label === undefined || label.length === 0)
    throw bug(`nlri-mpls route without label: ${routeKey(r)}`);
  return ` label [ ${label.join(' ')} ]`;
}

/**
 * One `announce route` / `withdraw route` line for one route, with its neighbor selector.
 * @example
 * encodeRoute('announce', r) // 'neighbor 192.0.2.1 announce route 10.0.0.0/24 next-hop 192.0.2.254'
 * encodeRoute('withdraw', r) // 'neighbor 192.0.2.1 withdraw route 10.0.0.0/24'
 */
export function encodeRoute(
  action: Action,
  route: Route,
  dialect: Dialect = DIALECTS[DEFAULT_DIALECT],
): string {
  return encodeRouteTo(selector(route), action, route, dialect);
}

function encodeRouteTo(sel: string, action: Action, route: Route, dialect: Dialect): string {
  const pi =
    route.pathInformation === undefined ? '' : ` path-information ${route.pathInformation}`;
  const head = `${sel}${action} route ${route.prefix}`;
  if (action === 'withdraw') return `${head}${withdrawFamilyText(route)}${pi}`;
  if (route.safi === 'nlri-mpls' && route.attributes.label === undefined) {
    throw bug(`nlri-mpls route without label: ${routeKey(route)}`);
  }
  return `${head}${rdText(route)}${pi} ${dialect.attributeText(route.value)}`;
}

/** ExaBGP takes the safi of a whole bulk line from its last prefix: keep 224/4 out of bulk lines. */
function isMulticastV4(r: Route): boolean {
  if (r.afi !== 'ipv4') return false;
  const first = parseInt(r.prefix, 10);
  return first >= 224 && first <= 239;
}

/** Routes share a line when selector, family and value match (value first: a shared string). */
function groupKeys(action: Action, item: Item, index: number, bulk: boolean): [string, string] {
  const r = item.wire;
  if (!bulk || r.pathInformation !== undefined || isMulticastV4(r)) return ['', `single ${index}`];
  const family = `${selectorOf(item)}${r.target} ${r.afi} ${r.safi}${rdText(r)}`;
  return action === 'announce' ? [r.value, family] : ['', `${family}${withdrawFamilyText(r)}`];
}

/**
 * Words ExaBGP dispatches on by substring (exabgp-api.md §2.1, §12.7; 5.0 adds the `*-ack` words),
 * the `json` token that kills ExaBGP 5.0 in any non-`show` line (exabgp5.md §2.1), or that end a
 * statement.
 */
const UNSAFE =
  /[^ -~]|[#;{}]|(?:^| )(?:version|teardown|shutdown|restart|reset|reload|help|crash|show|clear|flush|watchdog|name|split|withdraw|announce|json|silence-ack|enable-ack|disable-ack)(?: |$)/;

/**
 * The next-hop a bulk withdraw carries. Measured against BIRD: without one, 4.2.21 crashes its
 * session loop on every IPv4 `withdraw attributes nlri ...` (`'_NoNextHop' object has no attribute
 * 'afi'`) and 5.0.13 on every IPv6 one (`unexpected nlri definition`): the session resets and the
 * peer loses every route. With one of the family, neither version resets (exabgp5.md §9). A
 * withdraw matches the route by its NLRI, so the address itself is never compared.
 */
function withdrawNextHop(r: Route): string {
  return r.afi === 'ipv6' ? 'next-hop ::' : 'next-hop 0.0.0.0';
}

interface Context {
  readonly dialect: Dialect;
  readonly maxBytes: number;
  readonly maxPrefixes: number;
  readonly touches: ReadonlyMap<string, readonly RouteKey[]>;
  /** Explicit selector text → the neighbors it names. */
  readonly selected: Map<string, ReadonlySet<string>>;
  readonly checked: Set<string>;
  readonly out: CommandLine[];
}

function push(
  ctx: Context,
  text: string,
  items: readonly Item[],
  commit: CommandLine['commit'],
): void {
  const routes = items.map((i) => i.route);
  const first = items[0];
  if (first === undefined) throw bug('empty command line');
  if (first.wire.target !== ALL_NEIGHBORS || ctx.touches.size === 0) {
    ctx.out.push({ text, routes, commit });
    return;
  }
  // An explicit neighbor list touches only the entries of the neighbors it names.
  const named = first.selector === undefined ? undefined : ctx.selected.get(first.selector);
  const touches = items.flatMap((i) => {
    const keys = ctx.touches.get(ribKey(i.wire)) ?? [];
    return named === undefined ? keys : keys.filter((k) => named.has(targetOfKey(k)));
  });
  ctx.out.push(touches.length > 0 ? { text, routes, commit, touches } : { text, routes, commit });
}

/** Defence in depth: canonical routes never fail this; a failure is a loader bug, never a line. */
function checkGroup(ctx: Context, action: Action, r: Route): void {
  if (!/^(\*|[0-9a-f.:]+)$/.test(r.target) || !/^[0-9a-f.:]*\/\d+$/.test(r.prefix)) {
    throw bug(`unsafe target or prefix for ExaBGP: ${routeKey(r)}`);
  }
  if (action === 'withdraw' || ctx.checked.has(r.value)) return;
  const text = ctx.dialect.attributeText(r.value);
  if (UNSAFE.test(text)) throw bug(`unsafe attribute text for ExaBGP: ${JSON.stringify(text)}`);
  ctx.checked.add(r.value);
}

function bulkHead(ctx: Context, action: Action, item: Item): string {
  const r = item.wire;
  const sel = selectorOf(item);
  if (action === 'withdraw')
    return `${sel}withdraw attributes ${withdrawNextHop(r)}${withdrawFamilyText(r)} nlri`;
  return `${sel}announce attributes ${ctx.dialect.attributeText(r.value)}${rdText(r)} nlri`;
}

/** Emit one group (same selector, family and value) as bulk lines within the caps. */
function emitGroup(
  ctx: Context,
  action: Action,
  group: readonly Item[],
  commit: CommandLine['commit'],
): void {
  const first = group[0];
  if (first === undefined) return;
  checkGroup(ctx, action, first.wire);
  const head = bulkHead(ctx, action, first);
  let start = 0;
  while (start < group.length) {
    let end = start;
    let bytes = head.length;
    while (end < group.length && end - start < ctx.maxPrefixes) {
      const item = group[end];
      if (item === undefined) break;
      const next = bytes + 1 + item.wire.prefix.length;
      if (next > ctx.maxBytes && end > start) break;
      bytes = next;
      end += 1;
    }
    const chunk = group.slice(start, end);
    const only = chunk.length === 1 ? chunk[0] : undefined;
    const text =
      only !== undefined
        ? encodeRouteTo(selectorOf(only), action, only.wire, ctx.dialect)
        : `${head} ${chunk.map((i) => i.wire.prefix).join(' ')}`;
    push(ctx, text, chunk, commit);
    start = end;
  }
}

function emitItems(
  ctx: Context,
  action: Action,
  items: readonly Item[],
  commit: CommandLine['commit'],
  bulk: boolean,
): void {
  const index = new Map<string, Map<string, Item[]>>();
  const groups: Item[][] = [];
  items.forEach((item, i) => {
    const [outer, inner] = groupKeys(action, item, i, bulk);
    let byFamily = index.get(outer);
    if (byFamily === undefined) index.set(outer, (byFamily = new Map<string, Item[]>()));
    const group = byFamily.get(inner);
    if (group !== undefined) group.push(item);
    else {
      const created = [item];
      byFamily.set(inner, created);
      groups.push(created);
    }
  });
  for (const group of groups) emitGroup(ctx, action, group, commit);
}

/** rib key → keys of the neighbor-specific routes in the plan, for `*` lines' `touches`. */
function indexNeighborRoutes(plan: Plan): Map<string, RouteKey[]> {
  const index = new Map<string, RouteKey[]>();
  const add = (r: Route): void => {
    if (r.target === ALL_NEIGHBORS) return;
    const rk = ribKey(r);
    const keys = index.get(rk);
    if (keys === undefined) index.set(rk, [routeKey(r)]);
    else if (!keys.includes(routeKey(r))) keys.push(routeKey(r));
  };
  plan.announce.forEach(add);
  plan.update.forEach((u) => add(u.after));
  plan.withdraw.forEach(add);
  plan.reassert.forEach((r) => add(r.route));
  return index;
}

function targetOfKey(key: RouteKey): string {
  return key.slice(0, key.indexOf(' '));
}

/**
 * How the `*` lines of a plan go out when the neighbor set is known (EncodeOptions.neighbors).
 * For a rib key P with a `*` line and desired neighbor-specific routes (N, P) (the keepers):
 * - the `*` line names every known neighbor but the keepers (`selectors`), so no keeper's entry
 *   is touched, and the keepers' `after-all-neighbors-command` re-asserts are not needed (`skip`);
 * - when every known neighbor is a keeper, no `*` line is sent at all: its ledger effect rides
 *   on one keeper's re-announce of its own route (`carriers`; ExaBGP's adj-rib-out cache sends
 *   no UPDATE for an identical route).
 */
interface Layering {
  readonly selectors: ReadonlyMap<string, string>;
  readonly skip: ReadonlySet<RouteKey>;
  readonly carriers: ReadonlyMap<string, Route>;
}

function planLayering(plan: Plan, neighbors: ReadonlySet<string>, ctx: Context): Layering {
  const star = new Set<string>();
  const add = (r: Route): void => {
    if (r.target === ALL_NEIGHBORS) star.add(ribKey(r));
  };
  plan.announce.forEach(add);
  plan.update.forEach((u) => add(u.after));
  plan.withdraw.forEach(add);
  const keepers = new Map<string, Map<string, Route>>();
  const keep = (r: Route): void => {
    if (r.target === ALL_NEIGHBORS) return;
    const rk = ribKey(r);
    if (!star.has(rk)) return;
    let byTarget = keepers.get(rk);
    if (byTarget === undefined) keepers.set(rk, (byTarget = new Map<string, Route>()));
    byTarget.set(r.target, r);
  };
  plan.announce.forEach(keep);
  plan.update.forEach((u) => keep(u.after));
  for (const r of plan.reassert) if (r.reason === 'after-all-neighbors-command') keep(r.route);
  const selectors = new Map<string, string>();
  const skip = new Set<RouteKey>();
  const carriers = new Map<string, Route>();
  const known = [...neighbors].sort(compareAddresses);
  for (const [rk, byTarget] of keepers) {
    const losers = known.filter((n) => !byTarget.has(n));
    for (const r of plan.reassert) {
      if (r.reason === 'after-all-neighbors-command' && ribKey(r.route) === rk)
        skip.add(routeKey(r.route));
    }
    if (losers.length === 0) {
      const first = [...byTarget.keys()].sort(compareAddresses)[0];
      if (first !== undefined) carriers.set(rk, byTarget.get(first) as Route);
      continue;
    }
    const text = selectorList(losers);
    selectors.set(rk, text);
    if (!ctx.selected.has(text)) ctx.selected.set(text, new Set(losers));
  }
  return { selectors, skip, carriers };
}

/** Numeric address order (IPv4 before IPv6), for deterministic selector lists. */
function compareAddresses(a: string, b: string): number {
  const v6a = a.includes(':');
  const v6b = b.includes(':');
  if (v6a !== v6b) return v6a ? 1 : -1;
  const pa = addressParts(a);
  const pb = addressParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function addressParts(a: string): number[] {
  if (!a.includes(':')) return a.split('.').map(Number);
  const [head = '', tail = ''] = a.split('::');
  const h = head === '' ? [] : head.split(':').map((x) => parseInt(x, 16));
  const t = tail === '' ? [] : tail.split(':').map((x) => parseInt(x, 16));
  if (!a.includes('::')) return h;
  return [...h, ...new Array<number>(Math.max(0, 8 - h.length - t.length)).fill(0), ...t];
}

/**
 * The plan as ExaBGP commands, make-before-break: announces and updates (every `*` line before
 * any neighbor line), then withdraws, then re-asserts. Routes sharing selector, family and value
 * (without path-information) share one bulk line, capped by prefixes and bytes; a group of one
 * is a plain `announce route` line. With `neighbors`, `*` lines for a prefix some neighbor keeps
 * a route of its own for name the other neighbors explicitly (see Layering). Deterministic for a
 * given plan and neighbor set.
 * @example
 * encodePlan(plan).map((l) => l.text);
 * // ['announce attributes next-hop 192.0.2.254 nlri 10.0.0.0/24 10.0.1.0/24', 'withdraw route 10.9.0.0/24']
 */
export function encodePlan(plan: Plan, options: EncodeOptions = {}): CommandLine[] {
  // FlowSpec hook (encode-flow.ts): flows get their own lines, after the unicast ones.
  const split = splitFlowPlan(plan);
  if (split !== undefined)
    return [...encodePlan(split.routes, options), ...encodeFlowPlan(split.flows, options)];
  const bulk = options.bulk ?? true;
  const ctx: Context = {
    dialect: options.dialect ?? DIALECTS[DEFAULT_DIALECT],
    maxBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxPrefixes: Math.max(1, options.maxPrefixesPerLine ?? DEFAULT_MAX_PREFIXES_PER_LINE),
    touches: indexNeighborRoutes(plan),
    selected: new Map(),
    checked: new Set(),
    out: [],
  };
  const layering =
    options.neighbors === undefined || options.neighbors.size === 0
      ? undefined
      : planLayering(plan, options.neighbors, ctx);
  // The ledger effects of `*` lines no neighbor needs (every known neighbor keeps its own route).
  const carriedSet: Item[] = [];
  const carriedRemove: Item[] = [];
  const starItem = (route: Route, carried: Item[]): Item | undefined => {
    if (layering === undefined || route.target !== ALL_NEIGHBORS) return same(route);
    const rk = ribKey(route);
    const carrier = layering.carriers.get(rk);
    if (carrier !== undefined) {
      carried.push({ wire: carrier, route });
      return undefined;
    }
    const sel = layering.selectors.get(rk);
    return sel === undefined ? same(route) : { wire: route, route, selector: sel };
  };
  const sent = mergeSorted(
    plan.announce,
    plan.update.map((u) => u.after),
  );
  emitItems(ctx, 'announce', present(sent.map((r) => starItem(r, carriedSet))), 'set', bulk);
  const replaced = replacedWithdrawKeys(plan);
  const gone =
    replaced.size === 0 ? plan.withdraw : plan.withdraw.filter((r) => !replaced.has(routeKey(r)));
  emitItems(ctx, 'withdraw', present(gone.map((r) => starItem(r, carriedRemove))), 'remove', bulk);
  const again: Item[] = [];
  const replaces: Item[] = [];
  const withdrawn = new Map(
    replaced.size === 0 ? [] : plan.withdraw.map((r) => [routeKey(r), r] as const),
  );
  for (const r of plan.reassert) {
    if (r.reason === 'after-all-neighbors-command') {
      if (layering?.skip.has(routeKey(r.route)) !== true) again.push(same(r.route));
      continue;
    }
    const route = withdrawn.get(routeKey(r.route));
    if (route === undefined) throw bug(`replace without a withdraw: ${routeKey(r.route)}`);
    replaces.push({ wire: r.route, route });
  }
  emitItems(ctx, 'announce', again, 'none', bulk);
  emitItems(ctx, 'announce', replaces, 'remove', bulk);
  emitItems(ctx, 'announce', carriedSet, 'set', bulk);
  emitItems(ctx, 'announce', carriedRemove, 'remove', bulk);
  return ctx.out;
}

function present(items: readonly (Item | undefined)[]): Item[] {
  return items.filter((i): i is Item => i !== undefined);
}

/** Merge two lists already in compareRoutes order (the plan's announce and update lists). */
function mergeSorted(a: readonly Route[], b: readonly Route[]): readonly Route[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: Route[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && compareRoutes(x, y) <= 0)) {
      out.push(x as Route);
      i += 1;
    } else {
      out.push(y);
      j += 1;
    }
  }
  return out;
}

function same(route: Route): Item {
  return { wire: route, route };
}

/**
 * Only the command texts of encodePlan (what `plan --format commands` prints, without `\n`).
 * @example encodePlanText(plan).join('\n')
 */
export function encodePlanText(plan: Plan, options: EncodeOptions = {}): string[] {
  return encodePlan(plan, options).map((l) => l.text);
}
