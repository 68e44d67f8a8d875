// How many bytes the BGP UPDATE carrying one route takes (RFC 4271, 4760, 1997, 4360, 8092,
// 4456 encodings), so that an entry whose attributes cannot be sent is refused when it is loaded
// instead of failing at ExaBGP (which would build an UPDATE no peer accepts). Pure arithmetic.
import type { Afi, RouteAttributes, Safi } from '../core/route.js';
import { MAX_BGP_MESSAGE } from './limits.js';

/** A path attribute with `len` value bytes: flags, type and a 1-byte length, or 2 past 255. */
function attribute(len: number): number {
  return len + (len > 255 ? 4 : 3);
}

/** AS_PATH segments hold at most 255 ASNs; each has a 2-byte header. */
function asSegments(asns: number): number {
  return asns === 0 ? 0 : 2 * Math.ceil(asns / 255) + 4 * asns;
}

export interface UpdateShape {
  readonly afi: Afi;
  readonly safi: Safi;
  readonly pathInformation: boolean;
}

/**
 * Estimated size of an UPDATE announcing one prefix of `shape` with `a`: the 19-byte header, the
 * two length fields, every attribute (ORIGIN and LOCAL_PREF always, as ExaBGP sends them; one more
 * ASN for our own AS on an eBGP session), NEXT_HOP or MP_REACH_NLRI (IPv6 next-hops counted with
 * a link-local one), and the longest NLRI of the family.
 */
export function estimateUpdateBytes(a: RouteAttributes, shape: UpdateShape): number {
  const asns = (a.asPath?.sequence.length ?? 0) + 1;
  const set = a.asPath?.set?.length ?? 0;
  let n = 19 + 2 + 2;
  n += attribute(1); // ORIGIN
  n += attribute(asSegments(asns) + asSegments(set)); // AS_PATH
  if (a.med !== undefined) n += attribute(4);
  n += attribute(4); // LOCAL_PREF
  if (a.atomicAggregate === true) n += attribute(0);
  if (a.aggregator !== undefined) n += attribute(8);
  if (a.community !== undefined) n += attribute(4 * a.community.length);
  if (a.largeCommunity !== undefined) n += attribute(12 * a.largeCommunity.length);
  if (a.extendedCommunity !== undefined) n += attribute(8 * a.extendedCommunity.length);
  if (a.originatorId !== undefined) n += attribute(4);
  if (a.clusterList !== undefined) n += attribute(4 * a.clusterList.length);
  const vpn = shape.safi === 'mpls-vpn';
  const labels = 3 * (a.label?.length ?? 0);
  const address = shape.afi === 'ipv4' ? 4 : 16;
  const nlri = 1 + (shape.pathInformation ? 4 : 0) + labels + (vpn ? 8 : 0) + address;
  if (shape.afi === 'ipv4' && shape.safi === 'unicast') return n + attribute(4) + nlri;
  const nextHop = (vpn ? 8 : 0) + (shape.afi === 'ipv4' ? 4 : 32);
  return n + attribute(2 + 1 + 1 + nextHop + 1 + nlri);
}

/** The lists that make attributes large, for the message: `community 20000, as-path 3`. */
export function describeLists(a: RouteAttributes): string {
  const lists: [string, number][] = [
    ['as-path', (a.asPath?.sequence.length ?? 0) + (a.asPath?.set?.length ?? 0)],
    ['community', a.community?.length ?? 0],
    ['large-community', a.largeCommunity?.length ?? 0],
    ['extended-community', a.extendedCommunity?.length ?? 0],
    ['cluster-list', a.clusterList?.length ?? 0],
  ];
  return lists
    .filter(([, n]) => n > 0)
    .sort((x, y) => y[1] - x[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/** The list attribute with the most items (where to point the diagnostic), or undefined. */
export function largestList(a: RouteAttributes): string | undefined {
  return describeLists(a).split(' ')[0] || undefined;
}

export function fitsInUpdate(a: RouteAttributes, shape: UpdateShape): boolean {
  return estimateUpdateBytes(a, shape) <= MAX_BGP_MESSAGE;
}
