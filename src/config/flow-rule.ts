// A flow entry's `match` and `then` (plain data, YAML or parsed from an ExaBGP line) → the canonical
// FlowRule and its family, with issues located relative to the entry. Mirrors ExaBGP 4.2.21
// configuration/flow/{match,then,parser}.py. No I/O.
import { quoteValue } from '../core/diagnostic.js';
import {
  FLOW_ACTIONS,
  FLOW_COMPONENTS,
  type FlowAction,
  type FlowActionName,
  type FlowComponent,
  type FlowComponentName,
  type FlowRule,
} from '../core/flow.js';
import type { Afi } from '../core/route.js';
import { parseAddress } from './address.js';
import { parseUint, U16, U32, ValueError } from './attributes.js';
import {
  parseCommunities,
  parseExtendedCommunities,
  parseLargeCommunities,
} from './communities.js';
import { canonicalFlowPrefix, canonicalTerms, FAMILY_ONLY } from './flow-match.js';
import type { PathSegment } from './locate.js';

export interface FlowIssue {
  readonly code: ValueError['code'];
  /** Relative to the entry: `['match', 'destination-port']`. */
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export interface CanonicalFlow {
  readonly afi: Afi;
  readonly rule: FlowRule;
}

const TYPE_OF: ReadonlyMap<string, number> = new Map(FLOW_COMPONENTS);
/** ExaBGP's family-suffixed aliases. */
const ALIASES: ReadonlyMap<string, FlowComponentName> = new Map([
  ['source-ipv4', 'source'],
  ['source-ipv6', 'source'],
  ['destination-ipv4', 'destination'],
  ['destination-ipv6', 'destination'],
]);

type Raw = Readonly<Record<string, unknown>>;

function isRaw(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function familyOf(
  match: Raw,
  issues: FlowIssue[],
): { afi: Afi | undefined; names: Map<string, FlowComponentName> } {
  const names = new Map<string, FlowComponentName>();
  let afi: Afi | undefined;
  let first: string | undefined;
  for (const key of Object.keys(match)) {
    const name = ALIASES.get(key) ?? (TYPE_OF.has(key) ? (key as FlowComponentName) : undefined);
    if (name === undefined) {
      const known = FLOW_COMPONENTS.map(([n]) => n).join(', ');
      issues.push({
        code: 'E_FLOW',
        path: ['match', key],
        message: `unknown match component "${key}" (${known})`,
      });
      continue;
    }
    if ([...names.values()].includes(name)) {
      issues.push({ code: 'E_FLOW', path: ['match', key], message: `${name} given twice` });
      continue;
    }
    names.set(key, name);
    if (name !== 'destination' && name !== 'source') continue;
    const raw = match[key];
    const p = canonicalFlowPrefix(
      Array.isArray(raw) && raw.length === 1 ? (raw[0] as unknown) : raw,
    );
    if (p instanceof ValueError) continue; // reported with the component
    if (afi !== undefined && p.afi !== afi) {
      issues.push({
        code: 'E_FLOW',
        path: ['match', key],
        message: `${key} is ${p.afi} but ${first ?? 'the other prefix'} is ${afi}: source and destination must be of one family`,
      });
    } else {
      afi = p.afi;
      first = key;
    }
  }
  return { afi, names };
}

/** The canonical match components and the rule's family. */
function canonicalMatch(v: unknown, issues: FlowIssue[]): { afi: Afi; match: FlowComponent[] } {
  if (!isRaw(v) || Object.keys(v).length === 0) {
    issues.push({ code: 'E_FLOW', path: ['match'], message: 'match needs at least one component' });
    return { afi: 'ipv4', match: [] };
  }
  const { afi: prefixAfi, names } = familyOf(v, issues);
  const only = [...names.values()].map((n) => FAMILY_ONLY[n]).find((a) => a !== undefined);
  const afi = prefixAfi ?? only ?? 'ipv4';
  const match: FlowComponent[] = [];
  for (const [key, name] of names) {
    const family = FAMILY_ONLY[name];
    if (family !== undefined && family !== afi) {
      issues.push({
        code: 'E_FLOW',
        path: ['match', key],
        message: `${name} is ${family} only, and this rule is ${afi}`,
      });
      continue;
    }
    const terms = canonicalTerms(name, v[key]);
    if (terms instanceof ValueError) {
      const at = terms.index === undefined ? [] : [terms.index];
      issues.push({
        code: terms.code,
        path: ['match', key, ...at],
        message: `${key}: ${terms.message}`,
      });
      continue;
    }
    match.push({ name, type: TYPE_OF.get(name) ?? 0, terms });
  }
  match.sort((a, b) => a.type - b.type);
  return { afi, match };
}

function address(v: unknown, what: string): string | ValueError {
  const a = typeof v === 'string' ? parseAddress(v) : undefined;
  return a === undefined
    ? new ValueError('E_ADDRESS', `${quoteValue(v)}: invalid ${what} address`)
    : a.address;
}

/** `redirect`: `asn:number` (ExaBGP: a 4-byte asn takes a 16-bit number) or an IP next-hop. */
function redirectValue(v: unknown): string | ValueError {
  const text = typeof v === 'number' ? String(v) : v;
  if (typeof text !== 'string')
    return new ValueError('E_FLOW', `${quoteValue(v)}: invalid redirect`);
  const m = /^([0-9]{1,10}):([0-9]{1,10})$/.exec(text);
  if (m !== null) {
    const asn = Number(m[1]);
    const n = Number(m[2]);
    if (asn > U32 || (asn > U16 ? n > U16 : n > U32))
      return new ValueError(
        'E_RANGE',
        `${quoteValue(v)}: redirect out of range (asn16:u32 or asn32:u16)`,
      );
    return `${asn}:${n}`;
  }
  const ip = parseAddress(text);
  if (ip !== undefined) return ip.address;
  return new ValueError(
    'E_FLOW',
    `${quoteValue(v)}: invalid redirect (asn:number or an ip address)`,
  );
}

function flag(v: unknown, name: string): undefined | ValueError {
  return v === true ? undefined : new ValueError('E_FLOW', `${name} takes true`);
}

const ACTION_VALUE: Readonly<
  Record<FlowActionName, (v: unknown) => FlowAction['value'] | ValueError>
> = {
  accept: (v) => flag(v, 'accept'),
  discard: (v) => flag(v, 'discard'),
  'rate-limit': (v) => {
    const n = parseUint(v, 1_000_000_000_000, 'rate-limit (bytes/s)');
    return n instanceof ValueError ? n : String(n);
  },
  redirect: redirectValue,
  'redirect-to-nexthop': (v) => address(v, 'redirect-to-nexthop next-hop'),
  'redirect-to-nexthop-ietf': (v) => address(v, 'redirect-to-nexthop-ietf'),
  copy: (v) => address(v, 'copy'),
  mark: (v) => {
    const n = parseUint(v, 63, 'mark (dscp)');
    return n instanceof ValueError ? n : String(n);
  },
  action: (v) =>
    v === 'sample' || v === 'terminal' || v === 'sample-terminal'
      ? v
      : new ValueError('E_FLOW', `${quoteValue(v)}: action is sample, terminal or sample-terminal`),
  community: (v) => parseCommunities(v),
  'large-community': (v) => parseLargeCommunities(v),
  'extended-community': (v) => parseExtendedCommunities(v),
};

/** Action pairs that cannot hold together (both set the traffic rate, or both a next-hop). */
const EXCLUSIVE: readonly (readonly FlowActionName[])[] = [
  ['accept', 'discard', 'rate-limit'],
  ['redirect-to-nexthop', 'copy'],
];

const bothRedirects: FlowIssue = {
  code: 'E_FLOW',
  path: ['then'],
  message: 'contradictory actions: redirect to an address is redirect-to-nexthop; give one',
};

function canonicalThen(v: unknown, issues: FlowIssue[]): FlowAction[] {
  if (!isRaw(v) || Object.keys(v).length === 0) {
    issues.push({ code: 'E_FLOW', path: ['then'], message: 'then needs at least one action' });
    return [];
  }
  const byName = new Map<FlowActionName, FlowAction>();
  for (const key of Object.keys(v)) {
    if (!(FLOW_ACTIONS as readonly string[]).includes(key)) {
      issues.push({
        code: 'E_FLOW',
        path: ['then', key],
        message: `unknown action "${key}" (${FLOW_ACTIONS.join(', ')})`,
      });
      continue;
    }
    const name = key as FlowActionName;
    let value = ACTION_VALUE[name](v[key]);
    if (value instanceof ValueError) {
      const at = value.index === undefined ? [] : [value.index];
      issues.push({
        code: value.code,
        path: ['then', key, ...at],
        message: `${key}: ${value.message}`,
      });
      continue;
    }
    // rate-limit 0 is what ExaBGP sends for discard, and `redirect <ip>` is next-hop <ip> plus
    // redirect-to-nexthop on the wire: one rule, one spelling
    if (name === 'rate-limit' && value === '0') byName.set('discard', { name: 'discard' });
    else if (name === 'redirect' && typeof value === 'string' && !/^[0-9]+:[0-9]+$/.test(value)) {
      if (byName.has('redirect-to-nexthop')) issues.push(bothRedirects);
      byName.set('redirect-to-nexthop', { name: 'redirect-to-nexthop', value });
    } else if (name === 'redirect-to-nexthop' && byName.has(name)) issues.push(bothRedirects);
    else if (Array.isArray(value) && value.length === 0) continue;
    else byName.set(name, value === undefined ? { name } : { name, value });
    value = undefined;
  }
  for (const group of EXCLUSIVE) {
    const present = group.filter((n) => byName.has(n));
    if (present.length > 1)
      issues.push({
        code: 'E_FLOW',
        path: ['then'],
        message: `contradictory actions: ${present.join(' and ')}`,
      });
  }
  return FLOW_ACTIONS.flatMap((n) => {
    const a = byName.get(n);
    return a === undefined ? [] : [a];
  });
}

/** Addresses in actions must be of the rule's family (they become its next-hop). */
function checkActionFamily(afi: Afi, then: readonly FlowAction[], issues: FlowIssue[]): void {
  for (const a of then) {
    if (a.name !== 'redirect-to-nexthop' && a.name !== 'copy') continue;
    const ip = typeof a.value === 'string' ? parseAddress(a.value) : undefined;
    if (ip !== undefined && ip.afi !== afi)
      issues.push({
        code: 'E_NEXT_HOP_FAMILY',
        path: ['then', a.name],
        message: `${a.name} ${ip.address} is ${ip.afi}, the rule is ${afi}`,
      });
  }
}

/**
 * Canonicalise a rule; problems go to `issues` (the result is then not to be used).
 * @example canonicalFlow({ destination: '192.0.2.1/32', protocol: 'udp' }, { 'rate-limit': 1000 }, [])
 */
export function canonicalFlow(match: unknown, then: unknown, issues: FlowIssue[]): CanonicalFlow {
  const m = canonicalMatch(match, issues);
  const actions = canonicalThen(then, issues);
  checkActionFamily(m.afi, actions, issues);
  return { afi: m.afi, rule: { match: m.match, then: actions } };
}
