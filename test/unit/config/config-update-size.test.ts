// An entry whose attributes cannot fit in a 4096-byte BGP UPDATE with one prefix is refused at
// load, at its longest list, instead of becoming a command no peer accepts.
import { describe, expect, it } from 'vitest';
import type { RouteAttributes } from '../../../src/core/route.js';
import { parseRouteDocument } from '../../../src/config/load-routes.js';
import { estimateUpdateBytes } from '../../../src/config/update-size.js';

const V4 = { afi: 'ipv4', safi: 'unicast', pathInformation: false } as const;

describe('estimateUpdateBytes', () => {
  it.each([
    ['a bare route', { nextHop: '192.0.2.1' }, V4, 19 + 4 + 4 + 9 + 7 + 7 + 5],
    ['med and a community', { nextHop: '192.0.2.1', med: 1, community: ['1:1'] }, V4, 55 + 7 + 7],
    [
      'an ipv6 route (MP_REACH_NLRI)',
      { nextHop: '2001:db8::1' },
      { ...V4, afi: 'ipv6' },
      23 + 4 + 9 + 7 + 3 + 2 + 1 + 1 + 32 + 1 + 17,
    ],
  ] as const)('sizes %s', (_n, attributes, shape, bytes) => {
    expect(estimateUpdateBytes(attributes as RouteAttributes, shape)).toBe(bytes);
  });

  it('counts 4 bytes an ASN and 2 per segment of up to 255 ASNs', () => {
    const path = (n: number): number =>
      estimateUpdateBytes(
        { nextHop: '192.0.2.1', asPath: { sequence: Array.from({ length: n }, (_, i) => i) } },
        V4,
      );
    expect(path(254) - path(253)).toBe(4); // 255 with our own AS: one segment
    expect(path(255) - path(254)).toBe(6); // a second segment
  });

  it('counts 4, 12 and 8 bytes a standard, large and extended community, 4 a cluster id', () => {
    const size = (a: Partial<RouteAttributes>): number =>
      estimateUpdateBytes({ nextHop: '192.0.2.1', ...a }, V4);
    const base = size({});
    expect(size({ community: Array(100).fill('1:1') }) - base).toBe(400 + 4);
    expect(size({ largeCommunity: Array(100).fill('1:1:1') }) - base).toBe(1200 + 4);
    expect(size({ extendedCommunity: Array(100).fill('target:1:1') }) - base).toBe(800 + 4);
    expect(size({ clusterList: Array(100).fill('192.0.2.1') }) - base).toBe(400 + 4);
  });
});

const entry = (attrs: string): string =>
  `routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 192.0.2.1\n    ${attrs}\n`;
const list = (n: number, f: (i: number) => string): string =>
  `[${Array.from({ length: n }, (_, i) => f(i)).join(', ')}]`;

describe('parseRouteDocument refuses attributes that cannot be sent', () => {
  it.each([
    [
      '20000 communities',
      `community: ${list(20_000, (i) => `${i >> 16}:${i & 0xffff}`)}`,
      'community',
    ],
    ['a 50000-asn as-path', `as-path: ${list(50_000, (i) => String(i + 1))}`, 'as-path'],
    [
      '400 large communities',
      `large-community: ${list(400, (i) => `1:1:${i}`)}`,
      'large-community',
    ],
    [
      '600 extended communities',
      `extended-community: ${list(600, (i) => `target:1:${i}`)}`,
      'extended-community',
    ],
    [
      '1100 cluster ids',
      `cluster-list: ${list(1100, (i) => `10.0.${i >> 8}.${i & 255}`)}`,
      'cluster-list',
    ],
  ])('%s, at the list', (_n, attrs, key) => {
    const r = parseRouteDocument('x.yaml', entry(attrs));
    expect(r.routes).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.path, d.line])).toEqual([
      ['E_UPDATE_TOO_LARGE', `routes[0].${key}`, 4],
    ]);
    expect(r.diagnostics[0]?.message).toMatch(
      /^attributes too large for a bgp update: about \d+ bytes/,
    );
  });

  it('points at defaults when the list comes from there', () => {
    const text = `defaults:\n  next-hop: 192.0.2.1\n  community: ${list(1100, (i) => `1:${i}`)}\nroutes:\n  - prefix: 192.0.2.0/24\n`;
    const r = parseRouteDocument('x.yaml', text);
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['E_UPDATE_TOO_LARGE', 'defaults.community'],
    ]);
  });

  it('accepts the most communities that still fit', () => {
    const r = parseRouteDocument('x.yaml', entry(`community: ${list(1000, (i) => `1:${i}`)}`));
    expect(r.diagnostics).toEqual([]);
    expect(r.routes).toHaveLength(1);
  });
});
