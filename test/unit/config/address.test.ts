import { describe, expect, it } from 'vitest';
import { parseAddress, parseIpv4, parsePrefix } from '../../../src/config/address.js';

describe('parseAddress', () => {
  it.each([
    ['192.0.2.1', 'ipv4', '192.0.2.1'],
    ['0.0.0.0', 'ipv4', '0.0.0.0'],
    ['255.255.255.255', 'ipv4', '255.255.255.255'],
    ['2001:DB8::1', 'ipv6', '2001:db8::1'],
    ['2001:db8:0:0:0:0:0:1', 'ipv6', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', 'ipv6', '2001:db8::1:0:0:1'],
    ['2001:0db8::0001', 'ipv6', '2001:db8::1'],
    ['::', 'ipv6', '::'],
  ])('canonicalises %s to %s %s', (text, afi, address) => {
    expect(parseAddress(text)).toEqual({ afi, address });
  });

  it.each([
    '192.0.2',
    '192.0.2.256',
    '192.0.02.1',
    '192.0.2.1.1',
    'self',
    '',
    '2001:db8::g',
    'fe80::1%eth0',
  ])('rejects %j', (text) => {
    expect(parseAddress(text)).toBeUndefined();
  });

  it('parses only ipv4 with parseIpv4', () => {
    expect(parseIpv4('198.51.100.7')).toBe('198.51.100.7');
    expect(parseIpv4('2001:db8::1')).toBeUndefined();
  });
});

describe('parsePrefix', () => {
  it.each([
    ['192.0.2.0/24', 'ipv4', '192.0.2.0/24', 24],
    ['0.0.0.0/0', 'ipv4', '0.0.0.0/0', 0],
    ['192.0.2.7', 'ipv4', '192.0.2.7/32', 32],
    ['203.0.113.128/25', 'ipv4', '203.0.113.128/25', 25],
    ['2001:DB8::/32', 'ipv6', '2001:db8::/32', 32],
    ['2001:db8:0:0::/64', 'ipv6', '2001:db8::/64', 64],
    ['2001:db8::1', 'ipv6', '2001:db8::1/128', 128],
    ['::/0', 'ipv6', '::/0', 0],
  ])('canonicalises %s', (text, afi, prefix, length) => {
    expect(parsePrefix(text)).toEqual({ ok: true, afi, prefix, length, multicast: false });
  });

  it.each([
    ['10.0.0.1/24', '10.0.0.1/24: host bits set, did you mean 10.0.0.0/24?'],
    ['192.0.2.129/25', '192.0.2.129/25: host bits set, did you mean 192.0.2.128/25?'],
    ['2001:db8::1/32', '2001:db8::1/32: host bits set, did you mean 2001:db8::/32?'],
    ['2001:db8:ffff::/33', '2001:db8:ffff::/33: host bits set, did you mean 2001:db8:8000::/33?'],
  ])('reports host bits in %s naming the canonical network', (text, message) => {
    expect(parsePrefix(text)).toEqual({ ok: false, code: 'E_HOST_BITS', message });
  });

  it.each([
    '192.0.2.0/33',
    '192.0.2.0/',
    '192.0.2.0/024',
    '2001:db8::/129',
    '300.0.0.0/8',
    'banana/8',
    '2001:db8::x/32',
  ])('rejects %s as E_PREFIX', (text) => {
    const r = parsePrefix(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.code).toBe('E_PREFIX');
  });

  it.each([
    ['224.0.0.0/24', true],
    ['239.255.0.0/16', true],
    ['223.255.255.0/24', false],
    ['ff02::/16', true],
    ['fe80::/10', false],
  ])('flags %s as multicast: %s', (text, multicast) => {
    const r = parsePrefix(text);
    expect(r.ok && r.multicast).toBe(multicast);
  });
});
