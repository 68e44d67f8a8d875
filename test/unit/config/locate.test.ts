import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { locateNode, pointerToSegments, toDotPath } from '../../../src/config/locate.js';

const TEXT = [
  'defaults:', //           1
  '  med: 5', //            2
  'routes:', //             3
  '  - prefix: 192.0.2.0/24', // 4
  '    next-hop: 192.0.2.1', //  5
  '  - prefixes:', //       6
  '      - 198.51.100.0/24', // 7
  '      - 203.0.113.0/24', //  8
  '    a/b: 1', //          9
].join('\n');

function locate(segments: (string | number)[], key = false): string {
  const lc = new LineCounter();
  const doc = parseDocument(TEXT, { lineCounter: lc });
  const p = locateNode(doc, lc, segments, { key });
  return `${p.line}:${p.col}`;
}

describe('locate', () => {
  it.each([
    [['routes', 0, 'prefix'], '4:13'],
    [['routes', 0, 'next-hop'], '5:15'],
    [['routes', 0], '4:5'],
    [['routes', 1, 'prefixes', 1], '8:9'],
    [['defaults', 'med'], '2:8'],
    [['routes', 1, 'a/b'], '9:10'],
    [['routes', 1, 'missing'], '6:5'],
    [['routes', 7, 'prefix'], '4:3'],
    [[], '1:1'],
  ])('places %j at %s', (segments, where) => {
    expect(locate(segments)).toBe(where);
  });

  it('points at the key node when asked', () => {
    expect(locate(['routes', 0, 'next-hop'], true)).toBe('5:5');
  });

  it.each([
    ['', []],
    ['/routes/2/next-hop', ['routes', 2, 'next-hop']],
    ['/routes/1/a~1b/0', ['routes', 1, 'a/b', 0]],
    ['/x/~0y', ['x', '~y']],
  ])('splits pointer %j', (pointer, segments) => {
    expect(pointerToSegments(pointer)).toEqual(segments);
  });

  it.each([
    [['routes', 2, 'next-hop'], 'routes[2].next-hop'],
    [['routes', 0, 'prefixes', 3], 'routes[0].prefixes[3]'],
    [['defaults', 'community', 1], 'defaults.community[1]'],
    [[], ''],
  ])('renders %j as %s', (segments, dot) => {
    expect(toDotPath(segments)).toBe(dot);
  });
});
