// How ExaBGP prints a route in `show adj-rib out extensive`, per dialect, and the printed spellings
// that do not read back as what was sent. Measured on 4.2.21 and 5.0.13 (the fixtures
// test/fixtures/exabgp/adj-rib-out-extensive-*.txt). Pure.
import type { Afi, Route } from '../core/route.js';
import { ValueError } from '../config/attributes.js';
import { parseExtendedCommunity } from '../config/communities.js';
import { parseAddress } from '../config/address.js';
import type { Dialect } from './dialect.js';

/** What the extensive line says about the session to one neighbor. */
export interface NeighborSession {
  /** `local-ip`: ExaBGP's address on the session (absent: `None`/`auto`, not known yet). */
  readonly localAddress?: string;
  readonly routerId?: string;
}

/**
 * The address 5.0 puts in place of `next-hop self` (bgp/neighbor.py ip_self): the local address
 * when it is of the route's family, else the router-id for an IPv4 route; an IPv6 route on an
 * IPv4 session is refused, so undefined.
 */
export function resolveSelf(afi: Afi, session: NeighborSession | undefined): string | undefined {
  const local = session?.localAddress;
  if (local !== undefined && local.includes(':') === (afi === 'ipv6')) return local;
  return afi === 'ipv4' ? session?.routerId : undefined;
}

function ipv4Of(hex: string): string {
  return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** One extended community (16 hex digits) as ExaBGP prints it. */
function showExtendedHex(hex: string, asn4Suffix: string): string {
  const n = (from: number, to: number): number => parseInt(hex.slice(from, to), 16);
  switch (hex.slice(0, 4)) {
    case '0002':
      return `target:${n(4, 8)}:${n(8, 16)}`;
    case '0102':
      return `target:${ipv4Of(hex.slice(4, 12))}:${n(12, 16)}`;
    case '0202':
      return `target:${n(4, 12)}${asn4Suffix}:${n(12, 16)}`;
    case '0003':
      // OriginASNIP: the 32-bit local part printed as an address
      return `origin:${n(4, 8)}:${ipv4Of(hex.slice(8, 16))}`;
    case '0103':
      // OriginIPASN.unpack swaps its arguments: `origin:1.2.3.4:5` prints as `origin:5:1.2.3.4`
      return `origin:${n(12, 16)}:${ipv4Of(hex.slice(4, 12))}`;
    case '0203':
      return `origin:${n(4, 12)}${asn4Suffix}:${n(12, 16)}`;
    case '8008':
      return `redirect:${n(4, 8)}:${n(8, 16)}`;
    case '800a':
      return `l2info:${n(4, 6)}:${n(6, 8)}:${n(8, 12)}:${n(12, 16)}`;
    default:
      // bandwidth (0x4004) included: 4.2.21 and 5.0.13 print it as upper-case hex
      return hex === '0800000000000000' ? 'redirect-to-nexthop' : `0x${hex.toUpperCase()}`;
  }
}

/** `x` alone, `[ x y ]` for more (how ExaBGP prints a community or label list). */
function one(items: readonly (string | number)[]): string {
  return items.length === 1 ? String(items[0]) : `[ ${items.join(' ')} ]`;
}

const SHOWN_COMMUNITY: Readonly<Record<string, string>> = { nopeer: 'no-peer' };

/**
 * The route as `show adj-rib out extensive` prints it after the family (`10.0.0.0/24 next-hop ...`),
 * at a neighbor with this session; undefined when the dialect cannot show it (`self` unresolvable).
 * @example showRoute(DIALECTS['5.0'], r, { localAddress: '192.0.2.1' }) // '10.0.0.0/24 next-hop 192.0.2.1'
 */
export function showRoute(
  dialect: Dialect,
  route: Route,
  session: NeighborSession | undefined,
  order: 'as-sent' | 'sorted' = 'as-sent',
): string | undefined {
  const a = route.attributes;
  const nextHop =
    a.nextHop === 'self' && dialect.showsSelfResolved ? resolveSelf(route.afi, session) : a.nextHop;
  if (nextHop === undefined) return undefined;
  const pi = route.pathInformation;
  const parts = [route.prefix];
  if (pi !== undefined) parts.push(`path-information ${ipv4Of(pi.toString(16).padStart(8, '0'))}`);
  if (a.label !== undefined) parts.push(`label ${one(a.label)}`);
  parts.push(`next-hop ${nextHop}`);
  if (route.rd !== undefined) parts.push(`rd ${route.rd}`);
  if (a.origin !== undefined) parts.push(`origin ${a.origin}`);
  if (a.asPath !== undefined) parts.push(`as-path ${dialect.showAsPath(a.asPath)}`);
  if (a.med !== undefined) parts.push(`med ${a.med}`);
  if (a.localPreference !== undefined) parts.push(`local-preference ${a.localPreference}`);
  if (a.atomicAggregate === true) parts.push('atomic-aggregate');
  if (a.aggregator !== undefined)
    parts.push(`aggregator ( ${a.aggregator.asn}:${a.aggregator.address} )`);
  if (a.community !== undefined)
    parts.push(`community ${one(a.community.map((c) => SHOWN_COMMUNITY[c] ?? c))}`);
  if (a.originatorId !== undefined) parts.push(`originator-id ${a.originatorId}`);
  if (a.clusterList !== undefined) parts.push(`cluster-list [ ${a.clusterList.join(' ')} ]`);
  if (a.extendedCommunity !== undefined) {
    const suffix = dialect.showsAsn4Suffix ? 'L' : '';
    const shown = a.extendedCommunity.map((text) => {
      const e = parseExtendedCommunity(text);
      return e instanceof ValueError ? text : showExtendedHex(e.hex, suffix);
    });
    parts.push(`extended-community ${one(order === 'sorted' ? shown.sort() : shown)}`);
  }
  if (a.largeCommunity !== undefined) parts.push(`large-community ${one(a.largeCommunity)}`);
  return parts.join(' ');
}

/**
 * Whether ExaBGP prints two routes of one rib key the same at a neighbor with this session. The
 * extended communities are compared as a set: the print keeps the order they were sent in
 * (sorted by value), and two readings of one print can sort differently.
 */
export function isShownAlike(
  dialect: Dialect,
  a: Route,
  b: Route,
  session: NeighborSession | undefined,
): boolean {
  const shown = showRoute(dialect, a, session, 'sorted');
  return shown !== undefined && shown === showRoute(dialect, b, session, 'sorted');
}

/** `origin:5:1.2.3.4` (a swapped OriginIPASN, see showExtendedHex); `origin:0:0.0.0.2` stays OriginASNIP. */
const SWAPPED_ORIGIN = /^origin:(\d+):((\d+)\.\d+\.\d+\.\d+)$/;
/** `origin:65000:9` (5.0) is only ever printed for a 4-byte-ASN origin: OriginASNIP prints an address. */
const ASN4_ORIGIN = /^origin:(\d+):(\d+)$/;
const BANDWIDTH_HEX = /^0x4004([0-9a-f]{4})([0-9a-f]{8})$/i;

/** A float32 as the shortest decimal that reads back as the same float32 (`1000`, `1000.1`). */
function shortestFloat32(bits: number): string | undefined {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits);
  const f = view.getFloat32(0);
  for (let p = 1; p <= 9; p++) {
    const text = String(Number(f.toPrecision(p)));
    if (Math.fround(Number(text)) === f) return /^[0-9]+(\.[0-9]+)?$/.test(text) ? text : undefined;
  }
  return undefined;
}

/**
 * One printed extended community → a spelling that canonicalises to what was most likely sent.
 * Printing is not one-to-one (`origin:5:1.2.3.4` is both OriginIPASN 1.2.3.4:5 and OriginASNIP
 * 5:16909060; 5.0's `target:65000:1` is both the 2- and the 4-byte-ASN type): this picks the
 * likely one, and parseAdjRibDump's `expected` settles the rest.
 * @example readShownExtendedCommunity('origin:5:1.2.3.4') // 'origin:1.2.3.4:5'
 */
export function readShownExtendedCommunity(text: string): string {
  const swapped = SWAPPED_ORIGIN.exec(text);
  if (swapped !== null && swapped[3] !== '0') return `origin:${swapped[2]}:${swapped[1]}`;
  const asn4 = ASN4_ORIGIN.exec(text);
  if (asn4 !== null) return `origin4:${asn4[1]}:${asn4[2]}`;
  const bw = BANDWIDTH_HEX.exec(text);
  if (bw !== null) {
    const rate = shortestFloat32(parseInt(bw[2] ?? '', 16));
    if (rate !== undefined) return `bandwidth:${parseInt(bw[1] ?? '', 16)}:${rate}`;
  }
  return text;
}

/**
 * The neighbor a `show neighbor extensive` block is about: its first line is `Neighbor <ip>` on
 * both 4.2.21 and 5.0.13, for every configured peer whatever its state (reactor.peers(), measured:
 * idle peers are listed; `show neighbor summary` lists only established ones on 4.2).
 * @example parseNeighborHeading('Neighbor 2001:DB8::1') // '2001:db8::1'
 */
export function parseNeighborHeading(line: string): string | undefined {
  const m = /^Neighbor (\S+)\s*$/.exec(line);
  if (m === null) return undefined;
  return parseAddress(m[1] ?? '')?.address;
}

/**
 * A family line of a `show neighbor extensive` block's Families section (`   ipv4 flow:   enabled
 * n/a   disabled`; the same columns on 4.2.21 and 5.0.13): the family and whether it is configured
 * on our side (Local). With no `family {}` block every known family is listed enabled.
 * @example parseFamilyLine('   ipv4 unicast:   enabled   n/a   disabled') // { family: 'ipv4 unicast', local: true }
 */
export function parseFamilyLine(
  line: string,
): { readonly family: string; readonly local: boolean } | undefined {
  const m = /^\s+(ipv4|ipv6|l2vpn|bgp-ls) ([a-z0-9-]+):\s+(enabled|disabled)\s/.exec(line);
  if (m === null) return undefined;
  return { family: `${m[1]} ${m[2]}`, local: m[3] === 'enabled' };
}
