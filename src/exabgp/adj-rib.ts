// ExaBGP `show adj-rib out [extensive]` output, as 4.2 or 5.0 prints it → a canonical RouteSet (the
// announced side of `plan --from-dump`, ExaBGP's side of `--verify`). Pure text parsing; shares the
// attribute tokenizer with command.ts and the printing model with dialect-show.ts.
import type { Diagnostic, Result } from '../core/diagnostic.js';
import {
  ALL_NEIGHBORS,
  ribKey,
  routeKey,
  type Route,
  type RouteKey,
  type RouteSet,
} from '../core/route.js';
import { parseAddress } from '../config/address.js';
import {
  buildRoute,
  CommandError,
  readAttributeTokens,
  tokenizeLine,
  type Token,
} from './command.js';
import { DEFAULT_DIALECT, DIALECTS, type Dialect } from './dialect.js';
import { isShownAlike, readShownExtendedCommunity, type NeighborSession } from './dialect-show.js';
import { readDumpFlow } from './flow-dump.js';

export interface DumpOptions {
  /**
   * `collapse` (default): a route present at EVERY neighbor seen in the dump with the same value
   * becomes one `*` route (what a selector-less announce produces); the rest keep their neighbor
   * as target. A neighbor with an empty adj-rib-out prints no line, so it is invisible here.
   * `per-neighbor`: every route keeps its neighbor address as target.
   */
  readonly targets?: 'collapse' | 'per-neighbor';
  /** The ExaBGP version that printed the dump (default 4.2). */
  readonly dialect?: Dialect;
  /**
   * The route expected at a neighbor (its own, else the `*` one; undefined: none). ExaBGP's text
   * is lossy: 5.0 prints `next-hop self` as the address it resolved, and some extended
   * communities print alike. When the expected route would print exactly as the dump line does,
   * the dump route takes the expected value, so only a difference ExaBGP shows is a difference.
   */
  readonly expected?: (neighbor: string, ribKey: string) => Route | undefined;
  /**
   * Filled with the neighbors that had a flow line the parser could not read (5.0 prints ports by
   * IANA service name; an unknown name skips the line): their flows cannot be called missing.
   */
  readonly unreadFlows?: Set<string>;
}

const SELECTOR_KEYS = new Set(['local-ip', 'local-as', 'peer-as', 'router-id', 'family-allowed']);
const SAFIS = new Set(['unicast', 'nlri-mpls', 'mpls-vpn']);

function dumpDiagnostic(
  source: string,
  line: number,
  col: number,
  message: string,
  severity: 'error' | 'warning' = 'error',
): Diagnostic {
  return { code: 'E_DUMP', severity, file: source, line, col, path: '', message };
}

interface DumpLine {
  readonly neighbor: string;
  readonly session: NeighborSession;
  readonly route: Route;
}

/** `neighbor <ip>` (4.2, and every extensive line) or `<ip>` (5.0's plain form) → ip and next index. */
function readNeighbor(tokens: readonly Token[], dialect: Dialect): [string, number] {
  const named = tokens[0]?.text === 'neighbor';
  const at = named ? tokens[1] : tokens[0];
  const address = at === undefined ? undefined : parseAddress(at.text);
  if (address !== undefined && (named || !dialect.plainShowsNeighborWord))
    return [address.address, named ? 2 : 1];
  const hint =
    address !== undefined ? ' (lines starting with the address are ExaBGP 5.0 output)' : '';
  throw new CommandError(`expected "neighbor <address> ..."${hint}`, 0);
}

/** `local-ip X local-as N peer-as N router-id X family-allowed F` → the session, and the next index. */
function readSession(tokens: readonly Token[], from: number): [NeighborSession, number] {
  const session: { localAddress?: string; routerId?: string } = {};
  let i = from;
  for (; SELECTOR_KEYS.has(tokens[i]?.text ?? ''); i += 2) {
    const value = parseAddress(tokens[i + 1]?.text ?? '')?.address;
    if (value === undefined) continue; // `local-ip None` (5.0 auto-discovery)
    if (tokens[i]?.text === 'local-ip') session.localAddress = value;
    if (tokens[i]?.text === 'router-id') session.routerId = value;
  }
  return [session, i];
}

/** Printed extended communities → the spelling that canonicalises to what was sent. */
function readShownAttributes(raw: Record<string, unknown>): Record<string, unknown> {
  const ext = raw['extended-community'];
  if (typeof ext === 'string') raw['extended-community'] = readShownExtendedCommunity(ext);
  else if (Array.isArray(ext))
    raw['extended-community'] = (ext as unknown[]).map((e) =>
      typeof e === 'string' ? readShownExtendedCommunity(e) : e,
    );
  return raw;
}

/** One dump line → its neighbor and route, or a warning for a family we do not manage (flow, ...). */
function parseDumpLine(
  line: string,
  lineNo: number,
  source: string,
  dialect: Dialect,
): DumpLine | string | { readonly unreadFlowAt: string; readonly warning: string } {
  const tokens: Token[] = tokenizeLine(line);
  const [neighbor, next] = readNeighbor(tokens, dialect);
  const [session, i] = readSession(tokens, next);
  const afi = tokens[i]?.text;
  const safi = tokens[i + 1]?.text ?? '';
  if (afi !== 'ipv4' && afi !== 'ipv6')
    throw new CommandError('expected an address family (ipv4 or ipv6)', tokens[i]?.at ?? 0);
  if (safi === 'flow' || safi === 'flow-vpn') {
    const flow = readDumpFlow(neighbor, afi, line.slice(tokens[i + 2]?.at ?? line.length));
    if (typeof flow === 'string')
      return { unreadFlowAt: neighbor, warning: `${afi} ${safi}: ${flow}; line skipped` };
    return { neighbor, session, route: flow };
  }
  if (!SAFIS.has(safi))
    return `${afi} ${safi} routes are not managed by the reconciler; line skipped`;
  const prefix = tokens[i + 2];
  if (prefix === undefined) throw new CommandError('missing prefix', line.length);
  const raw = readAttributeTokens(tokens, i + 3, line.length, dialect.readShownAsPath);
  const { route } = buildRoute(
    neighbor,
    prefix,
    readShownAttributes(raw),
    { source, line: lineNo, col: 1 },
    { requireNextHop: true },
  );
  if (route.afi !== afi || route.safi !== safi) {
    throw new CommandError(
      `${route.prefix}: listed as ${afi} ${safi} but its attributes make it ${route.afi} ${route.safi}`,
      prefix.at,
    );
  }
  return { neighbor, session, route };
}

/** The dump route, or the expected route's value when ExaBGP prints both the same way. */
function alignWithExpected(line: DumpLine, dialect: Dialect, options: DumpOptions): Route {
  const found = line.route;
  const want = options.expected?.(line.neighbor, ribKey(found));
  if (want === undefined || want.value === found.value) return found;
  // A flow's value is its action text, read back exactly: no lossy printing to align with.
  if (found.flow !== undefined) return found;
  if (!isShownAlike(dialect, found, want, line.session)) return found;
  return { ...found, attributes: want.attributes, value: want.value };
}

/**
 * Parse a `show adj-rib out extensive` dump (the non-extensive form and a trailing `done` too) as
 * `options.dialect` prints it (default 4.2).
 * @example parseAdjRibDump('neighbor 192.0.2.2 ipv4 unicast 198.51.100.0/24 next-hop 192.0.2.1\ndone\n', 'dump.txt')
 */
export function parseAdjRibDump(
  text: string,
  source: string,
  options: DumpOptions = {},
): Result<RouteSet> {
  const dialect = options.dialect ?? DIALECTS[DEFAULT_DIALECT];
  const diagnostics: Diagnostic[] = [];
  const perNeighbor = new Map<RouteKey, Route>();
  const neighbors = new Set<string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').trim();
    if (line === '' || line === 'done') continue;
    try {
      let parsed = parseDumpLine(line, n + 1, source, dialect);
      if (typeof parsed !== 'string' && 'unreadFlowAt' in parsed) {
        options.unreadFlows?.add(parsed.unreadFlowAt);
        parsed = parsed.warning;
      }
      if (typeof parsed === 'string') {
        diagnostics.push(dumpDiagnostic(source, n + 1, 1, parsed, 'warning'));
        continue;
      }
      neighbors.add(parsed.neighbor);
      const route = alignWithExpected(parsed, dialect, options);
      const key = routeKey(route);
      if (perNeighbor.has(key))
        diagnostics.push(dumpDiagnostic(source, n + 1, 1, `${key}: listed twice`));
      perNeighbor.set(key, route);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      diagnostics.push(dumpDiagnostic(source, n + 1, err.at + 1, err.message));
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics };
  const value =
    options.targets === 'per-neighbor' ? perNeighbor : collapseTargets(perNeighbor, neighbors.size);
  return { ok: true, value, warnings: diagnostics };
}

/** Routes held with the same value by all `neighborCount` neighbors → one `*` route. */
function collapseTargets(
  perNeighbor: ReadonlyMap<RouteKey, Route>,
  neighborCount: number,
): RouteSet {
  const groups = new Map<RouteKey, Route[]>();
  for (const route of perNeighbor.values()) {
    const k = routeKey({ ...route, target: ALL_NEIGHBORS });
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [route]);
    else g.push(route);
  }
  const out = new Map<RouteKey, Route>();
  for (const [k, group] of groups) {
    const first = group[0];
    if (
      first !== undefined &&
      group.length === neighborCount &&
      group.every((r) => r.value === first.value)
    ) {
      out.set(k, { ...first, target: ALL_NEIGHBORS });
    } else {
      for (const r of group) out.set(routeKey(r), r);
    }
  }
  return out;
}
