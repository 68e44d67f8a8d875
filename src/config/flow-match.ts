// FlowSpec match components in any accepted spelling → one canonical operator text per component
// (core/flow.ts). Numeric criteria become sorted disjoint intervals, so `[=53, =54]`, `"53-54"` and
// `>=53&<=54` are one key; bitmask criteria are sorted and de-duplicated. Mirrors ExaBGP 4.2.21
// configuration/flow/parser.py and protocol/*. No I/O.
import { quoteValue } from '../core/diagnostic.js';
import type { Afi } from '../core/route.js';
import type { FlowComponentName } from '../core/flow.js';
import { parsePrefix } from './address.js';
import { ValueError } from './attributes.js';
import {
  FRAGMENTS,
  ICMP_CODES,
  ICMP_TYPES,
  PROTOCOL_NAMES,
  PROTOCOLS,
  TCP_FLAGS,
} from './flow-names.js';

interface NumericSpec {
  readonly kind: 'numeric';
  readonly max: number;
  readonly names?: ReadonlyMap<string, number>;
  /** Print `=n` as `=name` (protocol, next-header: as ExaBGP shows them). */
  readonly showNames?: ReadonlyMap<number, string>;
}
interface BinarySpec {
  readonly kind: 'binary';
  readonly bits: readonly [string, number][];
  readonly max: number;
}
interface PrefixSpec {
  readonly kind: 'prefix';
}
type Spec = NumericSpec | BinarySpec | PrefixSpec;

const PROTOCOL: NumericSpec = {
  kind: 'numeric',
  max: 255,
  names: PROTOCOLS,
  showNames: PROTOCOL_NAMES,
};
const PORT: NumericSpec = { kind: 'numeric', max: 65535 };

export const COMPONENT_SPECS: Readonly<Record<FlowComponentName, Spec>> = {
  destination: { kind: 'prefix' },
  source: { kind: 'prefix' },
  protocol: PROTOCOL,
  'next-header': PROTOCOL,
  port: PORT,
  'destination-port': PORT,
  'source-port': PORT,
  'icmp-type': { kind: 'numeric', max: 255, names: ICMP_TYPES },
  'icmp-code': { kind: 'numeric', max: 255, names: ICMP_CODES },
  'tcp-flags': { kind: 'binary', bits: TCP_FLAGS, max: 0xfff },
  'packet-length': PORT,
  dscp: { kind: 'numeric', max: 63 },
  'traffic-class': { kind: 'numeric', max: 255 },
  fragment: { kind: 'binary', bits: FRAGMENTS, max: 0x0f },
  'flow-label': { kind: 'numeric', max: 0xfffff },
};

/** Components that exist for one family only (ExaBGP's ParseFlowMatch, RFC 8956). */
export const FAMILY_ONLY: Readonly<Partial<Record<FlowComponentName, Afi>>> = {
  protocol: 'ipv4',
  dscp: 'ipv4',
  'next-header': 'ipv6',
  'traffic-class': 'ipv6',
  'flow-label': 'ipv6',
};

/** Limit on the terms of one component (keeps an NLRI far below its 4095-byte encoding limit). */
export const MAX_TERMS = 32;

type Interval = readonly [number, number];

/** A prefix component: canonical text and family, or why not. */
export function canonicalFlowPrefix(v: unknown): { text: string; afi: Afi } | ValueError {
  if (typeof v !== 'string')
    return new ValueError('E_SCHEMA', `${quoteValue(v)}: a prefix must be a string`);
  const parts = v.trim().split('/');
  const offsetText = parts.length === 3 ? parts[2] : undefined;
  if (parts.length > 3) return new ValueError('E_PREFIX', `${quoteValue(v)}: invalid prefix`);
  const p = parsePrefix(parts.length === 3 ? `${parts[0]}/${parts[1]}` : v.trim());
  if (!p.ok) return new ValueError(p.code, p.message);
  if (offsetText === undefined) return { text: p.prefix, afi: p.afi };
  const offset = /^[0-9]{1,3}$/.test(offsetText) ? Number(offsetText) : NaN;
  if (p.afi !== 'ipv6' || !(offset >= 0 && offset < p.length))
    return new ValueError(
      'E_PREFIX',
      `${quoteValue(v)}: an offset is ipv6 only and must be below the prefix length`,
    );
  // Measured: ExaBGP 4.2.21 and 5.0.13 encode a non-zero offset so that BIRD refuses the UPDATE
  // ("Invalid flow route: Bad component order") and resets the session.
  if (offset !== 0)
    return new ValueError(
      'E_FLOW',
      `${quoteValue(v)}: a non-zero ipv6 offset is refused (exabgp 4.2 and 5.0 encode it so that the peer resets the session)`,
    );
  return { text: p.prefix, afi: p.afi };
}

/** The YAML value as a list of term texts: numbers, strings, lists; `[ a b ]` / `a b` text split. */
function termTexts(v: unknown): string[] | ValueError {
  const items = Array.isArray(v) ? (v as unknown[]) : [v];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item === 'number') out.push(String(item));
    else if (typeof item === 'string') {
      const words = item
        .replace(/^\s*\[|\]\s*$/g, ' ')
        .trim()
        .split(/\s+/);
      out.push(...words.filter((w) => w !== ''));
    } else if (typeof item === 'boolean' && v === item) out.push(String(item));
    else return new ValueError('E_SCHEMA', `${quoteValue(item)}: expected a number or text`);
  }
  if (out.length === 0) return new ValueError('E_SCHEMA', 'an empty criterion matches nothing');
  if (out.length > MAX_TERMS)
    return new ValueError('E_RANGE', `more than ${MAX_TERMS} terms in one criterion`);
  return out;
}

function numberOf(spec: NumericSpec, text: string, whole: string): number | ValueError {
  const t = text.toLowerCase();
  const named = spec.names?.get(t);
  if (named !== undefined) return named;
  const n = /^[0-9]{1,10}$/.test(t) ? Number(t) : /^0x[0-9a-f]{1,8}$/.test(t) ? Number(t) : NaN;
  if (Number.isNaN(n)) {
    const hint =
      spec.names === undefined ? '' : ` (or one of: ${[...spec.names.keys()].join(', ')})`;
    return new ValueError(
      'E_FLOW',
      `${quoteValue(whole)}: unknown value "${text}", expected a number${hint}`,
    );
  }
  if (n > spec.max)
    return new ValueError('E_RANGE', `${quoteValue(whole)}: ${n} out of range (0-${spec.max})`);
  return n;
}

/** One `op value` atom as the intervals it allows within [0, max]. */
function atomIntervals(spec: NumericSpec, atom: string, whole: string): Interval[] | ValueError {
  const m = /^(>=|<=|!=|=|>|<)?(.+)$/.exec(atom);
  const range = /^([0-9]+)-([0-9]+)$/.exec(atom);
  if (range !== null) {
    const lo = numberOf(spec, range[1] ?? '', whole);
    const hi = numberOf(spec, range[2] ?? '', whole);
    if (lo instanceof ValueError) return lo;
    if (hi instanceof ValueError) return hi;
    return lo <= hi ? [[lo, hi]] : [];
  }
  if (m === null) return new ValueError('E_FLOW', `${quoteValue(whole)}: invalid operator`);
  const n = numberOf(spec, m[2] ?? '', whole);
  if (n instanceof ValueError) return n;
  const max = spec.max;
  const cut = (lo: number, hi: number): Interval[] => (lo <= hi ? [[lo, hi]] : []);
  switch (m[1] ?? '=') {
    case '>':
      return cut(n + 1, max);
    case '>=':
      return cut(n, max);
    case '<':
      return cut(0, n - 1);
    case '<=':
      return cut(0, n);
    case '!=':
      return [...cut(0, n - 1), ...cut(n + 1, max)];
    default:
      return [[n, n]];
  }
}

function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [alo, ahi] of a)
    for (const [blo, bhi] of b) {
      const lo = Math.max(alo, blo);
      const hi = Math.min(ahi, bhi);
      if (lo <= hi) out.push([lo, hi]);
    }
  return out;
}

function merge(all: Interval[]): Interval[] {
  const sorted = [...all].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function intervalText(spec: NumericSpec, [lo, hi]: Interval): string {
  if (lo === hi) return `=${spec.showNames?.get(lo) ?? lo}`;
  if (lo === 0) return `<=${hi}`;
  if (hi === spec.max) return `>=${lo}`;
  return `>=${lo}&<=${hi}`;
}

function canonicalNumeric(spec: NumericSpec, terms: readonly string[]): string[] | ValueError {
  const all: Interval[] = [];
  for (const term of terms) {
    let set: Interval[] = [[0, spec.max]];
    for (const atom of term.split('&')) {
      const r = atomIntervals(spec, atom, term);
      if (r instanceof ValueError) return r;
      set = intersect(set, r);
    }
    if (set.length === 0)
      return new ValueError(
        'E_FLOW',
        `${quoteValue(term)}: contradictory operators, no value matches`,
      );
    all.push(...set);
  }
  const merged = merge(all);
  const only = merged[0];
  if (merged.length === 1 && only !== undefined && only[0] === 0 && only[1] === spec.max)
    return new ValueError(
      'E_FLOW',
      `${quoteValue(terms.join(' '))}: matches every value, leave the criterion out instead`,
    );
  return merged.map((iv) => intervalText(spec, iv));
}

function bitsOf(spec: BinarySpec, text: string, whole: string): number | ValueError {
  let value = 0;
  for (const part of text.toLowerCase().split('+')) {
    if (part === 'not-a-fragment')
      return new ValueError(
        'E_FLOW',
        `${quoteValue(whole)}: not-a-fragment was removed in exabgp 5.0, write "!is-fragment"`,
      );
    const named = spec.bits.find(([n]) => n === part || (n === 'urg' && part === 'urgent'));
    const n = named?.[1] ?? (/^(0x[0-9a-f]{1,4}|[0-9]{1,5})$/.test(part) ? Number(part) : NaN);
    if (Number.isNaN(n)) {
      const names = spec.bits.map(([name]) => name).join(', ');
      return new ValueError('E_FLOW', `${quoteValue(whole)}: unknown name "${part}" (${names})`);
    }
    if (n === 0 || n > spec.max)
      return new ValueError('E_RANGE', `${quoteValue(whole)}: ${n} out of range (1-${spec.max})`);
    value |= n;
  }
  return value;
}

function bitsText(spec: BinarySpec, value: number): string {
  const names: string[] = [];
  let rest = value;
  for (const [name, bit] of spec.bits) {
    if ((rest & bit) !== 0) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) names.push(String(rest));
  return names.join('+');
}

/** Binary atoms: `syn` (any of), `=syn` (exactly), `!syn` (none of), `!=syn` (not exactly). */
function canonicalBinary(spec: BinarySpec, terms: readonly string[]): string[] | ValueError {
  const out = new Set<string>();
  for (const term of terms) {
    const atoms = new Map<string, string>();
    for (const atom of term.split('&')) {
      const m = /^(!=|=|!)?(.+)$/.exec(atom);
      const bits = bitsOf(spec, m?.[2] ?? '', term);
      if (bits instanceof ValueError) return bits;
      const op = m?.[1] ?? '';
      const text = `${op}${bitsText(spec, bits)}`;
      const opposite = op === '' ? '!' : op === '!' ? '' : op === '=' ? '!=' : '=';
      if (atoms.has(`${opposite}${bitsText(spec, bits)}`))
        return new ValueError(
          'E_FLOW',
          `${quoteValue(term)}: contradictory operators, no packet matches`,
        );
      atoms.set(text, text);
    }
    const sorted = [...atoms.keys()].sort();
    out.add(sorted.join('&'));
  }
  return [...out].sort();
}

/**
 * The canonical terms of one component from its YAML value (number, text in ExaBGP operator
 * syntax or `lo-hi`, names, or a list of those).
 * @example canonicalTerms('destination-port', [53, '8000-8080']) // ['=53', '>=8000&<=8080']
 */
export function canonicalTerms(name: FlowComponentName, v: unknown): string[] | ValueError {
  const spec = COMPONENT_SPECS[name];
  if (spec.kind === 'prefix') {
    const p = canonicalFlowPrefix(Array.isArray(v) && v.length === 1 ? (v[0] as unknown) : v);
    return p instanceof ValueError ? p : [p.text];
  }
  const terms = termTexts(v);
  if (terms instanceof ValueError) return terms;
  return spec.kind === 'numeric' ? canonicalNumeric(spec, terms) : canonicalBinary(spec, terms);
}
