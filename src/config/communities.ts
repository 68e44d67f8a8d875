// Standard, large and extended communities in ExaBGP 4.2 spelling → canonical sorted, de-duplicated
// text. Mirrors configuration/static/parser.py@4.2.21. No I/O.
import { quoteValue } from '../core/diagnostic.js';
import { parseIpv4 } from './address.js';
import { mapList, parseUint, ValueError } from './attributes.js';

export interface ExtendedCommunity {
  /** Canonical ExaBGP text: `target:65000:1`, `target:4200000000L:1`, `0x010200c0000201000a`. */
  readonly text: string;
  /** The 8 bytes as 16 lowercase hex digits (identity and sort key). */
  readonly hex: string;
}

const U16 = 0xffff;
const U32 = 0xffffffff;

const WELL_KNOWN: ReadonlyMap<string, number> = new Map([
  ['no-export', 0xffffff01],
  ['no-advertise', 0xffffff02],
  ['no-export-subconfed', 0xffffff03],
  ['nopeer', 0xffffff04],
  ['no-peer', 0xffffff04],
  ['blackhole', 0xffff029a],
]);
const WELL_KNOWN_NAME: ReadonlyMap<number, string> = new Map([
  [0xffffff01, 'no-export'],
  [0xffffff02, 'no-advertise'],
  [0xffffff03, 'no-export-subconfed'],
  [0xffffff04, 'nopeer'],
  [0xffff029a, 'blackhole'],
]);

/** A standard community as its 32-bit value: `N:M`, 32-bit decimal, `0xHHHHHHHH` or a well-known name. */
export function parseCommunityValue(v: unknown): number | ValueError {
  if (typeof v === 'number') return parseUint(v, U32, 'community');
  if (typeof v !== 'string')
    return new ValueError('E_COMMUNITY', `${quoteValue(v)}: invalid community`);
  const known = WELL_KNOWN.get(v.toLowerCase());
  if (known !== undefined) return known;
  const m = /^([0-9]+):([0-9]+)$/.exec(v);
  if (m !== null) {
    const hi = Number(m[1]);
    const lo = Number(m[2]);
    if (hi > U16 || lo > U16)
      return new ValueError('E_RANGE', `${quoteValue(v)}: community halves must be 0-65535`);
    return hi * 65536 + lo;
  }
  if (/^0x[0-9a-f]{1,8}$/i.test(v)) return Number.parseInt(v.slice(2), 16);
  if (/^[0-9]+$/.test(v)) return parseUint(v, U32, 'community');
  return new ValueError(
    'E_COMMUNITY',
    `${quoteValue(v)}: invalid community (N:M, 32-bit decimal, 0x hex or a well-known name)`,
  );
}

/** Canonical text for a 32-bit community: the ExaBGP well-known name, else `N:M`. */
export function formatCommunity(n: number): string {
  return WELL_KNOWN_NAME.get(n) ?? `${Math.floor(n / 65536)}:${n % 65536}`;
}

export function parseCommunities(v: unknown): string[] | ValueError {
  const values = mapList(v, parseCommunityValue);
  if (values instanceof ValueError) return values;
  return [...new Set(values)].sort((a, b) => a - b).map(formatCommunity);
}

export function parseLargeCommunities(v: unknown): string[] | ValueError {
  const parsed = mapList(v, (item): [number, number, number] | ValueError => {
    const m = typeof item === 'string' ? /^([0-9]+):([0-9]+):([0-9]+)$/.exec(item) : null;
    if (m === null)
      return new ValueError('E_COMMUNITY', `${quoteValue(item)}: invalid large-community (A:B:C)`);
    const parts = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
    if (parts.some((p) => p > U32))
      return new ValueError(
        'E_RANGE',
        `${quoteValue(item)}: large-community parts must be 0-${U32}`,
      );
    return [...parts];
  });
  if (parsed instanceof ValueError) return parsed;
  parsed.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return [...new Set(parsed.map((p) => p.join(':')))];
}

export function parseExtendedCommunities(v: unknown): string[] | ValueError {
  const parsed = mapList(v, parseExtendedCommunity);
  if (parsed instanceof ValueError) return parsed;
  const byHex = new Map(parsed.map((e) => [e.hex, e.text]));
  return [...byHex.keys()].sort().map((k) => byHex.get(k) ?? k);
}

function hexOf(n: number, bytes: number): string {
  return n.toString(16).padStart(bytes * 2, '0');
}

function ipv4Hex(ip: string): string {
  return ip
    .split('.')
    .map((o) => hexOf(Number(o), 1))
    .join('');
}

function fail(v: string, why: string): ValueError {
  return new ValueError('E_COMMUNITY', `${quoteValue(v)}: invalid extended-community (${why})`);
}

function uint(text: string, max: number): number {
  return /^[0-9]+$/.test(text) && Number(text) <= max ? Number(text) : -1;
}

/** Canonical form of the types ExaBGP names; IP-admin RT/SoO stay hex (4.2.21 mis-encodes the named form). */
function fromHex(hex: string): ExtendedCommunity {
  const type = hex.slice(0, 4);
  const a2 = parseInt(hex.slice(4, 8), 16);
  const l4 = parseInt(hex.slice(8, 16), 16);
  const a4 = parseInt(hex.slice(4, 12), 16);
  const l2 = parseInt(hex.slice(12, 16), 16);
  const named: Record<string, string> = {
    '0002': `target:${a2}:${l4}`,
    '0003': `origin:${a2}:${l4}`,
    '0202': `target:${a4}L:${l2}`,
    '0203': `origin:${a4}L:${l2}`,
    '8008': `redirect:${a2}:${l4}`,
    '0800': hex === '0800000000000000' ? 'redirect-to-nexthop' : '',
  };
  const text = named[type];
  return { text: text === undefined || text === '' ? `0x${hex}` : text, hex };
}

/** target/origin: ASN2:u32, ASN4(L):u16, ASN2:ipv4-as-u32, or ipv4:u16. */
function adminAssigned(
  v: string,
  kind: 'target' | 'origin',
  ga: string,
  la: string,
  four: boolean,
): ExtendedCommunity | ValueError {
  const sub = kind === 'target' ? '02' : '03';
  if (ga.includes('.')) {
    const ip = parseIpv4(ga);
    const n = uint(la, U16);
    if (ip === undefined || n < 0) return fail(v, 'ipv4:0-65535 expected');
    return fromHex(`01${sub}${ipv4Hex(ip)}${hexOf(n, 2)}`);
  }
  const asnText = ga.endsWith('L') || ga.endsWith('l') ? ga.slice(0, -1) : ga;
  const asn = uint(asnText, U32);
  if (asn < 0) return fail(v, 'asn out of range');
  const ipLocal = la.includes('.') ? parseIpv4(la) : undefined;
  const local = ipLocal !== undefined ? parseInt(ipv4Hex(ipLocal), 16) : uint(la, U32);
  if (local < 0) return fail(v, 'local part out of range');
  if (four || asnText !== ga || asn > U16) {
    if (local > U16) return fail(v, 'a 4-byte asn takes a 16-bit local part');
    return fromHex(`02${sub}${hexOf(asn, 4)}${hexOf(local, 2)}`);
  }
  return fromHex(`00${sub}${hexOf(asn, 2)}${hexOf(local, 4)}`);
}

function bandwidth(v: string, ga: string, la: string): ExtendedCommunity | ValueError {
  const asn = uint(ga, U16);
  const rate = Number(la);
  if (asn < 0 || !/^[0-9]+(\.[0-9]+)?$/.test(la) || !Number.isFinite(rate))
    return fail(v, 'bandwidth:asn16:bytes-per-second');
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, rate);
  return {
    text: `bandwidth:${asn}:${rate}`,
    hex: `4004${hexOf(asn, 2)}${hexOf(view.getUint32(0), 4)}`,
  };
}

function l2info(v: string, parts: readonly string[]): ExtendedCommunity | ValueError {
  const max = [0xff, 0xff, U16, U16];
  const n = parts.map((p, i) => uint(p, max[i] ?? 0));
  if (n.length !== 4 || n.some((x) => x < 0)) return fail(v, 'l2info:encaps:control:mtu:site');
  const [a = 0, b = 0, c = 0, d = 0] = n;
  return {
    text: `l2info:${a}:${b}:${c}:${d}`,
    hex: `800a${hexOf(a, 1)}${hexOf(b, 1)}${hexOf(c, 2)}${hexOf(d, 2)}`,
  };
}

function named(v: string, parts: string[]): ExtendedCommunity | ValueError {
  const command = parts.length === 2 ? 'target' : (parts.shift() ?? '');
  if (command === 'l2info') return l2info(v, parts);
  if (parts.length !== 2) return fail(v, `${command} expects two fields`);
  const [ga = '', la = ''] = parts;
  switch (command) {
    case 'target':
    case 'origin':
      return adminAssigned(v, command, ga, la, false);
    case 'target4':
      return adminAssigned(v, 'target', ga, la, true);
    case 'origin4':
      return adminAssigned(v, 'origin', ga, la, true);
    case 'redirect': {
      const asn = uint(ga, U16);
      const local = uint(la, U32);
      return asn < 0 || local < 0
        ? fail(v, 'redirect:asn16:u32')
        : fromHex(`8008${hexOf(asn, 2)}${hexOf(local, 4)}`);
    }
    case 'bandwidth':
      return bandwidth(v, ga, la);
    default:
      return fail(v, `unknown type ${command}`);
  }
}

/**
 * Parse one extended community: `target:A:B`, `origin:A:B`, `target4:A:B`, `origin4:A:B`,
 * `redirect:A:B`, `bandwidth:A:B`, `l2info:a:b:c:d`, `redirect-to-nexthop`, `A:B` (= target) or `0x` + 16 hex.
 * @example parseExtendedCommunity('0x0002fde800000001').text // 'target:65000:1'
 */
export function parseExtendedCommunity(v: unknown): ExtendedCommunity | ValueError {
  if (typeof v !== 'string')
    return new ValueError('E_COMMUNITY', `${quoteValue(v)}: invalid extended-community`);
  if (v === 'redirect-to-nexthop') return fromHex('0800000000000000');
  if (/^0x/i.test(v)) {
    return /^0x[0-9a-f]{16}$/i.test(v)
      ? fromHex(v.slice(2).toLowerCase())
      : fail(v, '0x and 16 hex digits');
  }
  const parts = v.split(':');
  if (parts.length < 2) return fail(v, 'unknown form');
  return named(v, parts);
}
