// A strict checker (and parser) for the ExaBGP route commands the reconciler may emit, per dialect
// (exabgp-api.md §2-3, exabgp5.md §2): `[neighbor IP ]announce|withdraw route|attributes ...`,
// ASCII only, replaying each version's substring dispatch and as-path rules.
import { isIPv4, isIPv6 } from 'node:net';
import { parseExabgpFlowLine } from './exabgp-flow-grammar.js';

export type GrammarDialect = '4.2' | '5.0';

/** The start-up handshake `run` writes before any route command (respawn flush, version, barrier). */
export const HANDSHAKE_LINES: readonly string[] = [
  ' nlri-poison',
  'version',
  'show neighbor summary',
  'show neighbor extensive',
];

export interface ParsedLine {
  /** The selector's neighbors (`neighbor A , neighbor B ...`); absent: every neighbor. */
  readonly neighbors?: readonly string[];
  readonly action: 'announce' | 'withdraw';
  readonly form: 'route' | 'attributes' | 'flow';
  readonly prefixes: readonly string[];
  /** As ExaBGP decides it: route → its prefix; attributes → the LAST prefix of the line. */
  readonly afi: 'ipv4' | 'ipv6';
  /** From the tokens, as ExaBGP decides it: rd → mpls-vpn, else label → nlri-mpls, else unicast. */
  readonly safi: 'unicast' | 'nlri-mpls' | 'mpls-vpn' | 'flow' | 'flow-vpn';
  readonly rd?: string;
  readonly pathInformation?: number;
  /** Attribute tokens other than rd and path-information, joined by one space. */
  readonly value: string;
}

/** ExaBGP 5.0.13 adds these words (exabgp5.md §2.1); dispatch order is reverse alphabetical. */
const COMMANDS_5_0_EXTRA = [
  'withdraw ipv6',
  'withdraw ipv4',
  'withdraw attribute',
  'silence-ack',
  'enable-ack',
  'disable-ack',
  'announce ipv6',
  'announce ipv4',
];

/** ExaBGP 4.2.21's text commands; dispatch tries them in reverse alphabetical order by substring. */
const COMMANDS = [
  'withdraw watchdog',
  'withdraw vpls',
  'withdraw route',
  'withdraw flow',
  'withdraw attributes',
  'version',
  'teardown',
  'shutdown',
  'show neighbor',
  'show adj-rib out',
  'show adj-rib in',
  'restart',
  'reset',
  'reload',
  'help',
  'flush adj-rib out',
  'crash',
  'clear adj-rib',
  'announce watchdog',
  'announce vpls',
  'announce route-refresh',
  'announce route',
  'announce operational',
  'announce flow',
  'announce eor',
  'announce attributes',
  'announce attribute',
  '#',
];

const U32 = /^(0|[1-9]\d{0,9})$/;
const u32 = (t: string | undefined): boolean =>
  t !== undefined && U32.test(t) && Number(t) < 2 ** 32;
const u16 = (t: string | undefined): boolean => u32(t) && Number(t) < 65536;
const ipv4 = (t: string | undefined): boolean => t !== undefined && isIPv4(t);

function isCommunity(t: string): boolean {
  const [a, b, ...rest] = t.split(':');
  if (rest.length === 0 && b !== undefined) return u16(a) && u16(b);
  if (/^0x[0-9a-f]{8}$/.test(t) || u32(t)) return true;
  return [
    'no-export',
    'no-advertise',
    'no-export-subconfed',
    'nopeer',
    'no-peer',
    'blackhole',
  ].includes(t);
}

function isLargeCommunity(t: string): boolean {
  const parts = t.split(':');
  return parts.length === 3 && parts.every(u32);
}

function isExtendedCommunity(t: string): boolean {
  if (/^0x[0-9a-f]{16}$/.test(t) || t === 'redirect-to-nexthop') return true;
  const m = /^(?:(target|origin|target4|origin4|redirect|bandwidth):)?([^:]+):([^:]+)$/.exec(t);
  if (m !== null) return (u32(m[2]?.replace(/L$/, '')) || ipv4(m[2])) && u32(m[3]);
  const l2 = /^l2info:(\d+):(\d+):(\d+):(\d+)$/.exec(t);
  return l2 !== null && l2.slice(1).every(u32);
}

function isRd(t: string | undefined): boolean {
  const m = t === undefined ? null : /^(.+):(\d+)$/.exec(t);
  return m !== null && (u32(m[1]) || ipv4(m[1])) && u32(m[2]);
}

export function isCanonicalPrefix(t: string | undefined): boolean {
  const m = t === undefined ? null : /^([0-9a-f.:]+)\/(\d{1,3})$/.exec(t);
  if (m === null) return false;
  const [, addr = '', lenText = ''] = m;
  const len = Number(lenText);
  const v4 = isIPv4(addr);
  if (!(v4 || isIPv6(addr)) || len > (v4 ? 32 : 128) || addr.includes('.') !== v4) return false;
  const bits = v4 ? 32 : 128;
  const value = v4
    ? addr.split('.').reduce((n, o) => (n << 8n) | BigInt(o), 0n)
    : expandIpv6(addr).reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
  return (value & ((1n << BigInt(bits - len)) - 1n)) === 0n;
}

function expandIpv6(addr: string): string[] {
  const [head = '', tail] = addr.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  return tail === undefined
    ? h
    : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
}

/** `[ a b ]` list (or one bare item) starting at tokens[i]; returns the index after it, or -1. */
function readList(tokens: string[], i: number, ok: (t: string) => boolean): number {
  if (tokens[i] !== '[') return tokens[i] !== undefined && ok(tokens[i]) ? i + 1 : -1;
  let j = i + 1;
  while (tokens[j] !== undefined && tokens[j] !== ']') {
    if (!ok(tokens[j] ?? '')) return -1;
    j += 1;
  }
  return tokens[j] === ']' && j > i + 1 ? j + 1 : -1;
}

/** 5.0: segments one after another, `[ seq ]` then optionally `( set )`, or `( set )` alone. */
function readAsPath50(tokens: string[], i: number): number {
  const segment = (open: string, close: string, j: number): number => {
    if (tokens[j] !== open) return -1;
    let k = j + 1;
    while (u32(tokens[k])) k += 1;
    return tokens[k] === close && (open === '[' || k > j + 1) ? k + 1 : -1;
  };
  const j = segment('[', ']', i);
  if (j < 0) return segment('(', ')', i);
  const set = segment('(', ')', j);
  return set < 0 ? j : set;
}

function readAsPath(tokens: string[], i: number): number {
  if (tokens[i] !== '[') return u32(tokens[i]) ? i + 1 : -1;
  let j = i + 1;
  while (u32(tokens[j])) j += 1;
  if (tokens[j] === '(') {
    const start = j + 1;
    j = start;
    while (u32(tokens[j])) j += 1;
    if (tokens[j] !== ')' || j === start) return -1;
    j += 1;
  }
  return tokens[j] === ']' ? j + 1 : -1;
}

type Reader = (tokens: string[], i: number) => number;
const one =
  (ok: (t: string | undefined) => boolean): Reader =>
  (tk, i) =>
    ok(tk[i]) ? i + 1 : -1;

const ATTRIBUTES: Record<string, Reader> = {
  'next-hop': one((t) => t === 'self' || ipv4(t) || (t !== undefined && isIPv6(t))),
  origin: one((t) => t === 'igp' || t === 'egp' || t === 'incomplete'),
  'as-path': readAsPath,
  med: one(u32),
  'local-preference': one(u32),
  'atomic-aggregate': (_tk, i) => i,
  aggregator: (tk, i) => {
    const [asn, addr, ...rest] = (tk[i + 1] ?? '').split(':');
    return tk[i] === '(' && tk[i + 2] === ')' && rest.length === 0 && u32(asn) && ipv4(addr)
      ? i + 3
      : -1;
  },
  'originator-id': one(ipv4),
  'cluster-list': (tk, i) => readList(tk, i, ipv4),
  community: (tk, i) => readList(tk, i, isCommunity),
  'large-community': (tk, i) => readList(tk, i, isLargeCommunity),
  'extended-community': (tk, i) => readList(tk, i, isExtendedCommunity),
  label: (tk, i) => readList(tk, i, (t) => u32(t) && Number(t) < 2 ** 20),
  rd: one(isRd),
  'path-information': one((t) => u32(t) || ipv4(t)),
};

interface Attrs {
  readonly seen: Map<string, string[]>;
  readonly next: number;
}

function readAttributes(
  tokens: string[],
  start: number,
  stop: string | undefined,
  dialect: GrammarDialect,
): Attrs | string {
  const seen = new Map<string, string[]>();
  let i = start;
  while (i < tokens.length && tokens[i] !== stop) {
    const keyword = tokens[i] ?? '';
    const reader = keyword === 'as-path' && dialect === '5.0' ? readAsPath50 : ATTRIBUTES[keyword];
    if (reader === undefined) return `unknown attribute keyword "${keyword}"`;
    if (seen.has(keyword)) return `repeated attribute "${keyword}"`;
    const end = reader(tokens, i + 1);
    if (end < 0) return `bad value for "${keyword}"`;
    seen.set(keyword, tokens.slice(i + 1, end));
    i = end;
  }
  return { seen, next: i };
}

function dispatchesTo(line: string, dialect: GrammarDialect): string | undefined {
  const names =
    dialect === '5.0' ? [...COMMANDS, ...COMMANDS_5_0_EXTRA].sort().reverse() : COMMANDS;
  return names.find((n) => n === line || line.endsWith(` ${n}`) || line.includes(`${n} `));
}

/** Parse a line as ExaBGP (4.2 by default) would, or return why it is not a valid reconciler command. */
export function parseExabgpLine(
  line: string,
  dialect: GrammarDialect = '4.2',
): ParsedLine | string {
  if (!/^[ -~]+$/.test(line)) return 'not printable ASCII on one line';
  // 5.0.13 reads any standalone `json` token as a JSON request; outside `show` it kills ExaBGP.
  if (line.split(' ').includes('json')) return 'a standalone json token';
  if (/^(neighbor \S+ )?(announce|withdraw) flow /.test(line)) return parseFlow(line, dialect);
  if (/[#;{}]| {2}|^ | $|[A-KM-Z]|(?<!\d)L/.test(line))
    return 'forbidden character, case or spacing';
  const tokens = line.split(' ');
  let i = 0;
  const neighbors: string[] = [];
  // exabgp-api.md §2.4: `neighbor IP` definitions, each after the first introduced by ` , `.
  while (tokens[i] === 'neighbor') {
    const neighbor = tokens[i + 1] ?? '';
    if (!(ipv4(neighbor) || isIPv6(neighbor))) return 'bad neighbor';
    if (neighbors.includes(neighbor)) return 'a neighbor named twice in the selector';
    neighbors.push(neighbor);
    i += 2;
    if (tokens[i] !== ',') break;
    if (tokens[i + 1] !== 'neighbor') return 'a selector list not followed by a neighbor';
    i += 1;
  }
  const [action, form] = [tokens[i], tokens[i + 1]];
  if (
    (action !== 'announce' && action !== 'withdraw') ||
    (form !== 'route' && form !== 'attributes')
  ) {
    return 'not an announce/withdraw route/attributes command';
  }
  const to = dispatchesTo(line, dialect);
  if (to !== `${action} ${form}`) return `dispatches to "${to}"`;
  const prefixes = form === 'route' ? [tokens[i + 2] ?? ''] : [];
  const attrs = readAttributes(
    tokens,
    form === 'route' ? i + 3 : i + 2,
    form === 'route' ? undefined : 'nlri',
    dialect,
  );
  if (typeof attrs === 'string') return attrs;
  if (form === 'attributes') prefixes.push(...tokens.slice(attrs.next + 1));
  if (prefixes.length === 0 || !prefixes.every(isCanonicalPrefix)) return 'missing or bad prefix';
  const last = prefixes[prefixes.length - 1] ?? '';
  const afi = last.includes(':') ? 'ipv6' : 'ipv4';
  if (prefixes.some((p) => p.includes(':') !== (afi === 'ipv6'))) return 'mixes ipv4 and ipv6';
  const { seen } = attrs;
  if (form === 'attributes' && seen.has('path-information'))
    return 'path-information in a bulk line';
  const nextHop = seen.get('next-hop')?.[0];
  if (action === 'announce' && nextHop === undefined) return 'announce without next-hop';
  // Without a next-hop, a bulk withdraw resets the BGP session (4.2.21: IPv4, 5.0.13: IPv6).
  if (form === 'attributes' && nextHop === undefined) return 'bulk withdraw without next-hop';
  if (nextHop !== undefined && nextHop !== 'self' && nextHop.includes(':') !== (afi === 'ipv6')) {
    return 'next-hop of the wrong family';
  }
  const rd = seen.get('rd')?.[0];
  const pi = seen.get('path-information')?.[0];
  const value = [...seen]
    .filter(([k]) => k !== 'rd' && k !== 'path-information')
    .map(([k, v]) => [k, ...v].join(' '))
    .join(' ');
  return {
    ...(neighbors.length > 0 ? { neighbors } : {}),
    action,
    form,
    prefixes,
    afi,
    safi: rd !== undefined ? 'mpls-vpn' : seen.has('label') ? 'nlri-mpls' : 'unicast',
    ...(rd !== undefined ? { rd } : {}),
    ...(pi !== undefined ? { pathInformation: Number(pi) } : {}),
    value,
  };
}

/** A flow line (exabgp-flow-grammar.ts) as a ParsedLine: `prefixes` holds its match statements. */
function parseFlow(line: string, dialect: GrammarDialect): ParsedLine | string {
  const action = line.includes('withdraw flow ') ? 'withdraw' : 'announce';
  const to = dispatchesTo(line, dialect);
  if (to !== `${action} flow`) return `dispatches to "${to}"`;
  const flow = parseExabgpFlowLine(line, dialect);
  if (typeof flow === 'string') return flow;
  return {
    ...(flow.neighbor !== undefined ? { neighbor: flow.neighbor } : {}),
    action: flow.action,
    form: 'flow',
    prefixes: [flow.match.join(' ')],
    afi: flow.afi,
    safi: flow.rd === undefined ? 'flow' : 'flow-vpn',
    ...(flow.rd !== undefined ? { rd: flow.rd } : {}),
    value: flow.then.join(' '),
  };
}

export function isValidExabgpLine(line: string, dialect: GrammarDialect = '4.2'): boolean {
  return typeof parseExabgpLine(line, dialect) !== 'string';
}

/** A route command, or one of the start-up handshake lines `run` writes first. */
export function isReconcilerLine(line: string, dialect: GrammarDialect = '4.2'): boolean {
  return HANDSHAKE_LINES.includes(line) || isValidExabgpLine(line, dialect);
}

export function assertValidExabgpLine(line: string, dialect: GrammarDialect = '4.2'): ParsedLine {
  const parsed = parseExabgpLine(line, dialect);
  if (typeof parsed === 'string')
    throw new Error(`invalid ExaBGP line (${parsed}): ${JSON.stringify(line)}`);
  return parsed;
}
