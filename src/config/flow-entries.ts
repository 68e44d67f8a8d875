// A schema-valid document's `flows` list → canonical flow Routes (safi flow / flow-vpn) plus
// semantic diagnostics: components, families, actions, neighbors, rd, duplicate keys. No I/O.
import { selectionOf, selects } from './speakers.js';
import type { FleetScope } from './entries.js';
import { entryExpiry } from './expiry.js';
import { checksForFlows } from './entries.js';
import { entryHealth } from './health.js';
import { flowMatchText, flowThenText, type FlowRule } from '../core/flow.js';
import {
  ALL_NEIGHBORS,
  FLOW_ATTRIBUTES,
  routeKey,
  type Afi,
  type Route,
  type RouteKey,
  type SourceRef,
} from '../core/route.js';
import { quoteValue } from '../core/diagnostic.js';
import { parseAddress } from './address.js';
import { parseRd, ValueError } from './attributes.js';
import type { EntrySink } from './entry-checks.js';
import { canonicalFlow, type FlowIssue } from './flow-rule.js';
import type { Position } from './locate.js';

type Raw = Readonly<Record<string, unknown>>;

/** Bound on a flow's command text: far below ExaBGP's line limit and the 4095-byte NLRI limit. */
export const MAX_FLOW_TEXT = 3000;

/**
 * One flow Route, always built by the same literal shape.
 * @example flowRoute('*', 'ipv4', undefined, rule, source).prefix // 'destination 192.0.2.1/32 ...'
 */
export function flowRoute(
  target: string,
  afi: Afi,
  rd: string | undefined,
  rule: FlowRule,
  source?: SourceRef,
): Route {
  const prefix = flowMatchText(rule.match);
  const value = flowThenText(rule.then);
  const base = { target, afi, safi: rd === undefined ? ('flow' as const) : ('flow-vpn' as const) };
  const withRd = rd === undefined ? base : { ...base, rd };
  const route: Route = { ...withRd, prefix, attributes: FLOW_ATTRIBUTES, value, flow: rule };
  return source === undefined ? route : { ...route, source };
}

function targetsOf(sink: EntrySink, i: number, v: unknown): string[] {
  if (!Array.isArray(v)) return [ALL_NEIGHBORS];
  const out = new Set<string>();
  v.forEach((n: unknown, j) => {
    const a = typeof n === 'string' ? parseAddress(n) : undefined;
    if (a === undefined)
      sink.report(
        'E_ADDRESS',
        'error',
        ['flows', i, 'neighbors', j],
        `${quoteValue(n)}: invalid neighbor address`,
      );
    else out.add(a.address);
  });
  return [...out];
}

/**
 * Build the flow Routes of a schema-valid document; `positions[i]` is where flow entry i starts.
 * Returns the routes even when problems were reported (the caller decides).
 */
export function buildDocumentFlows(
  flows: readonly Raw[],
  sink: EntrySink,
  positions: readonly Position[],
  fleet?: FleetScope,
): Route[] {
  const routes: Route[] = [];
  const seen = new Map<RouteKey, number>();
  for (let i = 0; i < flows.length && !sink.stopped; i++) {
    const entry = flows[i] ?? {};
    const issues: FlowIssue[] = [];
    const { afi, rule } = canonicalFlow(entry['match'], entry['then'], issues);
    let rd: string | undefined;
    if (entry['rd'] !== undefined) {
      const r = parseRd(entry['rd']);
      if (r instanceof ValueError) issues.push({ code: r.code, path: ['rd'], message: r.message });
      else rd = r;
    }
    for (const issue of issues)
      sink.report(issue.code, 'error', ['flows', i, ...issue.path], issue.message);
    const targets = targetsOf(sink, i, entry['neighbors']);
    const expiry = entryExpiry(entry, sink, ['flows', i]);
    const health = entryHealth(
      entry,
      undefined,
      checksForFlows(flows),
      sink,
      ['flows', i],
      undefined,
    );
    // Fleet: `speakers` / `speaker-selector` as on routes (defaults do not apply to flows).
    const selection = selectionOf(entry);
    const inventory = fleet?.inventory;
    if (selection !== undefined && fleet?.refuseSelection !== undefined)
      sink.report(
        'E_SELECTOR',
        'error',
        ['flows', i, selection.speakers !== undefined ? 'speakers' : 'speaker-selector'],
        fleet.refuseSelection,
      );
    else if (
      selection !== undefined &&
      inventory !== undefined &&
      !inventory.some((s) => selects(selection, s))
    )
      sink.report(
        'E_SELECTOR',
        'error',
        ['flows', i, selection.speakers !== undefined ? 'speakers' : 'speaker-selector'],
        `selects no speaker of the inventory (${inventory.map((s) => s.name).join(', ')})`,
      );
    if (issues.length > 0) continue;
    if (fleet?.speaker !== undefined && !selects(selection, fleet.speaker)) continue;
    const at = positions[i] ?? { line: 0, col: 0 };
    const source = { source: sink.source, line: at.line, col: at.col };
    const first = flowRoute(ALL_NEIGHBORS, afi, rd, rule, source);
    if (first.prefix.length + first.value.length > MAX_FLOW_TEXT) {
      sink.report(
        'E_UPDATE_TOO_LARGE',
        'error',
        ['flows', i],
        `the rule is longer than ${MAX_FLOW_TEXT} characters of match and actions`,
      );
      continue;
    }
    for (const target of targets) {
      const targeted = target === ALL_NEIGHBORS ? first : { ...first, target };
      const expiring = expiry === undefined ? targeted : { ...targeted, expiry };
      const route = health === undefined ? expiring : { ...expiring, health };
      const key = routeKey(route);
      const before = seen.get(key);
      if (before !== undefined) {
        sink.report(
          'E_DUPLICATE_ROUTE',
          'error',
          ['flows', i],
          ([p = { line: 0, col: 0 }]) =>
            `${key}: duplicate flow, first declared at ${sink.source}:${p.line}:${p.col}`,
          [['flows', before]],
        );
        continue;
      }
      seen.set(key, i);
      routes.push(route);
    }
  }
  return routes;
}
