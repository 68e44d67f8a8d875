import { describe, expect, it } from 'vitest';
import { parseAdjRibDump } from '../../../src/exabgp/adj-rib.js';
import { parseRouteDocument } from '../../../src/config/load-routes.js';

const SEL =
  'local-ip 192.0.2.1 local-as 65001 peer-as 65002 router-id 192.0.2.1 family-allowed in-open';

function dump(lines: string[], options = {}) {
  return parseAdjRibDump(lines.join('\n') + '\n', 'dump.txt', options);
}

function entries(r: ReturnType<typeof dump>): [string, string][] {
  return r.ok ? [...r.value].map(([k, v]) => [k, v.value]) : [];
}

describe('parseAdjRibDump', () => {
  it('parses the extensive form with every attribute', () => {
    const r = dump([
      `neighbor 192.0.2.2 ${SEL} ipv4 unicast 198.51.100.0/24 next-hop 192.0.2.1 origin egp as-path [ 65010 65020 ( 65030 65040 ) ] med 50 local-preference 200 atomic-aggregate aggregator ( 65000:192.0.2.4 ) community [ 65000:1 no-export ] originator-id 192.0.2.9 cluster-list [ 192.0.2.5 192.0.2.6 ] extended-community [ target:65000:1 ] large-community [ 1:2:3 65000:1:2 ]`,
      'done',
    ]);
    expect(entries(r)).toEqual([
      [
        '* ipv4 unicast 198.51.100.0/24',
        'next-hop 192.0.2.1 origin egp as-path [ 65010 65020 ( 65030 65040 ) ] med 50 local-preference 200 atomic-aggregate aggregator ( 65000:192.0.2.4 ) community [ 65000:1 no-export ] originator-id 192.0.2.9 cluster-list [ 192.0.2.5 192.0.2.6 ] extended-community [ target:65000:1 ] large-community [ 1:2:3 65000:1:2 ]',
      ],
    ]);
    expect(r.ok && [...r.value.values()][0]?.source).toEqual({
      source: 'dump.txt',
      line: 1,
      col: 1,
    });
  });

  it('parses the non-extensive form, path-information, labels and rd', () => {
    const r = dump([
      'neighbor 192.0.2.2 ipv4 unicast 198.51.100.0/24 path-information 0.0.0.7 next-hop 192.0.2.1',
      'neighbor 192.0.2.2 ipv4 unicast 203.0.113.0/24 next-hop self',
      'neighbor 192.0.2.2 ipv4 mpls-vpn 198.51.100.0/25 label 100 next-hop 192.0.2.1 rd 65000:1',
      'neighbor 192.0.2.2 ipv6 unicast 2001:db8::/32 next-hop 2001:db8::1',
      'done',
    ]);
    expect(entries(r)).toEqual([
      ['* ipv4 unicast 198.51.100.0/24 path-information 7', 'next-hop 192.0.2.1'],
      ['* ipv4 unicast 203.0.113.0/24', 'next-hop self'],
      ['* ipv4 mpls-vpn rd 65000:1 198.51.100.0/25', 'next-hop 192.0.2.1 label [ 100 ]'],
      ['* ipv6 unicast 2001:db8::/32', 'next-hop 2001:db8::1'],
    ]);
  });

  it('maps routes held identically by every neighbor to * and the rest to their neighbor', () => {
    const lines = [
      'neighbor 192.0.2.2 ipv4 unicast 198.51.100.0/24 next-hop 192.0.2.1',
      'neighbor 192.0.2.3 ipv4 unicast 198.51.100.0/24 next-hop 192.0.2.1',
      'neighbor 192.0.2.2 ipv4 unicast 203.0.113.0/24 next-hop 192.0.2.1 med 1',
      'neighbor 192.0.2.3 ipv4 unicast 203.0.113.0/24 next-hop 192.0.2.1 med 2',
      'neighbor 192.0.2.3 ipv4 unicast 192.0.2.128/25 next-hop 192.0.2.1',
    ];
    expect(entries(dump(lines)).map(([k]) => k)).toEqual([
      '* ipv4 unicast 198.51.100.0/24',
      '192.0.2.2 ipv4 unicast 203.0.113.0/24',
      '192.0.2.3 ipv4 unicast 203.0.113.0/24',
      '192.0.2.3 ipv4 unicast 192.0.2.128/25',
    ]);
    expect(entries(dump(lines, { targets: 'per-neighbor' }))).toHaveLength(5);
  });

  it('reads back what a route file describes as the same values', () => {
    const file = parseRouteDocument(
      'a.yaml',
      'routes:\n  - prefix: 198.51.100.0/24\n    next-hop: 192.0.2.1\n    community: [no-export, 65000:1]\n    extended-community: [0x0002fde800000001, target:4200000000:1]\n    as-path: [1, [3, 2]]\n',
    );
    const r = dump([
      'neighbor 192.0.2.2 ipv4 unicast 198.51.100.0/24 next-hop 192.0.2.1 as-path [ 1 ( 2 3 ) ] community [ 65000:1 no-export ] extended-community [ target:65000:1 target:4200000000L:1 ]',
    ]);
    expect(entries(r)).toEqual(file.routes.map((x) => ['* ipv4 unicast 198.51.100.0/24', x.value]));
  });

  it('accepts an empty dump', () => {
    expect(entries(dump(['done']))).toEqual([]);
  });

  it('skips families it does not manage with a warning', () => {
    const r = dump([
      'neighbor 192.0.2.2 ipv4 flow flow destination-ipv4 192.0.2.0/24 protocol =tcp',
    ]);
    expect(r.ok && r.warnings.map((w) => [w.code, w.severity, w.line])).toEqual([
      ['E_DUMP', 'warning', 1],
    ]);
  });

  it.each([
    ['garbage', 'expected "neighbor <address> ..."'],
    [
      'neighbor 192.0.2.2 ipv4 unicast 198.51.100.0/24 next-hop 192.0.2.1 aigp 0x01',
      'unknown or unsupported keyword "aigp"',
    ],
    ['neighbor 192.0.2.2 ipv4 unicast 198.51.100.0/24', 'missing next-hop'],
    [
      'neighbor 192.0.2.2 bogus unicast 198.51.100.0/24 next-hop 192.0.2.1',
      'expected an address family (ipv4 or ipv6)',
    ],
    [
      'neighbor 192.0.2.2 ipv4 mpls-vpn 198.51.100.0/24 next-hop 192.0.2.1',
      '198.51.100.0/24: listed as ipv4 mpls-vpn but its attributes make it ipv4 unicast',
    ],
  ])('reports %j with its line', (line, message) => {
    const r = dump(['done', line]);
    expect(r.ok ? [] : r.diagnostics.map((d) => [d.code, d.file, d.line, d.message])).toEqual([
      ['E_DUMP', 'dump.txt', 2, message],
    ]);
  });
});
