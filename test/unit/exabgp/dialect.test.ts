import { describe, expect, it } from 'vitest';
import {
  DIALECTS,
  dialectForVersion,
  parseDialectOption,
  parseVersionAnswer,
} from '../../../src/exabgp/dialect.js';
import { encodePlanText } from '../../../src/exabgp/encode.js';
import { tokenizeLine } from '../../../src/exabgp/command.js';
import type { AsPathRead } from '../../../src/exabgp/dialect-as-path.js';
import { readShownExtendedCommunity, resolveSelf } from '../../../src/exabgp/dialect-show.js';
import { route } from '../../helpers/routes.js';
import { isValidExabgpLine } from '../../helpers/exabgp-grammar.js';
import type { Plan } from '../../../src/core/plan.js';

const plan = (announce: Plan['announce']): Plan => ({
  announce,
  update: [],
  withdraw: [],
  reassert: [],
  unchanged: 0,
});

describe('ExaBGP dialects', () => {
  it.each([
    ['exabgp 4.2.21', '4.2.21', '4.2', true],
    ['exabgp 5.0.13', '5.0.13', '5.0', true],
    ['exabgp 5.0.13-20261201+-', '5.0.13-20261201+-', '5.0', true],
    ['exabgp 4.1.2', '4.1.2', '4.2', false],
    ['exabgp 6.0.0', '6.0.0', '5.0', false],
  ])('reads the version answer %s as a prefix', (line, text, name, exact) => {
    const v = parseVersionAnswer(line);
    expect(v?.text).toBe(text);
    expect(dialectForVersion(v!)).toEqual({ name, exact });
  });

  it.each(['done', 'exabgp', 'exabgp four', 'ExaBGP : 5.0.13', 'exabgp 4.2'])(
    'does not take %s for a version answer',
    (line) => expect(parseVersionAnswer(line)).toBeUndefined(),
  );

  it.each([
    ['auto', 'auto'],
    ['4.2', '4.2'],
    ['4', '4.2'],
    ['5.0.13', '5.0'],
    ['5', '5.0'],
    ['6.0', undefined],
    ['', undefined],
  ])('parses --exabgp-version %s', (text, expected) => {
    expect(parseDialectOption(text)).toBe(expected);
  });

  it('writes an AS_SET nested in the sequence on 4.2 and as its own segment on 5.0', () => {
    const r = route({
      prefix: '198.51.100.0/24',
      nextHop: '192.0.2.1',
      asPath: { sequence: [65001], set: [65010, 65011] },
    });
    const v42 = encodePlanText(plan([r]), { dialect: DIALECTS['4.2'] });
    const v50 = encodePlanText(plan([r]), { dialect: DIALECTS['5.0'] });
    expect(v42).toEqual([
      'announce route 198.51.100.0/24 next-hop 192.0.2.1 as-path [ 65001 ( 65010 65011 ) ]',
    ]);
    expect(v50).toEqual([
      'announce route 198.51.100.0/24 next-hop 192.0.2.1 as-path [ 65001 ] ( 65010 65011 )',
    ]);
    expect(isValidExabgpLine(v42[0]!, '4.2')).toBe(true);
    expect(isValidExabgpLine(v50[0]!, '5.0')).toBe(true);
    expect(isValidExabgpLine(v42[0]!, '5.0')).toBe(false);
  });

  it('writes a set-only as-path on 5.0 without an empty sequence segment', () => {
    const r = route({
      prefix: '198.51.100.0/24',
      nextHop: '192.0.2.1',
      asPath: { sequence: [], set: [65010] },
    });
    expect(encodePlanText(plan([r]), { dialect: DIALECTS['5.0'] })).toEqual([
      'announce route 198.51.100.0/24 next-hop 192.0.2.1 as-path ( 65010 )',
    ]);
  });

  it('leaves a value without an AS_SET byte-identical on both', () => {
    const r = route({ prefix: '10.0.0.0/24', nextHop: '192.0.2.1', asPath: { sequence: [1, 2] } });
    expect(encodePlanText(plan([r]), { dialect: DIALECTS['5.0'] })).toEqual(
      encodePlanText(plan([r]), { dialect: DIALECTS['4.2'] }),
    );
  });

  it('sends a 4-byte-ASN target or origin in hex on 5.0, which mis-encodes the named form', () => {
    const r = route({
      prefix: '198.51.100.0/24',
      nextHop: '192.0.2.1',
      extendedCommunity: ['target:65000:1', 'target:4200000000L:1', 'origin:65000L:9'],
    });
    expect(encodePlanText(plan([r]), { dialect: DIALECTS['5.0'] })).toEqual([
      'announce route 198.51.100.0/24 next-hop 192.0.2.1 extended-community [ target:65000:1 0x0202fa56ea000001 0x02030000fde80009 ]',
    ]);
    expect(encodePlanText(plan([r]), { dialect: DIALECTS['4.2'] })[0]).toContain(
      'extended-community [ target:65000:1 target:4200000000L:1 origin:65000L:9 ]',
    );
  });

  const words = (text: string): string[] => tokenizeLine(text).map((t) => t.text);
  const asPathText = (read: AsPathRead): string =>
    read.ok ? JSON.stringify(read.value) : `error: ${read.message}`;

  it.each([
    ['4.2', '[ 65010 65020 ( 65030 65040 ) ]', '["65010","65020",["65030","65040"]]'],
    ['4.2', '[ ( 65030 )]', '[["65030"]]'],
    ['4.2', '[ 65010 ]', '["65010"]'],
    ['4.2', '[ ]', '[]'],
    ['4.2', '65010', '["65010"]'],
    ['5.0', '( 65010 65020 ) [ 65030 65040 ]', '["65010","65020",["65030","65040"]]'],
    ['5.0', '( 65010 )', '["65010"]'],
    ['5.0', '[ 65030 ]', '[["65030"]]'],
    ['5.0', '(  )', '[]'],
  ] as const)('reads the as-path %s show prints as %s', (name, shown, value) => {
    expect(asPathText(DIALECTS[name].readShownAsPath(words(shown)))).toBe(value);
  });

  it.each([
    ['4.2', '( 65010 65020 ) [ 65030 ]', /is ExaBGP 5\.0's spelling/],
    ['5.0', '[ 65010 ( 65030 ) ]', /nested brackets/],
    ['5.0', '[ 65030 ] ( 65010 )', /is not how ExaBGP 5\.0 prints/],
    ['5.0', '65010', /prints even one ASN in brackets/],
  ] as const)('refuses the %s show as-path %s', (name, shown, message) => {
    expect(asPathText(DIALECTS[name].readShownAsPath(words(shown)))).toMatch(message);
  });

  it.each([
    ['4.2', '[ 1 2 ( 3 4 ) ]', '["1","2",["3","4"]]'],
    ['4.2', '7', '["7"]'],
    ['4.2', '[ 1 ] ( 2 )', /is ExaBGP 5\.0's spelling .* \[ 1 2 \( 3 4 \) \]/],
    ['4.2', '( 2 )', /is ExaBGP 5\.0's spelling/],
    ['4.2', '[ 1 ( 2 ) 3 ]', /the AS_SET \( \.\.\. \) must be the last element/],
    ['4.2', '[ 1 ( ) ]', /an AS_SET needs at least one ASN/],
    ['5.0', '[ 1 2 ] ( 3 4 )', '["1","2",["3","4"]]'],
    ['5.0', '( 3 4 )', '[["3","4"]]'],
    ['5.0', '[ ]', '[]'],
    ['5.0', '[ 1 2 ( 3 4 ) ]', /refuses the 4\.2 nested form .* \[ 1 2 \] \( 3 4 \)/],
    ['5.0', '7', /refuses a bare ASN: write as-path \[ 7 \]/],
    ['5.0', '[ 1 ] [ 2 ]', /only one AS_SEQUENCE/],
    ['5.0', '( 3 ) [ 1 ]', /only one AS_SEQUENCE/],
    ['5.0', '[{ 1 }]', /confederation segments/],
    ['5.0', '[ 1 ) ]', /unexpected \)/],
  ] as const)('reads the %s command as-path %s', (name, text, want) => {
    const got = asPathText(DIALECTS[name].readCommandAsPath(words(text)));
    if (typeof want === 'string') expect(got).toBe(want);
    else expect(got).toMatch(want);
  });

  it.each([
    [{ sequence: [1, 2] }, '[ 1 2 ]', '( 1 2 )'],
    [{ sequence: [1], set: [3, 4] }, '[ 1 ( 3 4 ) ]', '( 1 ) [ 3 4 ]'],
    [{ sequence: [], set: [3] }, '[ ( 3 )]', '[ 3 ]'],
    [{ sequence: [] }, '[ ]', '(  )'],
  ])('prints the as-path %j as 4.2 (%s) and 5.0 (%s) do', (path, v42, v50) => {
    expect([DIALECTS['4.2'].showAsPath(path), DIALECTS['5.0'].showAsPath(path)]).toEqual([
      v42,
      v50,
    ]);
  });

  it.each([
    ['ipv4', { localAddress: '192.0.2.1', routerId: '192.0.2.9' }, '192.0.2.1'],
    ['ipv4', { localAddress: '2001:db8::1', routerId: '192.0.2.9' }, '192.0.2.9'],
    ['ipv6', { localAddress: '2001:db8::1', routerId: '192.0.2.9' }, '2001:db8::1'],
    ['ipv6', { localAddress: '192.0.2.1', routerId: '192.0.2.9' }, undefined],
    ['ipv4', {}, undefined],
  ] as const)('resolves next-hop self of an %s route on a session %j', (afi, session, want) => {
    expect(resolveSelf(afi, session)).toBe(want);
  });

  it.each([
    ['origin:5:1.2.3.4', 'origin:1.2.3.4:5'],
    ['origin:65000:0.0.0.2', 'origin:65000:0.0.0.2'],
    ['origin:4200000000:7', 'origin4:4200000000:7'],
    ['origin:65000:9', 'origin4:65000:9'],
    ['origin:4200000000L:7', 'origin:4200000000L:7'],
    ['0x4004FDE8447A0000', 'bandwidth:65000:1000'],
    ['0x4004FDE844800000', 'bandwidth:65000:1024'],
    ['0x0303000000000007', '0x0303000000000007'],
    ['target:65000:1', 'target:65000:1'],
  ])('reads the printed extended community %s as %s', (shown, input) => {
    expect(readShownExtendedCommunity(shown)).toBe(input);
  });
});
