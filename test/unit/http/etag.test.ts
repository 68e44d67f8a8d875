// Content ETags of the api source and If-Match evaluation.
import { describe, expect, it } from 'vitest';
import { computeEtag, matchesIfMatch } from '../../../src/http/etag.js';
import { route } from '../../helpers/routes.js';

describe('computeEtag', () => {
  const a = route({ prefix: '10.0.0.0/24' });
  const b = route({ prefix: '10.0.1.0/24', med: 1 });

  it('ignores order and source positions', () => {
    expect(computeEtag([a, b])).toBe(
      computeEtag([{ ...b, source: { source: 'api', line: 9, col: 1 } }, a]),
    );
  });

  it.each([
    ['a different value', [a, route({ prefix: '10.0.1.0/24', med: 2 })]],
    ['a missing route', [a]],
    ['no routes', []],
  ])('changes with %s', (_name, other) => {
    expect(computeEtag(other)).not.toBe(computeEtag([a, b]));
  });
});

describe('matchesIfMatch', () => {
  it.each([
    ['"x"', '"x"', true],
    ['*', '"x"', true],
    [' "y", "x" ', '"x"', true],
    ['W/"x"', '"x"', false],
    ['"y"', '"x"', false],
    ['x', '"x"', false],
  ])('If-Match %s against %s: %s', (header, current, expected) => {
    expect(matchesIfMatch(header, current)).toBe(expected);
  });
});
