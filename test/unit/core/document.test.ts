// routesToDocument is the exact inverse of the loader: routes → document → parseRouteDocument gives
// back the same keys and values, for every attribute and key field.
import { describe, expect, it } from 'vitest';
import { parseRouteDocument } from '../../../src/config/load-routes.js';
import { routeToEntry, routesToDocument } from '../../../src/core/document.js';
import { routeKey, type Route } from '../../../src/core/route.js';
import { route } from '../../helpers/routes.js';

function keyValues(routes: Iterable<Route>): string[] {
  return [...routes].map((r) => `${routeKey(r)} => ${r.value}`).sort();
}

function roundTrip(routes: readonly Route[]): string[] {
  const text = JSON.stringify(routesToDocument(routes));
  const result = parseRouteDocument('doc.json', text, { format: 'json' });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return keyValues(result.routes);
}

const CASES: readonly [string, readonly Route[]][] = [
  ['no routes', []],
  ['one IPv4 route', [route({ prefix: '10.0.0.0/24' })]],
  ['IPv6 with next-hop self', [route({ prefix: '2001:db8::/32', nextHop: 'self' })]],
  [
    'every attribute',
    [
      route({
        prefix: '198.51.100.0/24',
        origin: 'egp',
        asPath: { sequence: [65001, 65002], set: [65003, 65004] },
        med: 10,
        localPreference: 200,
        community: ['65000:1', 'no-export'],
        largeCommunity: ['65000:1:2'],
        extendedCommunity: ['target:65000:1'],
        atomicAggregate: true,
        aggregator: { asn: 65000, address: '192.0.2.9' },
        originatorId: '192.0.2.10',
        clusterList: ['192.0.2.11', '192.0.2.12'],
      }),
    ],
  ],
  ['an empty as-path', [route({ prefix: '10.0.0.0/8', asPath: { sequence: [] } })]],
  ['a neighbor target', [route({ prefix: '10.0.0.0/24', target: '192.0.2.7' })]],
  ['labelled unicast', [route({ prefix: '10.0.0.0/24', label: [100] })]],
  ['mpls-vpn', [route({ prefix: '10.0.0.0/24', rd: '65000:1', label: [100, 200] })]],
  [
    'path-information',
    [
      route({ prefix: '10.0.0.0/24', pathInformation: 1 }),
      route({ prefix: '10.0.0.0/24', pathInformation: 2 }),
    ],
  ],
  [
    'one prefix at several targets and values',
    [
      route({ prefix: '10.0.0.0/24' }),
      route({ prefix: '10.0.0.0/24', target: '192.0.2.7', med: 1 }),
      route({ prefix: '10.0.0.0/24', target: '2001:db8::7', med: 2 }),
    ],
  ],
  [
    'a large grouped table with both families',
    [
      ...Array.from({ length: 300 }, (_, i) => route({ prefix: `10.${i >> 8}.${i & 255}.0/24` })),
      ...Array.from({ length: 50 }, (_, i) =>
        route({ prefix: `2001:db8:${(i + 1).toString(16)}::/48`, med: i % 2 }),
      ),
    ],
  ],
];

describe('routesToDocument', () => {
  it.each(CASES)('round-trips %s through the loader', (_name, routes) => {
    expect(roundTrip(routes)).toEqual(keyValues(routes));
  });

  it('groups routes sharing target, family and value into one prefixes entry, sorted', () => {
    const doc = routesToDocument([
      route({ prefix: '10.0.2.0/24' }),
      route({ prefix: '10.0.1.0/24' }),
      route({ prefix: '10.0.3.0/24', med: 1 }),
    ]);
    expect(doc).toEqual({
      routes: [
        { prefixes: ['10.0.1.0/24', '10.0.2.0/24'], 'next-hop': '192.0.2.254' },
        { prefix: '10.0.3.0/24', 'next-hop': '192.0.2.254', med: 1 },
      ],
    });
  });

  it('keeps one entry per route with a path-information', () => {
    const doc = routesToDocument([
      route({ prefix: '10.0.0.0/24', pathInformation: 1 }),
      route({ prefix: '10.0.1.0/24', pathInformation: 1 }),
    ]);
    expect(doc.routes).toHaveLength(2);
  });
});

describe('routeToEntry', () => {
  it('writes key fields and attributes in ExaBGP spelling', () => {
    const r = route({
      prefix: '10.0.0.0/24',
      target: '192.0.2.7',
      rd: '65000:1',
      label: [5],
      asPath: { sequence: [1], set: [2] },
    });
    expect(routeToEntry(r)).toEqual({
      prefix: '10.0.0.0/24',
      neighbors: ['192.0.2.7'],
      'next-hop': '192.0.2.254',
      'as-path': [1, [2]],
      label: [5],
      rd: '65000:1',
    });
  });
});
