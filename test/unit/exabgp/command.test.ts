import { describe, expect, it } from 'vitest';
import { parseRouteCommand } from '../../../src/exabgp/command.js';
import { routeKey } from '../../../src/core/route.js';

describe('parseRouteCommand', () => {
  it.each([
    [
      'announce route 192.0.2.0/24 next-hop 198.51.100.1',
      'announce',
      '* ipv4 unicast 192.0.2.0/24',
      'next-hop 198.51.100.1',
    ],
    [
      'neighbor 192.0.2.2 announce route 2001:DB8::/32 next-hop 2001:db8::1 med 5',
      'announce',
      '192.0.2.2 ipv6 unicast 2001:db8::/32',
      'next-hop 2001:db8::1 med 5',
    ],
    [
      'announce route 192.0.2.0/24 next-hop self community [ 65000:2 65000:1 no-export ] as-path [ 1 2 ( 4 3 ) ]',
      'announce',
      '* ipv4 unicast 192.0.2.0/24',
      'next-hop self as-path [ 1 2 ( 3 4 ) ] community [ 65000:1 65000:2 no-export ]',
    ],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1 origin IGP local-preference 200 atomic-aggregate aggregator ( 65000:192.0.2.9 ) originator-id 192.0.2.8 cluster-list [ 192.0.2.7 ] large-community 1:2:3 extended-community [ target:65000:1 ]',
      'announce',
      '* ipv4 unicast 192.0.2.0/24',
      'next-hop 192.0.2.1 origin igp local-preference 200 atomic-aggregate aggregator ( 65000:192.0.2.9 ) originator-id 192.0.2.8 cluster-list [ 192.0.2.7 ] extended-community [ target:65000:1 ] large-community [ 1:2:3 ]',
    ],
    [
      'announce route 192.0.2.0/24 rd 65000:1 label 100 next-hop 192.0.2.1',
      'announce',
      '* ipv4 mpls-vpn rd 65000:1 192.0.2.0/24',
      'next-hop 192.0.2.1 label [ 100 ]',
    ],
    [
      'announce route 192.0.2.0/24 label [ 16 ] next-hop 192.0.2.1 path-information 7',
      'announce',
      '* ipv4 nlri-mpls 192.0.2.0/24 path-information 7',
      'next-hop 192.0.2.1 label [ 16 ]',
    ],
    ['withdraw route 192.0.2.0/24', 'withdraw', '* ipv4 unicast 192.0.2.0/24', 'next-hop 0.0.0.0'],
    ['withdraw route 2001:db8::/32', 'withdraw', '* ipv6 unicast 2001:db8::/32', 'next-hop ::'],
    [
      'withdraw route 192.0.2.0/24 next-hop 192.0.2.1 med 9',
      'withdraw',
      '* ipv4 unicast 192.0.2.0/24',
      'next-hop 192.0.2.1 med 9',
    ],
  ])('parses %j', (line, action, key, value) => {
    const r = parseRouteCommand(line);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([r.value.action, routeKey(r.value.route), r.value.route.value]).toEqual([
      action,
      key,
      value,
    ]);
    expect(r.value.route.source?.source).toBe('api');
  });

  it('warns about next-hop self on an ipv6 route', () => {
    const r = parseRouteCommand('announce route 2001:db8::/32 next-hop self');
    expect(r.ok && r.warnings.map((w) => w.code)).toEqual(['W_NEXT_HOP_SELF_IPV6']);
  });

  it.each([
    ['announce route 192.0.2.0/24', 'missing next-hop'],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1 name shutdown',
      'unknown or unsupported keyword "name"',
    ],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1 watchdog w',
      'unknown or unsupported keyword "watchdog"',
    ],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1 split /25',
      'unknown or unsupported keyword "split"',
    ],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1 withdraw',
      'unknown or unsupported keyword "withdraw"',
    ],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1; announce route 198.51.100.0/24 next-hop 192.0.2.1',
      'one command per request: ";" is not allowed',
    ],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1\nshutdown',
      'one command per request: no newlines',
    ],
    ['announce route 192.0.2.0/24 next-hop 192.0.2.1 # note', '"#" is not allowed'],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1 community [ 1:1, 2:2 ]',
      '"," is not allowed (communities are space separated; one neighbor only)',
    ],
    ['announce route 192.0.2.0/24 next-hop 192.0.2.1 med é', 'non-ascii or control character'],
    ['shutdown', 'expected announce route or withdraw route'],
    ['announce flow route destination 192.0.2.0/24 discard', 'expected "announce route"'],
    ['announce attributes next-hop 192.0.2.1 nlri 192.0.2.0/24', 'expected "announce route"'],
    ['ANNOUNCE route 192.0.2.0/24 next-hop 192.0.2.1', 'expected announce route or withdraw route'],
    [
      'neighbor banana announce route 192.0.2.0/24 next-hop 192.0.2.1',
      'neighbor: expected one neighbor address',
    ],
    [
      'announce route 192.0.2.1/24 next-hop 192.0.2.1',
      '192.0.2.1/24: host bits set, did you mean 192.0.2.0/24?',
    ],
    [
      'announce route 2001:db8::/32 next-hop 192.0.2.1',
      '2001:db8::/32: next-hop 192.0.2.1 is ipv4 but the prefix is ipv6',
    ],
    [
      'announce route 224.0.0.0/24 next-hop 192.0.2.1',
      '224.0.0.0/24: multicast prefixes are not supported',
    ],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1 med 4294967296',
      'med: 4294967296: med out of range (0-4294967295)',
    ],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1 community [ 65536:1 ]',
      'community.0: 65536:1: community halves must be 0-65535',
    ],
    ['announce route 192.0.2.0/24 next-hop 192.0.2.1 med 1 med 2', 'med given twice'],
    [
      'announce route 192.0.2.0/24 next-hop 192.0.2.1 community [ 1:1',
      'missing value for community',
    ],
    ['announce route 192.0.2.0/24 next-hop', 'missing value for next-hop'],
    [
      'announce route 192.0.2.0/24 rd 65000:1 next-hop 192.0.2.1',
      'rd makes the route mpls-vpn, which needs a label',
    ],
    ['announce route', 'missing prefix'],
  ])('rejects %j', (line, message) => {
    const r = parseRouteCommand(line);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.file, d.message])).toEqual([
      ['E_COMMAND', 'error', 'api', message],
    ]);
  });

  it('points the column at the offending token', () => {
    const r = parseRouteCommand('announce route 192.0.2.0/24 next-hop 192.0.2.1 name x');
    expect(r.ok ? 0 : r.diagnostics[0]?.col).toBe(48);
  });
});
