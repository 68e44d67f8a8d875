import { describe, expect, it } from 'vitest';
import { isValidExabgpLine, parseExabgpLine } from '../../helpers/exabgp-grammar.js';

describe('the ExaBGP grammar checker', () => {
  it.each([
    'announce route 10.0.0.0/24 next-hop 192.0.2.1',
    'neighbor 192.0.2.1 announce route 10.0.0.0/24 next-hop self med 10 community [ 65000:1 no-export ]',
    'announce route 2001:db8::/32 next-hop 2001:db8::1 as-path [ 65000 65001 ( 65002 65003 ) ] origin igp',
    'announce route 10.0.0.0/24 rd 65000:1 next-hop 192.0.2.1 label [ 100 ]',
    'announce route 10.0.0.0/24 path-information 7 next-hop 192.0.2.1 large-community [ 1:2:3 ] extended-community [ target:65000:1 ]',
    'announce attributes next-hop 192.0.2.1 nlri 10.0.0.0/24 10.0.1.0/24',
    'withdraw attributes next-hop 0.0.0.0 rd 65000:1 nlri 10.0.0.0/24',
    'withdraw attributes next-hop :: nlri 2001:db8::/48 2001:db8:1::/48',
    'withdraw route 10.0.0.0/24 label [ 16 ]',
    'announce route 10.0.0.0/24 next-hop 192.0.2.1 aggregator ( 65000:192.0.2.1 ) atomic-aggregate originator-id 192.0.2.9 cluster-list [ 192.0.2.8 ]',
  ])('accepts %s', (line) => {
    expect(parseExabgpLine(line)).not.toBeTypeOf('string');
  });

  it.each([
    ['a non-ASCII byte', 'announce route 10.0.0.0/24 next-hop 192.0.2.1 med 1\u00a0'],
    ['a comment', 'announce route 10.0.0.0/24 next-hop 192.0.2.1 # note'],
    [
      'a free-form name ending in shutdown',
      'announce route 10.0.0.0/24 next-hop 192.0.2.1 name shutdown',
    ],
    [
      'mixed families in a bulk line',
      'announce attributes next-hop self nlri 10.0.0.0/24 2001:db8::/32',
    ],
    [
      'path-information in a bulk line',
      'announce attributes next-hop 192.0.2.1 path-information 1 nlri 10.0.0.0/24',
    ],
    ['an announce without next-hop', 'announce route 10.0.0.0/24 med 1'],
    ['host bits set', 'announce route 10.0.0.1/24 next-hop 192.0.2.1'],
    [
      'comma-separated communities',
      'announce route 10.0.0.0/24 next-hop 192.0.2.1 community [ 1:1, 2:2 ]',
    ],
    ['upper-case keywords', 'ANNOUNCE route 10.0.0.0/24 next-hop 192.0.2.1'],
    ['a next-hop of the other family', 'announce route 10.0.0.0/24 next-hop 2001:db8::1'],
    ['an empty nlri list', 'withdraw attributes next-hop 0.0.0.0 nlri'],
    [
      'an ipv4 bulk withdraw without a next-hop (resets the session on 4.2.21)',
      'withdraw attributes nlri 10.0.0.0/24 10.0.1.0/24',
    ],
    [
      'an ipv6 bulk withdraw without a next-hop (resets the session on 5.0.13)',
      'withdraw attributes nlri 2001:db8::/48 2001:db8:1::/48',
    ],
    ['a standalone json token', 'announce route 10.0.0.0/24 next-hop 192.0.2.1 json'],
    ['a repeated attribute', 'announce route 10.0.0.0/24 next-hop 192.0.2.1 med 1 med 2'],
    ['a trailing space', 'withdraw route 10.0.0.0/24 '],
    [
      'a second statement',
      'announce route 10.0.0.0/24 next-hop 192.0.2.1; route 10.0.1.0/24 next-hop 192.0.2.1',
    ],
  ])('rejects %s', (_name, line) => {
    expect(isValidExabgpLine(line)).toBe(false);
  });

  it.each([
    'announce route 10.0.0.0/24 next-hop 192.0.2.1 as-path [ 65000 65001 ] ( 65002 65003 )',
    'announce route 10.0.0.0/24 next-hop 192.0.2.1 as-path ( 65002 65003 )',
    'announce route 10.0.0.0/24 next-hop 192.0.2.1 as-path [ 65000 ]',
    'announce attributes next-hop 192.0.2.1 as-path [ 1 ] ( 2 ) nlri 10.0.0.0/24 10.0.1.0/24',
  ])('accepts on 5.0 %s', (line) => {
    expect(parseExabgpLine(line, '5.0')).not.toBeTypeOf('string');
  });

  it.each([
    ['the 4.2 nested as-set', 'announce route 10.0.0.0/24 next-hop 192.0.2.1 as-path [ 1 ( 2 ) ]'],
    ['a bare as-path asn', 'announce route 10.0.0.0/24 next-hop 192.0.2.1 as-path 65000'],
    ['an -ack command word', 'announce route 10.0.0.0/24 next-hop 192.0.2.1 silence-ack'],
  ])('rejects on 5.0 %s', (_name, line) => {
    expect(isValidExabgpLine(line, '5.0')).toBe(false);
  });

  it('rejects the 5.0 segment form on 4.2', () => {
    expect(
      isValidExabgpLine('announce route 10.0.0.0/24 next-hop 192.0.2.1 as-path [ 1 ] ( 2 )'),
    ).toBe(false);
  });

  it('takes the family of a bulk line from its tokens and its last prefix', () => {
    expect(
      parseExabgpLine(
        'neighbor 192.0.2.1 announce attributes next-hop 2001:db8::1 label [ 5 ] nlri 2001:db8::/32',
      ),
    ).toEqual({
      neighbors: ['192.0.2.1'],
      action: 'announce',
      form: 'attributes',
      prefixes: ['2001:db8::/32'],
      afi: 'ipv6',
      safi: 'nlri-mpls',
      value: 'next-hop 2001:db8::1 label [ 5 ]',
    });
  });

  it('reads a neighbor list selector and refuses a malformed one', () => {
    const line = 'neighbor 192.0.2.2 , neighbor 2001:db8::3 withdraw route 10.0.0.0/24';
    expect(parseExabgpLine(line)).toMatchObject({ neighbors: ['192.0.2.2', '2001:db8::3'] });
    expect(parseExabgpLine('neighbor 192.0.2.2 , withdraw route 10.0.0.0/24')).toBe(
      'a selector list not followed by a neighbor',
    );
    expect(
      parseExabgpLine('neighbor 192.0.2.2 , neighbor 192.0.2.2 withdraw route 10.0.0.0/24'),
    ).toBe('a neighbor named twice in the selector');
  });
});
