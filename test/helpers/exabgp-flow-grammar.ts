// A strict, independent checker for the FlowSpec lines the reconciler may emit, replaying ExaBGP
// 4.2.21 / 5.0.13 (configuration/flow/{route,match,then,parser}.py; identical keyword tables in
// both, exabgp5.md §2.2, except that 5.0 dropped `not-a-fragment`): the block form
// `[neighbor IP ]announce|withdraw flow route { [rd X; ][next-hop Y; ]match { ... } [then { ... }] }`.
import { isIPv4, isIPv6 } from 'node:net';

export interface ParsedFlowLine {
  readonly neighbor?: string;
  readonly action: 'announce' | 'withdraw';
  readonly afi: 'ipv4' | 'ipv6';
  readonly rd?: string;
  readonly nextHop?: string;
  /** `name value` per match statement, in line order. */
  readonly match: readonly string[];
  /** `name[ value]` per then statement, in line order. */
  readonly then: readonly string[];
}

const PROTOCOL_NAMES = [
  'icmp',
  'igmp',
  'tcp',
  'egp',
  'udp',
  'rsvp',
  'gre',
  'esp',
  'ah',
  'ospf',
  'ipip',
  'pim',
  'sctp',
];
const TCP = ['fin', 'syn', 'rst', 'push', 'ack', 'urg', 'urgent', 'ece', 'cwr', 'ns'];
const FRAGMENT_42 = [
  'not-a-fragment',
  'dont-fragment',
  'is-fragment',
  'first-fragment',
  'last-fragment',
];

type Check = (value: string) => boolean;
const num =
  (max: number, names: readonly string[] = []): Check =>
  (v) =>
    names.includes(v) || (/^\d+$/.test(v) && Number(v) <= max);
const bits =
  (names: readonly string[]): Check =>
  (v) =>
    v.split('+').every((p) => names.includes(p) || (/^\d+$/.test(p) && Number(p) <= 0xffff));

interface Component {
  readonly kind: 'numeric' | 'binary' | 'prefix';
  readonly value: Check;
  readonly afi?: 'ipv4' | 'ipv6';
}
const NUMERIC = (max: number, names?: readonly string[], afi?: 'ipv4' | 'ipv6'): Component => ({
  kind: 'numeric',
  value: num(max, names),
  ...(afi === undefined ? {} : { afi }),
});

function components(dialect: '4.2' | '5.0'): Record<string, Component> {
  const fragments = dialect === '5.0' ? FRAGMENT_42.slice(1) : FRAGMENT_42;
  return {
    destination: { kind: 'prefix', value: () => true },
    source: { kind: 'prefix', value: () => true },
    protocol: NUMERIC(255, PROTOCOL_NAMES, 'ipv4'),
    'next-header': NUMERIC(255, PROTOCOL_NAMES, 'ipv6'),
    port: NUMERIC(65535),
    'destination-port': NUMERIC(65535),
    'source-port': NUMERIC(65535),
    'icmp-type': NUMERIC(255),
    'icmp-code': NUMERIC(255),
    'tcp-flags': { kind: 'binary', value: bits(TCP) },
    'packet-length': NUMERIC(65535),
    dscp: NUMERIC(63, [], 'ipv4'),
    'traffic-class': NUMERIC(255, [], 'ipv6'),
    fragment: { kind: 'binary', value: bits(fragments) },
    'flow-label': NUMERIC(0xfffff, [], 'ipv6'),
  };
}

/** ExaBGP's _generic_condition on one token: `op value(&op value)*`. */
function isCondition(token: string, c: Component): boolean {
  const atoms = token.split('&');
  return atoms.every((atom, i) => {
    if (atom === '') return false;
    if (i > 0 && atom === '') return false;
    const m =
      c.kind === 'numeric' ? /^(>=|<=|!=|=|>|<)?(.+)$/.exec(atom) : /^(!=|=|!)?(.+)$/.exec(atom);
    return m !== null && c.value(m[2] ?? '');
  });
}

/** `addr/len`; returns its family. */
function prefixAfi(t: string): 'ipv4' | 'ipv6' | undefined {
  const parts = t.split('/');
  const [addr = '', len = ''] = parts;
  if (isIPv4(addr) && parts.length === 2 && Number(len) <= 32) return 'ipv4';
  // an offset (`/len/offset`, non-zero) makes BIRD reset the session: never emitted
  if (isIPv6(addr) && parts.length === 2 && Number(len) <= 128) return 'ipv6';
  return undefined;
}

function isRd(t: string): boolean {
  const m = /^(.+):(\d+)$/.exec(t);
  return m !== null && (/^\d+$/.test(m[1] ?? '') || isIPv4(m[1] ?? ''));
}

const ip = (t: string | undefined): boolean => t !== undefined && (isIPv4(t) || isIPv6(t));

const ACTIONS: Record<string, (v: readonly string[]) => boolean> = {
  accept: (v) => v.length === 0,
  discard: (v) => v.length === 0,
  'rate-limit': (v) => v.length === 1 && /^\d+$/.test(v[0] ?? ''),
  redirect: (v) => v.length === 1 && (/^\d+:\d+$/.test(v[0] ?? '') || ip(v[0])),
  'redirect-to-nexthop': (v) => v.length === 0,
  'redirect-to-nexthop-ietf': (v) => v.length === 1 && ip(v[0]),
  copy: (v) => v.length === 1 && ip(v[0]),
  mark: (v) => v.length === 1 && /^\d+$/.test(v[0] ?? '') && Number(v[0]) <= 63,
  action: (v) => v.length === 1 && ['sample', 'terminal', 'sample-terminal'].includes(v[0] ?? ''),
  community: (v) => v.length >= 3 && v[0] === '[' && v[v.length - 1] === ']',
  'large-community': (v) => v.length >= 3 && v[0] === '[' && v[v.length - 1] === ']',
  'extended-community': (v) => v.length >= 3 && v[0] === '[' && v[v.length - 1] === ']',
};

/** Statements of a `{ a b; c; }` block starting after its `{`; returns them and the index after `}`. */
function block(
  tokens: readonly string[],
  i: number,
): { statements: string[][]; next: number } | string {
  const statements: string[][] = [];
  let current: string[] = [];
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j] ?? '';
    if (t === '}') return current.length > 0 ? 'statement without ;' : { statements, next: j + 1 };
    if (t === ';') {
      if (current.length === 0) return 'empty statement';
      statements.push(current);
      current = [];
    } else if (t === '{') return 'nested block';
    else current.push(t);
  }
  return 'unterminated block';
}

/** Parse a flow line as ExaBGP would, or return why it is not one the reconciler may emit. */
export function parseExabgpFlowLine(
  line: string,
  dialect: '4.2' | '5.0' = '4.2',
): ParsedFlowLine | string {
  if (!/^[ -~]+$/.test(line) || /#| {2}|^ | $|[A-Z]/.test(line))
    return 'forbidden character, case or spacing';
  // ExaBGP's tokeniser splits `;` off the word before it (`53;` → `53`, `;`)
  if (/ ;|;(?! )/.test(line.replace(/; }$/, '; '))) return 'bad spacing around ;';
  const tokens = line.replace(/;/g, ' ;').split(' ');
  if (tokens.includes('json')) return 'a standalone json token';
  let i = 0;
  let neighbor: string | undefined;
  if (tokens[0] === 'neighbor') {
    neighbor = tokens[1];
    if (!ip(neighbor)) return 'bad neighbor';
    i = 2;
  }
  const action = tokens[i];
  if (
    (action !== 'announce' && action !== 'withdraw') ||
    tokens[i + 1] !== 'flow' ||
    tokens[i + 2] !== 'route' ||
    tokens[i + 3] !== '{'
  )
    return 'not an announce/withdraw flow route { } command';
  if (tokens[tokens.length - 1] !== '}') return 'line does not end the route block';
  const table = components(dialect);
  let j = i + 4;
  let rd: string | undefined;
  let nextHop: string | undefined;
  const match: string[] = [];
  const then: string[] = [];
  let afi: 'ipv4' | 'ipv6' | undefined;
  while (j < tokens.length - 1) {
    const word = tokens[j];
    if (word === 'rd' || word === 'next-hop') {
      const v = tokens[j + 1] ?? '';
      if (tokens[j + 2] !== ';') return `${word} without ;`;
      if (word === 'rd' ? !isRd(v) : !ip(v)) return `bad ${word}`;
      if (word === 'rd') rd = v;
      else nextHop = v;
      j += 3;
      continue;
    }
    if ((word !== 'match' && word !== 'then') || tokens[j + 1] !== '{')
      return `unexpected "${word}"`;
    const b = block(tokens, j + 2);
    if (typeof b === 'string') return b;
    for (const [name = '', ...rest] of b.statements) {
      if (word === 'then') {
        const ok = ACTIONS[name];
        if (ok === undefined || !ok(rest)) return `bad action "${[name, ...rest].join(' ')}"`;
        then.push([name, ...rest].join(' '));
        continue;
      }
      const c = table[name];
      if (c === undefined) return `unknown match component "${name}"`;
      const values = rest[0] === '[' && rest[rest.length - 1] === ']' ? rest.slice(1, -1) : rest;
      if (values.length === 0 || (values.length > 1 && rest[0] !== '['))
        return `bad value for ${name}`;
      if (c.kind === 'prefix') {
        const a = values.length === 1 ? prefixAfi(values[0] ?? '') : undefined;
        if (a === undefined || (afi !== undefined && a !== afi))
          return `bad or mixed-family ${name}`;
        afi = a;
      } else if (!values.every((v) => isCondition(v, c))) return `bad condition for ${name}`;
      if (c.afi !== undefined) {
        if (afi !== undefined && afi !== c.afi) return `${name} in an ${afi} rule`;
        afi ??= c.afi;
      }
      match.push([name, ...rest].join(' '));
    }
    j = b.next;
  }
  if (match.length === 0) return 'no match';
  if (action === 'announce' && then.length === 0) return 'announce without then';
  if (then.includes('redirect-to-nexthop') && nextHop === undefined)
    return 'redirect-to-nexthop without next-hop';
  return {
    ...(neighbor !== undefined ? { neighbor } : {}),
    action,
    afi: afi ?? 'ipv4',
    ...(rd !== undefined ? { rd } : {}),
    ...(nextHop !== undefined ? { nextHop } : {}),
    match,
    then,
  };
}
