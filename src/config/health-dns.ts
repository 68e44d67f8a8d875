// The values of a `dns` check: the query type, the server (an address with an optional port), the
// name, and the expected `value` in its canonical form (IPv6 compressed per RFC 5952, names lower
// case without the final dot, TXT strings joined). The probe canonicalises answers with the same
// functions, so a value and an answer compare as texts. No I/O.
import type { DnsType } from '../core/health.js';
import { parseAddress, parseIpv4 } from './address.js';

export const DNS_TYPES: readonly DnsType[] = [
  'A',
  'AAAA',
  'TXT',
  'CNAME',
  'MX',
  'NS',
  'SRV',
  'PTR',
];

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * A domain name in canonical form (lower case, no final dot), or undefined when it is not one.
 * @example canonicalDnsName('Svc.Test.') // 'svc.test'
 */
export function canonicalDnsName(text: string): string | undefined {
  const name = text.endsWith('.') && text.length > 1 ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return undefined;
  const labels = name.split('.');
  return labels.every((l) => LABEL.test(l)) ? name.toLowerCase() : undefined;
}

/**
 * `127.0.0.1`, `127.0.0.1:5353`, `::1`, `[::1]:5353` → the form Resolver#setServers takes
 * (`127.0.0.1:5353`, `[::1]:5353`; port 53 when none), or undefined.
 */
export function parseDnsServer(text: string): string | undefined {
  let host = text;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const v4port = /^([0-9.]+):(\d{1,5})$/.exec(text);
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
    if (!host.includes(':')) return undefined;
  } else if (v4port !== null) {
    host = v4port[1] ?? '';
    port = Number(v4port[2]);
  }
  if (port < 1 || port > 65535) return undefined;
  const a = parseAddress(host);
  if (a === undefined) return undefined;
  return a.afi === 'ipv4' ? `${a.address}:${port}` : `[${a.address}]:${port}`;
}

/** The name a PTR check queries: an address becomes its in-addr.arpa / ip6.arpa name. */
export function ptrQueryName(text: string): string | undefined {
  const a = parseAddress(text);
  if (a === undefined) return undefined;
  if (a.afi === 'ipv4') return `${a.address.split('.').reverse().join('.')}.in-addr.arpa`;
  const groups = a.address.includes('::')
    ? expandIpv6(a.address)
    : a.address.split(':').map((g) => g.padStart(4, '0'));
  return `${[...groups.join('')].reverse().join('.')}.ip6.arpa`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((g) => g.padStart(4, '0'));
}

/**
 * The canonical text of a value (or an answer) of a type, or undefined when the text cannot be one.
 * A: dotted quad. AAAA: RFC 5952. CNAME, NS, PTR: a name. MX: `name` or `preference name`.
 * SRV: `target` or `priority weight port target`. TXT: the text itself (strings joined).
 * @example canonicalDnsValue('AAAA', '2001:DB8:0::1') // '2001:db8::1'
 */
export function canonicalDnsValue(type: DnsType, text: string): string | undefined {
  if (type === 'A') return parseIpv4(text);
  if (type === 'AAAA') {
    const a = text.includes(':') ? parseAddress(text) : undefined;
    return a?.address;
  }
  if (type === 'TXT') return text;
  if (type === 'MX' || type === 'SRV') {
    const fields = text.trim().split(/\s+/);
    const numbers = type === 'MX' ? 1 : 3;
    if (fields.length !== 1 && fields.length !== numbers + 1) return undefined;
    const name = canonicalDnsName(fields[fields.length - 1] ?? '');
    if (name === undefined) return undefined;
    const nums = fields.slice(0, -1);
    if (!nums.every((n) => /^\d{1,5}$/.test(n) && Number(n) <= 65535)) return undefined;
    return [...nums.map((n) => String(Number(n))), name].join(' ');
  }
  return canonicalDnsName(text);
}

/**
 * Whether an answer (canonical) satisfies an expected value (canonical): equal, or for MX and SRV a
 * bare name equal to the answer's exchange or target.
 */
export function dnsValueMatches(type: DnsType, value: string, answer: string): boolean {
  if (value === answer) return true;
  if ((type === 'MX' || type === 'SRV') && !value.includes(' '))
    return answer.slice(answer.lastIndexOf(' ') + 1) === value;
  return false;
}
