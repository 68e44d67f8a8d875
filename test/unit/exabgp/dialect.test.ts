import { describe, expect, it } from 'vitest';
import {
  DIALECTS,
  dialectForVersion,
  parseDialectOption,
  parseVersionAnswer,
} from '../../../src/exabgp/dialect.js';
import { encodePlanText } from '../../../src/exabgp/encode.js';
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

  it.each([
    ['4.2', '[ 65010 65020 ( 65030 65040 ) ]', 'as-path [ 65010 65020 ( 65030 65040 ) ]'],
    ['4.2', '[ 65010 ]', 'as-path [ 65010 ]'],
    ['4.2', '65010', 'as-path [ 65010 ]'],
    ['5.0', '( 65010 65020 ) [ 65030 65040 ]', 'as-path [ 65010 65020 ( 65030 65040 ) ]'],
    ['5.0', '( 65010 )', 'as-path [ 65010 ]'],
    ['5.0', '[ 65030 ]', 'as-path [ ( 65030 ) ]'],
    ['5.0', '(  )', 'as-path [ ]'],
  ] as const)('reads a %s show as-path %s canonically', (name, shown, canonical) => {
    expect(DIALECTS[name].readShownAsPath(shown)).toBe(canonical);
  });
});
