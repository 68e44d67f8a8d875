// Attribute values in ExaBGP spelling (a YAML mapping, or tokens from a command or dump) →
// canonical fields. Owns every value grammar and range; knows nothing about files or positions.
import { quoteValue } from '../core/diagnostic.js';
import type { ErrorCode } from '../errors.js';
import type { Afi, Aggregator, AsPath, Origin, RouteAttributes } from '../core/route.js';
import { parseAddress, parseIpv4 } from './address.js';
import {
  parseCommunities,
  parseExtendedCommunities,
  parseLargeCommunities,
} from './communities.js';
import type { PathSegment } from './locate.js';

/** A problem with one attribute value; `path` is relative to the attribute mapping. */
export interface AttributeIssue {
  readonly code: ErrorCode;
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/** Canonical attribute and key fields of one mapping, before defaults are merged. */
export interface CanonicalFields {
  nextHop?: string;
  nextHopAfi?: Afi | 'self';
  origin?: Origin;
  asPath?: AsPath;
  med?: number;
  localPreference?: number;
  community?: readonly string[];
  largeCommunity?: readonly string[];
  extendedCommunity?: readonly string[];
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  originatorId?: string;
  clusterList?: readonly string[];
  label?: readonly number[];
  pathInformation?: number;
  rd?: string;
}

/** The attribute keys of a route entry, in ExaBGP spelling. */
export const ATTRIBUTE_KEYS = [
  'next-hop',
  'origin',
  'as-path',
  'med',
  'local-preference',
  'community',
  'large-community',
  'extended-community',
  'atomic-aggregate',
  'aggregator',
  'originator-id',
  'cluster-list',
  'path-information',
  'label',
  'rd',
] as const;

export type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];

/** A failed value parse: `index` locates the bad item inside a list value. */
export class ValueError {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
    readonly index?: number,
  ) {}
}

export const U16 = 0xffff;
export const U32 = 0xffffffff;
const U20 = 0xfffff;

/** A non-negative integer ≤ max from a number or a decimal string (`what` names it in errors). */
export function parseUint(v: unknown, max: number, what: string): number | ValueError {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n))
    return new ValueError('E_SCHEMA', `${quoteValue(v)}: ${what} must be an integer`);
  if (n < 0 || n > max)
    return new ValueError('E_RANGE', `${quoteValue(v)}: ${what} out of range (0-${max})`);
  return n;
}

function asList(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [v];
}

/** Parse each item; the first failure carries its list index (when the value was a list). */
export function mapList<T>(v: unknown, each: (item: unknown) => T | ValueError): T[] | ValueError {
  const out: T[] = [];
  const items = asList(v);
  for (let i = 0; i < items.length; i++) {
    const r = each(items[i]);
    if (r instanceof ValueError)
      return new ValueError(r.code, r.message, Array.isArray(v) ? i : undefined);
    out.push(r);
  }
  return out;
}

/** `[65001, 65002, [65003, 65004]]`: a sequence, optionally ending in one nested list = AS_SET. */
export function parseAsPath(v: unknown): AsPath | ValueError {
  const items = asList(v);
  const sequence: number[] = [];
  let set: number[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (Array.isArray(item)) {
      if (i !== items.length - 1) {
        return new ValueError(
          'E_SCHEMA',
          'an AS_SET (nested list) must be the last as-path element',
          i,
        );
      }
      const members = mapList(item, (x) => parseUint(x, U32, 'asn'));
      if (members instanceof ValueError) return new ValueError(members.code, members.message, i);
      set = [...new Set(members)].sort((a, b) => a - b);
    } else {
      const asn = parseUint(item, U32, 'asn');
      if (asn instanceof ValueError)
        return new ValueError(asn.code, asn.message, Array.isArray(v) ? i : undefined);
      sequence.push(asn);
    }
  }
  return set === undefined ? { sequence } : { sequence, set };
}

/** `65000:192.0.2.1` (ExaBGP's `( asn:ipv4 )` without the parentheses). */
export function parseAggregator(v: unknown): Aggregator | ValueError {
  const m = typeof v === 'string' ? /^\(?\s*([0-9]+):([0-9.]+)\s*\)?$/.exec(v) : null;
  if (m === null)
    return new ValueError('E_SCHEMA', `${quoteValue(v)}: invalid aggregator (asn:ipv4)`);
  const asn = parseUint(m[1], U32, 'aggregator asn');
  if (asn instanceof ValueError) return asn;
  const address = parseIpv4(m[2] ?? '');
  if (address === undefined)
    return new ValueError('E_ADDRESS', `${quoteValue(v)}: invalid aggregator address`);
  return { asn, address };
}

/** Route distinguisher: `asn16:u32`, `ipv4:u16` or `asn32:u16`, canonical as ExaBGP prints it. */
export function parseRd(v: unknown): string | ValueError {
  const m = typeof v === 'string' ? /^([0-9.]+):([0-9]+)$/.exec(v) : null;
  const bad = new ValueError(
    'E_SCHEMA',
    `${quoteValue(v)}: invalid rd (asn:number or ipv4:number)`,
  );
  if (m === null) return bad;
  const [, admin = '', numText = ''] = m;
  const num = Number(numText);
  if (admin.includes('.')) {
    const ip = parseIpv4(admin);
    if (ip === undefined) return bad;
    return num > U16
      ? new ValueError('E_RANGE', `${quoteValue(v)}: rd number must be 0-65535 with an ipv4 admin`)
      : `${ip}:${num}`;
  }
  const asn = Number(admin);
  if (asn <= U16 && num <= U32) return `${asn}:${num}`;
  if (asn <= U32 && num <= U16) return `${asn}:${num}`;
  return new ValueError('E_RANGE', `${quoteValue(v)}: rd out of range (asn16:u32 or asn32:u16)`);
}

function parsePathInformation(v: unknown): number | ValueError {
  if (typeof v === 'string' && v.includes('.')) {
    const ip = parseIpv4(v);
    if (ip === undefined)
      return new ValueError('E_SCHEMA', `${quoteValue(v)}: invalid path-information`);
    return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  }
  return parseUint(v, U32, 'path-information');
}

function parseNextHop(v: unknown): { nextHop: string; nextHopAfi: Afi | 'self' } | ValueError {
  if (v === 'self') return { nextHop: 'self', nextHopAfi: 'self' };
  const parsed = typeof v === 'string' ? parseAddress(v) : undefined;
  if (parsed === undefined)
    return new ValueError('E_ADDRESS', `${quoteValue(v)}: invalid next-hop (an address or self)`);
  return { nextHop: parsed.address, nextHopAfi: parsed.afi };
}

function parseOrigin(v: unknown): Origin | ValueError {
  const s = typeof v === 'string' ? v.toLowerCase() : '';
  if (s === 'igp' || s === 'egp' || s === 'incomplete') return s;
  return new ValueError('E_SCHEMA', `${quoteValue(v)}: invalid origin (igp, egp or incomplete)`);
}

function parseIpv4List(v: unknown, what: string): string[] | ValueError {
  return mapList(
    v,
    (x) =>
      (typeof x === 'string' ? parseIpv4(x) : undefined) ??
      new ValueError('E_ADDRESS', `${quoteValue(x)}: invalid ${what} (ipv4)`),
  );
}

function parseBoolean(v: unknown): boolean | ValueError {
  return typeof v === 'boolean'
    ? v
    : new ValueError('E_SCHEMA', `${quoteValue(v)}: atomic-aggregate must be true or false`);
}

type Setter = (f: CanonicalFields, v: unknown) => ValueError | undefined;

function setWith<T>(
  parse: (v: unknown) => T | ValueError,
  put: (f: CanonicalFields, x: T) => void,
): Setter {
  return (f, v) => {
    const r = parse(v);
    if (r instanceof ValueError) return r;
    put(f, r);
    return undefined;
  };
}

const SETTERS: Readonly<Record<AttributeKey, Setter>> = {
  'next-hop': setWith(parseNextHop, (f, x) => Object.assign(f, x)),
  origin: setWith(parseOrigin, (f, x) => (f.origin = x)),
  'as-path': setWith(parseAsPath, (f, x) => (f.asPath = x)),
  med: setWith(
    (v) => parseUint(v, U32, 'med'),
    (f, x) => (f.med = x),
  ),
  'local-preference': setWith(
    (v) => parseUint(v, U32, 'local-preference'),
    (f, x) => (f.localPreference = x),
  ),
  community: setWith(parseCommunities, (f, x) => (f.community = x)),
  'large-community': setWith(parseLargeCommunities, (f, x) => (f.largeCommunity = x)),
  'extended-community': setWith(parseExtendedCommunities, (f, x) => (f.extendedCommunity = x)),
  'atomic-aggregate': setWith(parseBoolean, (f, x) => (f.atomicAggregate = x)),
  aggregator: setWith(parseAggregator, (f, x) => (f.aggregator = x)),
  'originator-id': setWith(
    (v) => parseIpv4List(v, 'originator-id'),
    (f, x) => (f.originatorId = x[0] ?? ''),
  ),
  'cluster-list': setWith(
    (v) => parseIpv4List(v, 'cluster-list'),
    (f, x) => (f.clusterList = x),
  ),
  'path-information': setWith(parsePathInformation, (f, x) => (f.pathInformation = x)),
  label: setWith(
    (v) => mapList(v, (x) => parseUint(x, U20, 'label')),
    (f, x) => (f.label = x),
  ),
  rd: setWith(parseRd, (f, x) => (f.rd = x)),
};

export function isAttributeKey(key: string): key is AttributeKey {
  return Object.hasOwn(SETTERS, key);
}

/**
 * Canonicalise the attribute keys of one mapping; other keys are ignored. Problems are appended
 * to `issues` with a path relative to the mapping (`['community', 2]`).
 */
export function canonicalizeAttributes(
  raw: Readonly<Record<string, unknown>>,
  issues: AttributeIssue[],
): CanonicalFields {
  const fields: CanonicalFields = {};
  for (const key of Object.keys(raw)) {
    if (!isAttributeKey(key)) continue;
    const err = SETTERS[key](fields, raw[key]);
    if (err !== undefined) {
      issues.push({
        code: err.code,
        path: err.index === undefined ? [key] : [key, err.index],
        message: err.message,
      });
    }
  }
  return fields;
}

/** The RouteAttributes of merged fields that carry a next-hop; absent stays absent. */
export function toRouteAttributes(f: CanonicalFields & { nextHop: string }): RouteAttributes {
  const a: { -readonly [K in keyof RouteAttributes]: RouteAttributes[K] } = { nextHop: f.nextHop };
  if (f.origin !== undefined) a.origin = f.origin;
  if (f.asPath !== undefined) a.asPath = f.asPath;
  if (f.med !== undefined) a.med = f.med;
  if (f.localPreference !== undefined) a.localPreference = f.localPreference;
  if (f.community !== undefined && f.community.length > 0) a.community = f.community;
  if (f.largeCommunity !== undefined && f.largeCommunity.length > 0)
    a.largeCommunity = f.largeCommunity;
  if (f.extendedCommunity !== undefined && f.extendedCommunity.length > 0)
    a.extendedCommunity = f.extendedCommunity;
  if (f.atomicAggregate === true) a.atomicAggregate = true;
  if (f.aggregator !== undefined) a.aggregator = f.aggregator;
  if (f.originatorId !== undefined) a.originatorId = f.originatorId;
  if (f.clusterList !== undefined && f.clusterList.length > 0) a.clusterList = f.clusterList;
  if (f.label !== undefined && f.label.length > 0) a.label = f.label;
  return a;
}
