// ExaBGP flow text → the plain match/then data that flow-rule.ts canonicalises: the canonical texts
// of a flow route (its key's match, its value) and the `announce|withdraw flow route ...` lines the
// classic endpoint accepts, in the single-line and `{ match { } then { } }` forms. No I/O.
import { FLOW_ACTIONS, FLOW_COMPONENTS, type FlowRule } from '../core/flow.js';
import type { Afi } from '../core/route.js';
import { parseAddress } from './address.js';
import { canonicalFlow, type FlowIssue } from './flow-rule.js';

type Mutable = Record<string, unknown>;

export interface FlowWords {
  readonly match: Mutable;
  readonly then: Mutable;
  readonly rd?: string;
  readonly nextHop?: string;
}

const COMPONENT_WORDS = new Set<string>([
  ...FLOW_COMPONENTS.map(([n]) => n),
  'source-ipv4',
  'source-ipv6',
  'destination-ipv4',
  'destination-ipv6',
]);
const ACTION_WORDS = new Set<string>(FLOW_ACTIONS);
/** Actions without a value in ExaBGP's grammar. */
const BARE = new Set(['accept', 'discard', 'redirect-to-nexthop']);
const LIST_ACTIONS = new Set(['community', 'large-community', 'extended-community']);

/** Split on white space, `;`, `{` and `}` (each its own token), as ExaBGP's tokeniser does. */
export function flowTokens(text: string): string[] {
  return text
    .replace(/([;{}])/g, ' $1 ')
    .split(/\s+/)
    .filter((t) => t !== '');
}

/** `[ a b ]` or one token at i: the values and the index after them, or a reason. */
function readValue(
  tokens: readonly string[],
  i: number,
): { values: string[]; next: number } | string {
  const t = tokens[i];
  if (t === undefined || t === ';' || t === '{' || t === '}') return 'missing value';
  if (t !== '[') return { values: [t], next: i + 1 };
  const values: string[] = [];
  let j = i + 1;
  while (tokens[j] !== undefined && tokens[j] !== ']') values.push(tokens[j++] ?? '');
  if (tokens[j] !== ']') return 'unterminated [ list';
  return { values, next: j + 1 };
}

/**
 * The match/then words of flow text (structure keywords and `;{}` are skipped).
 * @example readFlowWords(flowTokens('destination 10.0.0.0/8 protocol =udp discard'))
 */
export function readFlowWords(tokens: readonly string[]): FlowWords | string {
  const match: Mutable = {};
  const then: Mutable = {};
  let rd: string | undefined;
  let nextHop: string | undefined;
  let i = 0;
  while (i < tokens.length) {
    const word = tokens[i] ?? '';
    if (['{', '}', ';', 'match', 'then', 'route', 'scope'].includes(word)) {
      i += 1;
      continue;
    }
    if (BARE.has(word)) {
      // our value text gives redirect-to-nexthop its address; ExaBGP's gives it as next-hop
      const next = tokens[i + 1];
      if (
        word === 'redirect-to-nexthop' &&
        next !== undefined &&
        parseAddress(next) !== undefined
      ) {
        then[word] = next;
        i += 2;
      } else {
        then[word] = true;
        i += 1;
      }
      continue;
    }
    const known = ['rd', 'route-distinguisher', 'next-hop'].includes(word);
    if (!known && !COMPONENT_WORDS.has(word) && !ACTION_WORDS.has(word))
      return `unknown word "${word}"`;
    const v = readValue(tokens, i + 1);
    if (typeof v === 'string') return `${word}: ${v}`;
    i = v.next;
    const one = v.values.length === 1 ? v.values[0] : undefined;
    if (word === 'rd' || word === 'route-distinguisher') rd = one ?? '';
    else if (word === 'next-hop') nextHop = one ?? '';
    else if (COMPONENT_WORDS.has(word)) match[word] = v.values;
    else if (LIST_ACTIONS.has(word)) then[word] = v.values;
    else then[word] = /^[0-9]+$/.test(one ?? '') ? Number(one) : one;
  }
  if (then['redirect-to-nexthop'] === true && nextHop !== undefined)
    then['redirect-to-nexthop'] = nextHop;
  return {
    match,
    then,
    ...(rd === undefined ? {} : { rd }),
    ...(nextHop === undefined ? {} : { nextHop }),
  };
}

/**
 * The rule of a flow route from its canonical texts (a ledger row, a dump), or undefined when
 * they do not read back to exactly the same texts.
 */
export function flowRuleFromTexts(
  matchText: string,
  valueText: string,
): { afi: Afi; rule: FlowRule } | undefined {
  const m = readFlowWords(flowTokens(matchText));
  const t = readFlowWords(flowTokens(valueText));
  if (typeof m === 'string' || typeof t === 'string') return undefined;
  const issues: FlowIssue[] = [];
  const flow = canonicalFlow(m.match, t.then, issues);
  return issues.length === 0 ? flow : undefined;
}
