// Canonical addresses and prefixes (IPv4 dotted quad, IPv6 per RFC 5952) and their checks.
// IPv4 is parsed by hand (hot path: one call per prefix); IPv6 goes through ipaddr.js. No I/O.
import { quoteValue } from '../core/diagnostic.js';
import ipaddr from 'ipaddr.js';
import type { Afi } from '../core/route.js';

export interface ParsedAddress {
  readonly afi: Afi;
  /** Canonical text: `192.0.2.1`, `2001:db8::1`. */
  readonly address: string;
}

export interface ParsedPrefix {
  readonly ok: true;
  readonly afi: Afi;
  /** Canonical network with its length: `10.0.0.0/24`, `2001:db8::/32`. */
  readonly prefix: string;
  readonly length: number;
  /** The network address is multicast (224.0.0.0/4, ff00::/8): ExaBGP would pick SAFI multicast. */
  readonly multicast: boolean;
}

export interface PrefixProblem {
  readonly ok: false;
  readonly code: 'E_PREFIX' | 'E_HOST_BITS';
  readonly message: string;
}

/** Parse a dotted quad without leading zeros into a 32-bit unsigned number, or -1. */
function ipv4ToNumber(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // leading zero: ambiguous (octal in some parsers)
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

function numberToIpv4(n: number): string {
  return `${Math.floor(n / 16777216)}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

function parseIpv6Parts(text: string): number[] | undefined {
  if (text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
  return ipaddr.IPv6.parse(text).parts;
}

function ipv6Text(parts: number[]): string {
  return new ipaddr.IPv6(parts).toRFC5952String();
}

/**
 * Canonical text of an IPv4 or IPv6 address, or undefined when it is not one.
 * @example parseAddress('2001:DB8:0::1') // { afi: 'ipv6', address: '2001:db8::1' }
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  if (!text.includes(':')) {
    const n = ipv4ToNumber(text);
    return n < 0 ? undefined : { afi: 'ipv4', address: numberToIpv4(n) };
  }
  const parts = parseIpv6Parts(text);
  return parts === undefined ? undefined : { afi: 'ipv6', address: ipv6Text(parts) };
}

/** A canonical IPv4 address, or undefined (for originator-id, cluster-list, aggregator). */
export function parseIpv4(text: string): string | undefined {
  const n = ipv4ToNumber(text);
  return n < 0 ? undefined : numberToIpv4(n);
}

function parseLength(text: string, max: number): number {
  if (!/^(0|[1-9][0-9]?[0-9]?)$/.test(text)) return -1;
  const n = Number(text);
  return n > max ? -1 : n;
}

function problem(code: PrefixProblem['code'], message: string): PrefixProblem {
  return { ok: false, code, message };
}

function parseIpv4Prefix(
  text: string,
  addr: string,
  lenText: string | undefined,
): ParsedPrefix | PrefixProblem {
  const n = ipv4ToNumber(addr);
  if (n < 0) return problem('E_PREFIX', `${quoteValue(text)}: invalid ipv4 address`);
  const length = lenText === undefined ? 32 : parseLength(lenText, 32);
  if (length < 0) return problem('E_PREFIX', `${quoteValue(text)}: invalid prefix length (0-32)`);
  const size = 2 ** (32 - length);
  const network = n - (n % size);
  const prefix = `${numberToIpv4(network)}/${length}`;
  if (network !== n)
    return problem('E_HOST_BITS', `${quoteValue(text)}: host bits set, did you mean ${prefix}?`);
  return {
    ok: true,
    afi: 'ipv4',
    prefix,
    length,
    multicast: network >= 0xe0000000 && network < 0xf0000000,
  };
}

function parseIpv6Prefix(
  text: string,
  addr: string,
  lenText: string | undefined,
): ParsedPrefix | PrefixProblem {
  const parts = parseIpv6Parts(addr);
  if (parts === undefined) return problem('E_PREFIX', `${quoteValue(text)}: invalid ipv6 address`);
  const length = lenText === undefined ? 128 : parseLength(lenText, 128);
  if (length < 0) return problem('E_PREFIX', `${quoteValue(text)}: invalid prefix length (0-128)`);
  const network = parts.map((part, i) => {
    const keep = Math.min(16, Math.max(0, length - i * 16));
    return keep === 0 ? 0 : part & ((0xffff << (16 - keep)) & 0xffff);
  });
  const prefix = `${ipv6Text(network)}/${length}`;
  if (network.some((p, i) => p !== parts[i])) {
    return problem('E_HOST_BITS', `${quoteValue(text)}: host bits set, did you mean ${prefix}?`);
  }
  return {
    ok: true,
    afi: 'ipv6',
    prefix,
    length,
    multicast: ((network[0] ?? 0) & 0xff00) === 0xff00,
  };
}

/**
 * Parse a prefix (`addr/len`; a bare address means /32 or /128, as in ExaBGP) into its canonical
 * network. Host bits set is a problem naming the canonical network, never silently zeroed.
 * @example parsePrefix('10.0.0.1/24') // { ok: false, code: 'E_HOST_BITS', message: '10.0.0.1/24: host bits set, did you mean 10.0.0.0/24?' }
 */
export function parsePrefix(text: string): ParsedPrefix | PrefixProblem {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  return addr.includes(':')
    ? parseIpv6Prefix(text, addr, lenText)
    : parseIpv4Prefix(text, addr, lenText);
}
