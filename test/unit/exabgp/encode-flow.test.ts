// Flow encoding (block form, one rule per line, never mixed with unicast), the broad-flow guard,
// and flows in the ledger across a crash.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRouteDocument } from '../../../src/config/load-routes.js';
import { diffRoutes } from '../../../src/core/diff.js';
import { evaluateGuard } from '../../../src/core/guard.js';
import { routeKey, type Route, type RouteSet } from '../../../src/core/route.js';
import { encodePlan, encodePlanText } from '../../../src/exabgp/encode.js';
import { encodeFlow } from '../../../src/exabgp/encode-flow.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { parseExabgpLine } from '../../helpers/exabgp-grammar.js';

function load(yaml: string): Route[] {
  const r = parseRouteDocument('t.yaml', yaml);
  expect(r.diagnostics).toEqual([]);
  return [...r.routes];
}

function set(routes: readonly Route[]): RouteSet {
  return new Map(routes.map((r) => [routeKey(r), r]));
}

const DNS = load(
  'flows:\n  - match: { destination: 203.0.113.10/32, protocol: udp, destination-port: 53 }\n    then: { rate-limit: 9600 }\n',
);
const DNS_FASTER = load(
  'flows:\n  - match: { destination: 203.0.113.10/32, protocol: udp, destination-port: 53 }\n    then: { rate-limit: 19200 }\n',
);

describe('encodeFlow', () => {
  it('writes the block form both versions parse', () => {
    const [r] = DNS;
    const line = encodeFlow('announce', r!);
    expect(line).toBe(
      'announce flow route { match { destination 203.0.113.10/32; protocol =udp; destination-port =53; } then { rate-limit 9600; } }',
    );
    expect(parseExabgpLine(line, '4.2')).toMatchObject({ form: 'flow', afi: 'ipv4' });
    expect(parseExabgpLine(line, '5.0')).toMatchObject({ form: 'flow', afi: 'ipv4' });
  });

  it('withdraws by the match alone, with rd and neighbor selector', () => {
    const [r] = load(
      'flows:\n  - match: { destination: 192.0.2.0/24 }\n    then: { discard: true }\n    rd: 65000:7\n    neighbors: [127.0.0.2]\n',
    );
    expect(encodeFlow('withdraw', r!)).toBe(
      'neighbor 127.0.0.2 withdraw flow route { rd 65000:7; match { destination 192.0.2.0/24; } }',
    );
  });

  it('gives redirect-to-nexthop its next-hop in the route block', () => {
    const [r] = load(
      'flows:\n  - match: { destination: 192.0.2.0/24 }\n    then: { redirect-to-nexthop: 198.51.100.1 }\n',
    );
    const line = encodeFlow('announce', r!);
    expect(line).toBe(
      'announce flow route { next-hop 198.51.100.1; match { destination 192.0.2.0/24; } then { redirect-to-nexthop; } }',
    );
    expect(typeof parseExabgpLine(line)).toBe('object');
  });

  it('refuses a rule whose text would hold a dispatch word (defence in depth)', () => {
    const [r] = DNS;
    const evil: Route = {
      ...r!,
      flow: { ...r!.flow!, then: [{ name: 'community', value: ['1:1 shutdown'] }] },
    };
    expect(() => encodeFlow('announce', evil)).toThrow(/^BUG: unsafe flow text/);
  });
});

describe('encodePlan with flows', () => {
  it('changes a rule in place: one announce, no withdraw', () => {
    const plan = diffRoutes(set(DNS_FASTER), set(DNS));
    expect(plan.update).toHaveLength(1);
    const lines = encodePlan(plan);
    expect(lines.map((l) => l.text)).toEqual([
      'announce flow route { match { destination 203.0.113.10/32; protocol =udp; destination-port =53; } then { rate-limit 19200; } }',
    ]);
    expect(lines[0]?.commit).toBe('set');
  });

  it('never puts a flow on a unicast line: unicast lines first, then one line per flow', () => {
    const routes = load(
      'routes:\n  - prefixes: [10.0.0.0/24, 10.0.1.0/24]\n    next-hop: 192.0.2.1\nflows:\n  - match: { destination: 10.0.0.0/24 }\n    then: { discard: true }\n  - match: { destination: 10.0.1.0/24 }\n    then: { discard: true }\n',
    );
    const lines = encodePlanText(diffRoutes(set(routes), new Map()));
    expect(lines).toEqual([
      'announce attributes next-hop 192.0.2.1 nlri 10.0.0.0/24 10.0.1.0/24',
      'announce flow route { match { destination 10.0.0.0/24; } then { discard; } }',
      'announce flow route { match { destination 10.0.1.0/24; } then { discard; } }',
    ]);
  });

  it('re-asserts a neighbor-specific flow after an all-neighbors withdraw of the same match', () => {
    const announced = load(
      'flows:\n  - match: { destination: 192.0.2.0/24 }\n    then: { discard: true }\n  - match: { destination: 192.0.2.0/24 }\n    then: { rate-limit: 9600 }\n    neighbors: [127.0.0.2]\n',
    );
    const desired = announced.filter((r) => r.target !== '*');
    const texts = encodePlanText(diffRoutes(set(desired), set(announced)));
    expect(texts).toEqual([
      'withdraw flow route { match { destination 192.0.2.0/24; } }',
      'neighbor 127.0.0.2 announce flow route { match { destination 192.0.2.0/24; } then { rate-limit 9600; } }',
    ]);
  });
});

describe('the broad-flow guard', () => {
  it.each([
    [
      'discard of 0.0.0.0/0',
      'match: { destination: 0.0.0.0/0 }\n    then: { discard: true }',
      true,
    ],
    ['a rule without destination', 'match: { protocol: udp }\n    then: { rate-limit: 100 }', true],
    [
      'rate-limit of a /8',
      'match: { destination: 10.0.0.0/8 }\n    then: { rate-limit: 100 }',
      true,
    ],
    ['discard of ::/0', "match: { destination: '::/0' }\n    then: { discard: true }", true],
    ['a /9', 'match: { destination: 10.0.0.0/9 }\n    then: { discard: true }', false],
    [
      'a /8 narrowed by a port',
      'match: { destination: 10.0.0.0/8, destination-port: 53 }\n    then: { discard: true }',
      false,
    ],
    [
      'a /8 narrowed by a source',
      'match: { destination: 10.0.0.0/8, source: 192.0.2.1 }\n    then: { discard: true }',
      false,
    ],
    [
      'a redirect of 0.0.0.0/0',
      "match: { destination: 0.0.0.0/0 }\n    then: { redirect: '65000:1' }",
      false,
    ],
  ])('%s: tripped=%s', (_name, body, tripped) => {
    const plan = diffRoutes(set(load(`flows:\n  - ${body}\n`)), new Map());
    const verdict = evaluateGuard(plan, 0);
    expect(verdict.tripped).toBe(tripped);
    if (tripped) expect(verdict.kind).toBe('broad-flow');
  });

  it('takes its limits from the policy', () => {
    const plan = diffRoutes(
      set(load('flows:\n  - match: { destination: 10.0.0.0/16 }\n    then: { discard: true }\n')),
      new Map(),
    );
    const policy = { minAnnouncedForShare: 11, broadFlow: { ipv4: 16, ipv6: 48 } };
    expect(evaluateGuard(plan, 0, policy).reason).toMatch(
      /discard of 10\.0\.0\.0\/16 \(\/16 or wider\)/,
    );
  });

  it('does not hold again a broad flow accepted before (re-announced after an ExaBGP restart)', () => {
    const broad = load(
      'flows:\n  - match: { destination: 0.0.0.0/0 }\n    then: { discard: true }\n',
    );
    const plan = diffRoutes(set(broad), new Map());
    const key = routeKey(broad[0]!);
    expect(evaluateGuard(plan, 0, undefined, { accepted: (k) => k === key }).tripped).toBe(false);
    expect(evaluateGuard(plan, 0, undefined, { accepted: () => false }).tripped).toBe(true);
  });

  it('counts flows in the mass-withdraw rule', () => {
    const plan = diffRoutes(new Map(), set(DNS));
    expect(evaluateGuard(plan, 1)).toMatchObject({ tripped: true, withdrawCount: 1 });
  });
});

describe('flows in the ledger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-flow-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps announced flows and pending intents across a crash, rule and all', () => {
    const [dns] = DNS;
    const [other] = load(
      "flows:\n  - match: { destination: '2001:db8::/64', tcp-flags: [syn, '=syn+ack'] }\n    then: { 'redirect-to-nexthop': '2001:db8::1', community: [65000:1] }\n",
    );
    const crashed = Ledger.open(dir);
    crashed.markPending([{ route: dns!, commit: 'set' }]);
    crashed.markPending([{ route: other!, commit: 'set' }]);
    crashed.settle([
      { kind: 'set', route: dns! },
      { kind: 'clear', key: routeKey(dns!) },
    ]);
    // kill -9 here: no close
    const ledger = Ledger.open(dir);
    expect(ledger.announced.get(routeKey(dns!))?.value).toBe('rate-limit 9600');
    expect(ledger.announced.get(routeKey(dns!))?.flow).toEqual(dns!.flow);
    expect(ledger.pendingKeys).toEqual(new Set([routeKey(other!)]));
    const plan = diffRoutes(set([dns!, other!]), ledger.announcedForDiff(), {
      unknown: ledger.pendingKeys,
    });
    expect(plan.announce.map(routeKey)).toEqual([routeKey(other!)]);
    expect(plan.announce[0]?.flow).toEqual(other!.flow);
    crashed.close();
    ledger.close();
  });
});
