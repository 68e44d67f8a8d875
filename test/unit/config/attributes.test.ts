import { describe, expect, it } from 'vitest';
import {
  canonicalizeAttributes,
  toRouteAttributes,
  type AttributeIssue,
  type CanonicalFields,
} from '../../../src/config/attributes.js';
import { parseExtendedCommunity } from '../../../src/config/communities.js';

function canon(raw: Record<string, unknown>): {
  fields: CanonicalFields;
  issues: AttributeIssue[];
} {
  const issues: AttributeIssue[] = [];
  return { fields: canonicalizeAttributes(raw, issues), issues };
}

describe('canonicalizeAttributes', () => {
  it.each<[string, Record<string, unknown>, CanonicalFields]>([
    ['an ipv4 next-hop', { 'next-hop': '192.0.2.1' }, { nextHop: '192.0.2.1', nextHopAfi: 'ipv4' }],
    [
      'an ipv6 next-hop (RFC 5952)',
      { 'next-hop': '2001:DB8:0::1' },
      { nextHop: '2001:db8::1', nextHopAfi: 'ipv6' },
    ],
    ['next-hop self', { 'next-hop': 'self' }, { nextHop: 'self', nextHopAfi: 'self' }],
    ['origin in any case', { origin: 'EGP' }, { origin: 'egp' }],
    ['a single-asn as-path', { 'as-path': 65000 }, { asPath: { sequence: [65000] } }],
    ['an as-path kept in order', { 'as-path': [3, 1, 2] }, { asPath: { sequence: [3, 1, 2] } }],
    ['an AS_SET sorted', { 'as-path': [1, [4, 3, 3]] }, { asPath: { sequence: [1], set: [3, 4] } }],
    ['a 32-bit asn', { 'as-path': [4294967295] }, { asPath: { sequence: [4294967295] } }],
    ['med', { med: 0 }, { med: 0 }],
    ['local-preference', { 'local-preference': 4294967295 }, { localPreference: 4294967295 }],
    [
      'communities sorted and deduped',
      { community: ['65000:2', '65000:1', '65000:2'] },
      { community: ['65000:1', '65000:2'] },
    ],
    ['a single community', { community: '65000:1' }, { community: ['65000:1'] }],
    [
      'a 32-bit decimal community',
      { community: [4259840001, '4259840002'] },
      { community: ['65000:1', '65000:2'] },
    ],
    ['a hex community', { community: '0xFDE80001' }, { community: ['65000:1'] }],
    [
      'well-known names',
      {
        community: [
          'no-export',
          'no-advertise',
          'no-export-subconfed',
          'nopeer',
          'no-peer',
          'blackhole',
          '0xFFFFFF01',
        ],
      },
      { community: ['blackhole', 'no-export', 'no-advertise', 'no-export-subconfed', 'nopeer'] },
    ],
    [
      'large communities sorted numerically',
      { 'large-community': ['10:1:1', '9:1:1', '9:1:1'] },
      { largeCommunity: ['9:1:1', '10:1:1'] },
    ],
    [
      'a single large community',
      { 'large-community': '65000:1:2' },
      { largeCommunity: ['65000:1:2'] },
    ],
    ['atomic-aggregate', { 'atomic-aggregate': true }, { atomicAggregate: true }],
    [
      'aggregator',
      { aggregator: '65000:192.0.2.1' },
      { aggregator: { asn: 65000, address: '192.0.2.1' } },
    ],
    ['originator-id', { 'originator-id': '192.0.2.9' }, { originatorId: '192.0.2.9' }],
    [
      'cluster-list in order',
      { 'cluster-list': ['192.0.2.2', '192.0.2.1'] },
      { clusterList: ['192.0.2.2', '192.0.2.1'] },
    ],
    ['a single cluster id', { 'cluster-list': '192.0.2.2' }, { clusterList: ['192.0.2.2'] }],
    ['path-information as a number', { 'path-information': 7 }, { pathInformation: 7 }],
    [
      'path-information as a dotted quad',
      { 'path-information': '0.0.1.2' },
      { pathInformation: 258 },
    ],
    ['a label', { label: 100 }, { label: [100] }],
    ['a label stack in order', { label: [200, 100] }, { label: [200, 100] }],
    ['an asn16:u32 rd', { rd: '65000:4294967295' }, { rd: '65000:4294967295' }],
    ['an ipv4:u16 rd', { rd: '192.0.2.1:7' }, { rd: '192.0.2.1:7' }],
    ['an asn32:u16 rd', { rd: '4200000000:7' }, { rd: '4200000000:7' }],
    ['ignores description and prefix', { description: 'x', prefix: '192.0.2.0/24' }, {}],
  ])('canonicalises %s', (_name, raw, expected) => {
    expect(canon(raw)).toEqual({ fields: expected, issues: [] });
  });

  it.each<[string, Record<string, unknown>, string, (string | number)[]]>([
    ['a bad next-hop', { 'next-hop': 'banana' }, 'E_ADDRESS', ['next-hop']],
    ['a bad origin', { origin: 'bgp' }, 'E_SCHEMA', ['origin']],
    ['an asn too large', { 'as-path': [1, 4294967296] }, 'E_RANGE', ['as-path', 1]],
    ['an AS_SET not last', { 'as-path': [[1], 2] }, 'E_SCHEMA', ['as-path', 0]],
    ['a negative med', { med: -1 }, 'E_RANGE', ['med']],
    ['a med too large', { med: 4294967296 }, 'E_RANGE', ['med']],
    [
      'a local-preference too large',
      { 'local-preference': 2 ** 32 },
      'E_RANGE',
      ['local-preference'],
    ],
    ['a community half too large', { community: ['1:1', '65536:1'] }, 'E_RANGE', ['community', 1]],
    ['a 32-bit community too large', { community: 4294967296 }, 'E_RANGE', ['community']],
    ['an unknown community name', { community: ['no-such'] }, 'E_COMMUNITY', ['community', 0]],
    [
      'a large community part too large',
      { 'large-community': ['1:1:4294967296'] },
      'E_RANGE',
      ['large-community', 0],
    ],
    [
      'a malformed large community',
      { 'large-community': '1:2' },
      'E_COMMUNITY',
      ['large-community'],
    ],
    [
      'a bad extended community',
      { 'extended-community': ['target:1'] },
      'E_COMMUNITY',
      ['extended-community', 0],
    ],
    ['a bad aggregator', { aggregator: '65000' }, 'E_SCHEMA', ['aggregator']],
    [
      'an aggregator with a bad address',
      { aggregator: '65000:300.0.0.1' },
      'E_ADDRESS',
      ['aggregator'],
    ],
    ['an ipv6 originator-id', { 'originator-id': '2001:db8::1' }, 'E_ADDRESS', ['originator-id']],
    ['a bad cluster id', { 'cluster-list': ['192.0.2.1', 'x'] }, 'E_ADDRESS', ['cluster-list', 1]],
    ['a label too large', { label: 1048576 }, 'E_RANGE', ['label']],
    ['an rd out of range', { rd: '4200000000:70000' }, 'E_RANGE', ['rd']],
    ['an ipv4 rd with a large number', { rd: '192.0.2.1:70000' }, 'E_RANGE', ['rd']],
    [
      'path-information too large',
      { 'path-information': 2 ** 32 },
      'E_RANGE',
      ['path-information'],
    ],
  ])('reports %s', (_name, raw, code, path) => {
    const { issues } = canon(raw);
    expect(issues.map((i) => [i.code, i.path])).toEqual([[code, path]]);
  });

  it('reports every bad attribute, not only the first', () => {
    expect(canon({ med: -1, community: 'x', origin: 'y' }).issues).toHaveLength(3);
  });
});

describe('parseExtendedCommunity', () => {
  it.each([
    ['target:65000:1', 'target:65000:1', '0002fde800000001'],
    ['65000:1', 'target:65000:1', '0002fde800000001'],
    ['0x0002FDE800000001', 'target:65000:1', '0002fde800000001'],
    ['origin:65000:1', 'origin:65000:1', '0003fde800000001'],
    ['target:4200000000:7', 'target:4200000000L:7', '0202fa56ea000007'],
    ['target:65000L:7', 'target:65000L:7', '0202 0000fde8 0007'.replace(/ /g, '')],
    ['target4:65000:7', 'target:65000L:7', '02020000fde80007'],
    ['origin4:4200000000:7', 'origin:4200000000L:7', '0203fa56ea000007'],
    ['target:192.0.2.1:7', '0x0102c00002010007', '0102c00002010007'],
    ['redirect:65000:100', 'redirect:65000:100', '8008fde800000064'],
    ['redirect-to-nexthop', 'redirect-to-nexthop', '0800000000000000'],
    ['l2info:19:0:1500:1', 'l2info:19:0:1500:1', '800a130005dc0001'],
    ['bandwidth:65000:1000', 'bandwidth:65000:1000', '4004fde8447a0000'],
    ['0x4300000000000001', '0x4300000000000001', '4300000000000001'],
  ])('canonicalises %s to %s', (text, canonical, hex) => {
    expect(parseExtendedCommunity(text)).toEqual({ text: canonical, hex });
  });

  it.each([
    'target:70000:70000',
    'target:1',
    'bogus:1:2',
    '0x12',
    'l2info:1:2:3',
    'redirect:70000:1',
    'bandwidth:1:x',
  ])('rejects %s', (text) => {
    expect(parseExtendedCommunity(text)).toHaveProperty('code');
  });

  it('sorts extended communities by value and removes duplicates', () => {
    const { fields } = canon({
      'extended-community': ['origin:65000:1', 'target:65000:1', '0x0002fde800000001'],
    });
    expect(fields.extendedCommunity).toEqual(['target:65000:1', 'origin:65000:1']);
  });
});

describe('toRouteAttributes', () => {
  it('keeps absent attributes absent and drops atomic-aggregate false', () => {
    expect(
      toRouteAttributes({ nextHop: '192.0.2.1', atomicAggregate: false, nextHopAfi: 'ipv4' }),
    ).toEqual({
      nextHop: '192.0.2.1',
    });
  });

  it('carries every value attribute but not the key fields', () => {
    const { fields } = canon({
      'next-hop': '192.0.2.1',
      origin: 'igp',
      'as-path': [1],
      med: 1,
      'local-preference': 2,
      community: '1:1',
      'large-community': '1:1:1',
      'extended-community': 'target:1:1',
      'atomic-aggregate': true,
      aggregator: '1:192.0.2.1',
      'originator-id': '192.0.2.2',
      'cluster-list': '192.0.2.3',
      label: 5,
      rd: '1:1',
      'path-information': 3,
    });
    expect(toRouteAttributes({ ...fields, nextHop: '192.0.2.1' })).toEqual({
      nextHop: '192.0.2.1',
      origin: 'igp',
      asPath: { sequence: [1] },
      med: 1,
      localPreference: 2,
      community: ['1:1'],
      largeCommunity: ['1:1:1'],
      extendedCommunity: ['target:1:1'],
      atomicAggregate: true,
      aggregator: { asn: 1, address: '192.0.2.1' },
      originatorId: '192.0.2.2',
      clusterList: ['192.0.2.3'],
      label: [5],
    });
  });
});
