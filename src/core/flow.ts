// The canonical FlowSpec rule model (RFC 8955/8956) and its texts: the match text (the route key's
// `prefix` part), the action text (the value) and the readable forms. Pure: no I/O. Canonical rules
// are built in config/flow-canonical.ts; this module only lays them out.
import type { Afi } from './route.js';

/** ExaBGP's component words, in RFC 8955 type order (ipv4 and ipv6 names share a type). */
export const FLOW_COMPONENTS = [
  ['destination', 1],
  ['source', 2],
  ['protocol', 3],
  ['next-header', 3],
  ['port', 4],
  ['destination-port', 5],
  ['source-port', 6],
  ['icmp-type', 7],
  ['icmp-code', 8],
  ['tcp-flags', 9],
  ['packet-length', 10],
  ['dscp', 11],
  ['traffic-class', 11],
  ['fragment', 12],
  ['flow-label', 13],
] as const;

export type FlowComponentName = (typeof FLOW_COMPONENTS)[number][0];

/**
 * One match component. `terms` are ORed; each is ExaBGP operator text (`=53`, `>=8000&<=8080`,
 * `=syn+ack`), or the canonical prefix for destination/source (`203.0.113.10/32`,
 * never with an IPv6 offset: config/flow-match.ts refuses a non-zero one).
 */
export interface FlowComponent {
  readonly name: FlowComponentName;
  readonly type: number;
  readonly terms: readonly string[];
}

/** ExaBGP's action words, in the canonical (value text) order. */
export const FLOW_ACTIONS = [
  'accept',
  'discard',
  'rate-limit',
  'redirect',
  'redirect-to-nexthop',
  'redirect-to-nexthop-ietf',
  'copy',
  'mark',
  'action',
  'community',
  'large-community',
  'extended-community',
] as const;

export type FlowActionName = (typeof FLOW_ACTIONS)[number];

/** One action: no value (`discard`, `accept`), one value, or a list (communities). */
export interface FlowAction {
  readonly name: FlowActionName;
  readonly value?: string | readonly string[];
}

/** A canonical rule: components in type order, actions in FLOW_ACTIONS order. */
export interface FlowRule {
  readonly match: readonly FlowComponent[];
  readonly then: readonly FlowAction[];
}

function termsText(terms: readonly string[]): string {
  return terms.length === 1 ? (terms[0] ?? '') : `[ ${terms.join(' ')} ]`;
}

/**
 * The canonical match text: the flow's `prefix` in its route key.
 * @example flowMatchText(rule.match) // 'destination 203.0.113.10/32 protocol =udp destination-port =53'
 */
export function flowMatchText(match: readonly FlowComponent[]): string {
  return match.map((c) => `${c.name} ${termsText(c.terms)}`).join(' ');
}

function actionText(a: FlowAction): string {
  if (a.value === undefined) return a.name;
  if (typeof a.value === 'string') return `${a.name} ${a.value}`;
  return `${a.name} [ ${a.value.join(' ')} ]`;
}

/**
 * The canonical action text: the flow's value.
 * @example flowThenText([{ name: 'rate-limit', value: '1000' }]) // 'rate-limit 1000'
 */
export function flowThenText(then: readonly FlowAction[]): string {
  return then.map(actionText).join(' ');
}

/** `flow` or `flow-vpn` (with a route distinguisher). */
export type FlowSafi = 'flow' | 'flow-vpn';

export function isFlowSafi(safi: string): safi is FlowSafi {
  return safi === 'flow' || safi === 'flow-vpn';
}

/** The component of a rule by name, if present. */
export function flowComponent(rule: FlowRule, name: FlowComponentName): FlowComponent | undefined {
  return rule.match.find((c) => c.name === name);
}

/** The prefix length of a destination/source component text (`10.0.0.0/8` → 8). */
export function flowPrefixLength(term: string): number {
  const parts = term.split('/');
  return Number(parts[1] ?? (term.includes(':') ? 128 : 32));
}

/** Broad-flow limits: a drop or rate-limit to a destination this wide or wider needs confirmation. */
export interface BroadFlowPolicy {
  readonly ipv4: number;
  readonly ipv6: number;
}

export const DEFAULT_BROAD_FLOW_POLICY: BroadFlowPolicy = Object.freeze({ ipv4: 8, ipv6: 32 });

/**
 * Parse `--broad-flow V4,V6` (`8,32`, `/16,/48`): the IPv4 and IPv6 prefix lengths at or under
 * which a discard or rate-limit without source or port needs confirmation; undefined if invalid.
 * @example parseBroadFlowPolicy('16,48') // { ipv4: 16, ipv6: 48 }
 */
export function parseBroadFlowPolicy(text: string): BroadFlowPolicy | undefined {
  const m = /^\/?(\d{1,2}),\/?(\d{1,3})$/.exec(text.trim());
  if (m === null) return undefined;
  const ipv4 = Number(m[1]);
  const ipv6 = Number(m[2]);
  return ipv4 <= 32 && ipv6 <= 128 ? { ipv4, ipv6 } : undefined;
}

/**
 * Why a rule is a self-inflicted outage, or undefined: it discards or rate-limits traffic to a
 * destination of `policy[afi]` bits or wider (absent = everything) with no source and no port
 * narrowing it.
 * @example broadFlowReason(rule, 'ipv4') // 'discard of 0.0.0.0/0 without source or port'
 */
export function broadFlowReason(
  rule: FlowRule,
  afi: Afi,
  policy: BroadFlowPolicy = DEFAULT_BROAD_FLOW_POLICY,
): string | undefined {
  const drop = rule.then.find((a) => a.name === 'discard' || a.name === 'rate-limit');
  if (drop === undefined) return undefined;
  const narrowing: FlowComponentName[] = ['source', 'port', 'destination-port', 'source-port'];
  if (narrowing.some((n) => flowComponent(rule, n) !== undefined)) return undefined;
  const dest = flowComponent(rule, 'destination')?.terms[0];
  const limit = policy[afi];
  const length = dest === undefined ? 0 : flowPrefixLength(dest);
  if (length > limit) return undefined;
  const what = dest ?? (afi === 'ipv4' ? '0.0.0.0/0' : '::/0');
  const verb = drop.name === 'discard' ? 'discard' : `rate-limit ${String(drop.value)}`;
  return `${verb} of ${what} (/${limit} or wider) without source or port`;
}

/** Match components as JSON: `{ destination: '203.0.113.10/32', 'destination-port': ['=53'] }`. */
export function flowMatchJson(match: readonly FlowComponent[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const c of match) {
    out[c.name] =
      c.name === 'destination' || c.name === 'source' ? (c.terms[0] ?? '') : [...c.terms];
  }
  return out;
}

/** Actions as JSON, in the route file's shape: `{ discard: true }`, `{ 'rate-limit': 1000 }`. */
export function flowThenJson(
  then: readonly FlowAction[],
): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const a of then) {
    if (a.value === undefined) out[a.name] = true;
    else if (typeof a.value !== 'string') out[a.name] = [...a.value];
    else out[a.name] = /^[0-9]+$/.test(a.value) ? Number(a.value) : a.value;
  }
  return out;
}

/** Actions as display pairs `[name, text]` (`['rate-limit', '1000']`, `['discard', 'true']`). */
export function flowThenEntries(then: readonly FlowAction[]): [string, string][] {
  return then.map((a) => [
    a.name,
    a.value === undefined
      ? 'true'
      : typeof a.value === 'string'
        ? a.value
        : `[ ${a.value.join(' ')} ]`,
  ]);
}
