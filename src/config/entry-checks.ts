// The checks of one route entry that entries.ts runs while building its routes: the prefix (syntax,
// host bits, multicast, next-hop family), the document's route budget, and whether its attributes
// fit in a BGP UPDATE. Each reports to the EntrySink and says whether to go on. No I/O.
import type { ErrorCode } from '../errors.js';
import { quoteValue, type Severity } from '../core/diagnostic.js';
import type { Afi, RouteAttributes, Safi } from '../core/route.js';
import { parsePrefix } from './address.js';
import type { CanonicalFields } from './attributes.js';
import { BYTES_PER_ROUTE, MAX_BGP_MESSAGE, ROUTE_FLOOR } from './limits.js';
import type { PathSegment, Position } from './locate.js';
import { describeLists, estimateUpdateBytes, largestList } from './update-size.js';

/**
 * Where semantic problems go. Positions are found later, in one pass, for the problems kept; a
 * message that names another place (`refs`) is built then, from their positions.
 */
export interface EntrySink {
  readonly source: string;
  report(
    code: ErrorCode,
    severity: Severity,
    path: readonly PathSegment[],
    message: string | ((refs: readonly Position[]) => string),
    refs?: readonly (readonly PathSegment[])[],
  ): void;
  /** Position of entry `index` (its first key): Route.source of all its routes. */
  entryPosition(index: number): Position;
  /** True once there are too many problems to go on checking. */
  readonly stopped: boolean;
}

type Raw = Readonly<Record<string, unknown>>;

/** Path of an attribute as the user wrote it: the entry's own key, else the defaults'. */
export function attrPath(entry: Raw, i: number, key: string): PathSegment[] {
  return Object.hasOwn(entry, key) ? ['routes', i, key] : ['defaults', key];
}

export function prefixPath(i: number, item: number): PathSegment[] {
  return item < 0 ? ['routes', i, 'prefix'] : ['routes', i, 'prefixes', item];
}

export const SELF_IPV6_WARNING =
  'next-hop self on an ipv6 route: over an ipv4 session exabgp 4.2 sends a 4-byte next-hop, the peer ' +
  'resets the session, and the route is re-sent on every reconnect (a flap loop); give an explicit ipv6 next-hop';

/** The canonical prefix and its family, or undefined after reporting why not. */
export function checkPrefix(
  sink: EntrySink,
  entry: Raw,
  i: number,
  item: number,
  text: string,
  f: CanonicalFields,
): { afi: Afi; prefix: string } | undefined {
  const p = parsePrefix(text);
  if (!p.ok) {
    sink.report(p.code, 'error', prefixPath(i, item), p.message);
    return undefined;
  }
  if (p.multicast) {
    const msg = `${quoteValue(text)}: multicast prefixes are not supported`;
    sink.report('E_PREFIX', 'error', prefixPath(i, item), msg);
    return undefined;
  }
  if (f.nextHopAfi !== undefined && f.nextHopAfi !== 'self' && f.nextHopAfi !== p.afi) {
    const at = item < 0 ? attrPath(entry, i, 'next-hop') : prefixPath(i, item);
    const msg = `${quoteValue(text)}: next-hop ${f.nextHop ?? ''} is ${f.nextHopAfi} but the prefix is ${p.afi}`;
    sink.report('E_NEXT_HOP_FAMILY', 'error', at, msg);
    return undefined;
  }
  return p;
}

/**
 * True (after reporting it) when entry `i` takes the routes the document produces past its
 * budget (limits.ts routeBudget): `neighbors` x `prefixes`, or aliases, multiplying routes.
 */
export function overRouteBudget(
  sink: EntrySink,
  i: number,
  single: boolean,
  produced: number,
  max: number,
): boolean {
  if (produced <= max) return false;
  const msg =
    `the document produces more than ${max} routes (${produced} with this entry): at most one ` +
    `per ${BYTES_PER_ROUTE} bytes of document, or ${ROUTE_FLOOR}; neighbors x prefixes and yaml ` +
    'aliases multiply routes: split the document';
  sink.report('E_EXPANSION_LIMIT', 'error', ['routes', i, single ? 'prefix' : 'prefixes'], msg);
  return true;
}

export interface SizedEntry {
  readonly attributes: RouteAttributes;
  readonly safi: Safi;
  readonly afi: Afi;
  readonly pathInformation: number | undefined;
}

/**
 * An entry whose attributes leave no room for one prefix in a 4096-byte UPDATE cannot be sent:
 * ExaBGP would build a message no peer takes (or none at all). Reported at its longest list.
 */
export function fitsInUpdate(sink: EntrySink, entry: Raw, i: number, s: SizedEntry): boolean {
  const shape = { afi: s.afi, safi: s.safi, pathInformation: s.pathInformation !== undefined };
  const bytes = estimateUpdateBytes(s.attributes, shape);
  if (bytes <= MAX_BGP_MESSAGE) return true;
  const at = attrPath(entry, i, largestList(s.attributes) ?? 'next-hop');
  const msg =
    `attributes too large for a bgp update: about ${bytes} bytes with one ${s.afi} prefix, ` +
    `more than ${MAX_BGP_MESSAGE} (${describeLists(s.attributes)})`;
  sink.report('E_UPDATE_TOO_LARGE', 'error', at, msg);
  return false;
}
