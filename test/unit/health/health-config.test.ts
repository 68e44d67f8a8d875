// `checks:`, `health:` and `on-down:` in route documents: gates built, and every bad value reported
// at its file:line:col.
import { describe, expect, it } from 'vitest';
import { parseRouteDocument } from '../../../src/config/load-routes.js';
import { parseDuration } from '../../../src/config/health.js';
import { diffRoutes } from '../../../src/core/diff.js';
import { renderPlanJson, renderPlanText } from '../../../src/core/render.js';
import { routeKey } from '../../../src/core/route.js';

function load(yaml: string) {
  return parseRouteDocument('routes.d/anycast.yaml', yaml);
}

const CHECKS = `checks:
  dns:
    kind: tcp
    host: 127.0.0.1
    port: 53
    interval: 1s
    timeout: 500ms
    rise: 2
    fall: 2
  web:
    kind: http
    url: http://127.0.0.1:8080/health
    status: 200-299
    body: ok
`;

describe('health in route documents', () => {
  it('builds the gate of a route, out of its key and value', () => {
    const r = load(`${CHECKS}routes:
  - prefix: 192.0.2.53/32
    next-hop: self
    health: dns
  - prefix: 192.0.2.80/32
    next-hop: self
    health: {any: [web, dns]}
    on-down: {drain: {med: 500, community: 65535:0}}
`);
    expect(r.diagnostics).toEqual([]);
    const [a, b] = r.routes;
    expect(a?.health).toMatchObject({ op: 'all', checks: ['dns'], text: 'dns' });
    expect(a?.health?.specs[0]).toMatchObject({ name: 'dns', intervalMs: 1000, rise: 2, port: 53 });
    expect(a?.value).toBe('next-hop self');
    expect(b?.health?.text).toBe('any(dns, web) drain med 500 community [ 65535:0 ]');
    expect(b?.health?.drain).toEqual({ med: 500, community: ['65535:0'] });
  });

  it('defaults carry a gate to every route entry', () => {
    const r = load(`${CHECKS}defaults:
  next-hop: self
  health: {all: [dns, web]}
routes:
  - prefixes: [192.0.2.1/32, 192.0.2.2/32]
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.routes.map((x) => x.health?.text)).toEqual(['all(dns, web)', 'all(dns, web)']);
  });

  it('a flow may be gated (withdraw only)', () => {
    const r = load(`${CHECKS}flows:
  - match: {destination: 192.0.2.0/24}
    then: {discard: true}
    health: dns
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.routes[0]?.health?.checks).toEqual(['dns']);
  });

  it.each([
    [
      'an unknown check name',
      `${CHECKS}routes:\n  - prefix: 192.0.2.1/32\n    next-hop: self\n    health: dsn\n`,
      18,
      13,
      /"dsn": unknown check \(this document's checks: dns, web\)/,
    ],
    [
      'an unknown name in a list',
      `${CHECKS}routes:\n  - prefix: 192.0.2.1/32\n    next-hop: self\n    health: {all: [dns, nope]}\n`,
      18,
      25,
      /"nope": unknown check/,
    ],
    [
      'a tcp check without a port',
      `checks:\n  a:\n    kind: tcp\n    host: x\nroutes: []\n`,
      3,
      11,
      /a tcp check needs port/,
    ],
    [
      'a timeout longer than the interval',
      `checks:\n  a:\n    kind: exec\n    command: [/bin/true]\n    interval: 1s\n    timeout: 2s\nroutes: []\n`,
      6,
      14,
      /longer than the interval/,
    ],
    [
      'a drained flow',
      `${CHECKS}flows:\n  - match: {destination: 192.0.2.0/24}\n    then: {discard: true}\n    health: dns\n    on-down: {drain: {med: 5}}\n`,
      19,
      22,
      /a flow cannot be drained/,
    ],
    [
      'a prepend without an as-path',
      `${CHECKS}routes:\n  - prefix: 192.0.2.1/32\n    next-hop: self\n    health: dns\n    on-down: {drain: {as-path-prepend: 3}}\n`,
      19,
      40,
      /give the route an as-path/,
    ],
  ])('reports %s at its position', (_what, yaml, line, col, message) => {
    const r = load(yaml);
    expect(r.routes).toEqual([]);
    const d = r.diagnostics.find((x) => x.code === 'E_HEALTH' || x.code === 'E_SCHEMA');
    expect(d).toMatchObject({ file: 'routes.d/anycast.yaml', line, col });
    expect(d?.message).toMatch(message);
  });

  it('the schema rejects an unknown kind and an unknown parameter', () => {
    expect(load(`checks:\n  a:\n    kind: ping\nroutes: []\n`).diagnostics[0]?.code).toBe(
      'E_SCHEMA',
    );
    expect(
      load(`checks:\n  a:\n    kind: tcp\n    host: x\n    port: 1\n    retries: 3\nroutes: []\n`)
        .diagnostics[0]?.code,
    ).toBe('E_SCHEMA');
  });

  it('plan marks each gated route and by what (text and JSON)', () => {
    const r = load(`${CHECKS}routes:
  - prefix: 192.0.2.53/32
    next-hop: self
    health: {any: [web, dns]}
`);
    const plan = diffRoutes(new Map(r.routes.map((x) => [routeKey(x), x])), new Map());
    expect(renderPlanText(plan, { color: false })).toContain(
      '+ announce 192.0.2.53/32 (ipv4 unicast, all neighbors) (gated by health any(dns, web))',
    );
    expect(renderPlanJson(plan).changes[0]).toMatchObject({ health: 'any(dns, web)' });
  });

  it('parses durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1d')).toBeUndefined();
  });
});
