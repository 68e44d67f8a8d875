// FlowSpec rules of a Plan → ExaBGP `announce flow route { ... }` / `withdraw flow route { ... }`
// lines (exabgp-api.md §4). One rule per line, never mixed with unicast; the block form is the one
// both 4.2.21 and 5.0.13 parse with rd and next-hop (their flow keyword tables are identical,
// exabgp5.md §2.2), so the spelling does not depend on the dialect. Pure: never writes.
import { bug } from '../errors.js';
import type { FlowAction, FlowRule } from '../core/flow.js';
import { replacedWithdrawKeys, type Plan } from '../core/plan.js';
import {
  ALL_NEIGHBORS,
  compareRoutes,
  isFlowRoute,
  ribKey,
  routeKey,
  type Route,
  type RouteKey,
} from '../core/route.js';
import type { CommandLine, EncodeOptions } from './encode.js';

/** A flow line never comes near this (config/flow-entries.ts bounds the rule text to 3000). */
export const MAX_FLOW_LINE_BYTES = 8 * 1024;

function selector(r: Route): string {
  return r.target === ALL_NEIGHBORS ? '' : `neighbor ${r.target} `;
}

function ruleOf(r: Route): FlowRule {
  if (r.flow === undefined) throw bug(`flow route without its rule: ${routeKey(r)}`);
  return r.flow;
}

function matchBlock(rule: FlowRule): string {
  const parts = rule.match.map((c) => {
    const v = c.terms.length === 1 ? (c.terms[0] ?? '') : `[ ${c.terms.join(' ')} ]`;
    return `${c.name} ${v}; `;
  });
  return `match { ${parts.join('')}}`;
}

function actionStatement(a: FlowAction): string {
  // redirect-to-nexthop takes its address as the route's next-hop (written before match)
  if (a.name === 'redirect-to-nexthop' || a.value === undefined) return `${a.name}; `;
  if (typeof a.value === 'string') return `${a.name} ${a.value}; `;
  return `${a.name} [ ${a.value.join(' ')} ]; `;
}

function thenBlock(rule: FlowRule): string {
  return `then { ${rule.then.map(actionStatement).join('')}}`;
}

function head(r: Route, rule: FlowRule, withNextHop: boolean): string {
  const rd = r.rd === undefined ? '' : `rd ${r.rd}; `;
  const nh = rule.then.find((a) => a.name === 'redirect-to-nexthop')?.value;
  return `${rd}${withNextHop && typeof nh === 'string' ? `next-hop ${nh}; ` : ''}`;
}

/** Words ExaBGP dispatches on by substring (as in encode.ts), and anything outside the grammar. */
const UNSAFE_BODY =
  /[^ -~]|#|(?:^| )(?:version|teardown|shutdown|restart|reset|reload|help|crash|show|clear|flush|watchdog|name|split|withdraw|announce|json|silence-ack|enable-ack|disable-ack)(?: |;|$)/;
const SAFE_TARGET = /^(\*|[0-9a-f.:]+)$/;

/**
 * One flow line with its neighbor selector.
 * @example
 * encodeFlow('announce', r) // 'announce flow route { match { destination 192.0.2.1/32; } then { discard; } }'
 * encodeFlow('withdraw', r) // 'withdraw flow route { match { destination 192.0.2.1/32; } }'
 */
export function encodeFlow(action: 'announce' | 'withdraw', r: Route): string {
  const rule = ruleOf(r);
  const body =
    action === 'announce'
      ? `${head(r, rule, true)}${matchBlock(rule)} ${thenBlock(rule)}`
      : `${head(r, rule, false)}${matchBlock(rule)}`;
  if (!SAFE_TARGET.test(r.target) || UNSAFE_BODY.test(body) || body.length > MAX_FLOW_LINE_BYTES)
    throw bug(`unsafe flow text for ExaBGP: ${JSON.stringify(body.slice(0, 200))}`);
  return `${selector(r)}${action} flow route { ${body} }`;
}

/** The flow part and the rest of a plan, or undefined when the plan holds no flow. */
export function splitFlowPlan(plan: Plan): { routes: Plan; flows: Plan } | undefined {
  const anyFlow =
    plan.announce.some(isFlowRoute) ||
    plan.update.some((u) => isFlowRoute(u.after)) ||
    plan.withdraw.some(isFlowRoute) ||
    plan.reassert.some((r) => isFlowRoute(r.route));
  if (!anyFlow) return undefined;
  const part = (flow: boolean): Plan => ({
    announce: plan.announce.filter((r) => isFlowRoute(r) === flow),
    update: plan.update.filter((u) => isFlowRoute(u.after) === flow),
    withdraw: plan.withdraw.filter((r) => isFlowRoute(r) === flow),
    reassert: plan.reassert.filter((r) => isFlowRoute(r.route) === flow),
    unchanged: flow ? 0 : plan.unchanged,
  });
  return { routes: part(false), flows: part(true) };
}

/** rib key → keys of the neighbor-specific flows in the plan (what a `*` line overwrites). */
function neighborKeys(plan: Plan): Map<string, RouteKey[]> {
  const index = new Map<string, RouteKey[]>();
  const add = (r: Route): void => {
    if (r.target === ALL_NEIGHBORS) return;
    const keys = index.get(ribKey(r)) ?? [];
    if (!keys.includes(routeKey(r))) keys.push(routeKey(r));
    index.set(ribKey(r), keys);
  };
  plan.announce.forEach(add);
  plan.update.forEach((u) => add(u.after));
  plan.withdraw.forEach(add);
  plan.reassert.forEach((r) => add(r.route));
  return index;
}

/**
 * The flow part of a plan as ExaBGP lines, make-before-break like encodePlan: announces and
 * updates (an update is one `announce flow`: ExaBGP replaces the rule of the same match in
 * place), then withdraws, then re-asserts. Options are accepted for symmetry; flows never bulk.
 * @example encodeFlowPlan(plan).map((l) => l.text)
 */
export function encodeFlowPlan(plan: Plan, _options: EncodeOptions = {}): CommandLine[] {
  const touchesOf = neighborKeys(plan);
  const out: CommandLine[] = [];
  const push = (text: string, wire: Route, route: Route, commit: CommandLine['commit']): void => {
    const touches = wire.target === ALL_NEIGHBORS ? (touchesOf.get(ribKey(wire)) ?? []) : [];
    out.push(
      touches.length > 0
        ? { text, routes: [route], commit, touches }
        : { text, routes: [route], commit },
    );
  };
  const sent = [...plan.announce, ...plan.update.map((u) => u.after)].sort(compareRoutes);
  const stars = (r: Route): number => (r.target === ALL_NEIGHBORS ? 0 : 1);
  sent.sort((a, b) => stars(a) - stars(b));
  for (const r of sent) push(encodeFlow('announce', r), r, r, 'set');
  const replaced = replacedWithdrawKeys(plan);
  const withdrawn = new Map(plan.withdraw.map((r) => [routeKey(r), r] as const));
  for (const r of plan.withdraw) {
    if (!replaced.has(routeKey(r))) push(encodeFlow('withdraw', r), r, r, 'remove');
  }
  for (const r of plan.reassert) {
    if (r.reason === 'after-all-neighbors-command') {
      push(encodeFlow('announce', r.route), r.route, r.route, 'none');
      continue;
    }
    const gone = withdrawn.get(routeKey(r.route));
    if (gone === undefined) throw bug(`replace without a withdraw: ${routeKey(r.route)}`);
    push(encodeFlow('announce', r.route), r.route, gone, 'remove');
  }
  return out;
}
