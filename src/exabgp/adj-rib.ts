// ExaBGP 4.2 `show adj-rib out [extensive]` output → a canonical RouteSet (the announced side of
// `plan --from-dump`). Pure text parsing; shares the attribute tokenizer with command.ts.
import type { Diagnostic, Result } from '../core/diagnostic.js';
import {
  ALL_NEIGHBORS,
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
import type { Dialect } from './dialect.js';

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

/** One dump line → its neighbor and route, or undefined for a family we do not manage (flow, ...). */
function parseDumpLine(
  line: string,
  lineNo: number,
  source: string,
): { neighbor: string; route: Route } | string | undefined {
  const tokens: Token[] = tokenizeLine(line);
  const neighbor = tokens[1] === undefined ? undefined : parseAddress(tokens[1].text);
  if (tokens[0]?.text !== 'neighbor' || neighbor === undefined)
    throw new CommandError('expected "neighbor <address> ..."', 0);
  let i = 2;
  while (SELECTOR_KEYS.has(tokens[i]?.text ?? '')) i += 2;
  const afi = tokens[i]?.text;
  const safi = tokens[i + 1]?.text ?? '';
  if (afi !== 'ipv4' && afi !== 'ipv6')
    throw new CommandError('expected an address family (ipv4 or ipv6)', tokens[i]?.at ?? 0);
  if (!SAFIS.has(safi))
    return `${afi} ${safi} routes are not managed by the reconciler; line skipped`;
  const prefix = tokens[i + 2];
  if (prefix === undefined) throw new CommandError('missing prefix', line.length);
  const raw = readAttributeTokens(tokens, i + 3, line.length);
  const { route } = buildRoute(
    neighbor.address,
    prefix,
    raw,
    { source, line: lineNo, col: 1 },
    { requireNextHop: true },
  );
  if (route.afi !== afi || route.safi !== safi) {
    throw new CommandError(
      `${route.prefix}: listed as ${afi} ${safi} but its attributes make it ${route.afi} ${route.safi}`,
      prefix.at,
    );
  }
  return { neighbor: neighbor.address, route };
}

/**
 * Parse a `show adj-rib out extensive` dump (the non-extensive form and a trailing `done` too).
 * @example parseAdjRibDump('neighbor 192.0.2.2 ipv4 unicast 198.51.100.0/24 next-hop 192.0.2.1\ndone\n', 'dump.txt')
 */
export function parseAdjRibDump(
  text: string,
  source: string,
  options: DumpOptions = {},
): Result<RouteSet> {
  const diagnostics: Diagnostic[] = [];
  const perNeighbor = new Map<RouteKey, Route>();
  const neighbors = new Set<string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').trim();
    if (line === '' || line === 'done') continue;
    try {
      const parsed = parseDumpLine(line, n + 1, source);
      if (typeof parsed === 'string')
        diagnostics.push(dumpDiagnostic(source, n + 1, 1, parsed, 'warning'));
      if (parsed === undefined || typeof parsed === 'string') continue;
      neighbors.add(parsed.neighbor);
      const key = routeKey(parsed.route);
      if (perNeighbor.has(key))
        diagnostics.push(dumpDiagnostic(source, n + 1, 1, `${key}: listed twice`));
      perNeighbor.set(key, parsed.route);
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
