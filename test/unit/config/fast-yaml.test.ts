import { describe, expect, it } from 'vitest';
import { readFastJson } from '../../../src/config/fast-json.js';
import { plainScalarValue, readFastYaml } from '../../../src/config/fast-yaml.js';

describe('plainScalarValue follows the YAML 1.2 core schema without hex integers', () => {
  it.each([
    ['10', 10],
    ['+5', 5],
    ['012', 12],
    ['0o17', 15],
    ['0x1F', '0x1F'],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['.inf', Infinity],
    ['-.INF', -Infinity],
    ['~', null],
    ['Null', null],
    ['true', true],
    ['FALSE', false],
    ['yes', 'yes'],
    ['65000:1', '65000:1'],
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['no-export', 'no-export'],
  ])('%s reads as %s', (text, value) => {
    expect(plainScalarValue(text)).toStrictEqual(value);
  });

  it('reads .nan as NaN', () => {
    expect(plainScalarValue('.NaN')).toBeNaN();
  });
});

const ROUTES = [
  '# yaml-language-server: $schema=../schemas/routes.schema.json',
  'defaults:',
  '  community: [65000:1, "no-export"]  # trailing comment',
  'routes:',
  '  - prefix: 10.0.0.0/8',
  "    next-hop: '192.0.2.1'",
  '    as-path: [65001, [65010, 65011]]',
  '',
  '  # a comment line',
  '  - prefixes:',
  '    - 2001:db8::/32',
  '    next-hop: self',
  '    med: 10',
  '  -',
  '    prefix: 10.1.0.0/16',
  '    description: a#b',
  'empty:',
  'flow: {}',
].join('\n');

describe('readFastYaml', () => {
  it('reads the subset route files use, with item positions', () => {
    const doc = readFastYaml(ROUTES);
    expect(doc?.value).toStrictEqual({
      defaults: { community: ['65000:1', 'no-export'] },
      routes: [
        { prefix: '10.0.0.0/8', 'next-hop': '192.0.2.1', 'as-path': [65001, [65010, 65011]] },
        { prefixes: ['2001:db8::/32'], 'next-hop': 'self', med: 10 },
        { prefix: '10.1.0.0/16', description: 'a#b' },
      ],
      empty: null,
      flow: {},
    });
    expect(doc?.itemPositions.get('routes')).toEqual([
      { line: 5, col: 5 },
      { line: 10, col: 5 },
      { line: 15, col: 5 },
    ]);
  });

  it('reads a sequence at the indentation of its key', () => {
    expect(readFastYaml('routes:\n- prefix: a\n  med: 1\nx: 2\n')?.value).toStrictEqual({
      routes: [{ prefix: 'a', med: 1 }],
      x: 2,
    });
  });

  it.each([
    ['CRLF line ends', 'a: 1\r\nb: [x, y]\r\n'],
    ['a leading BOM', '\ufeffa: 1\nb: [x, y]\n'],
    ['a leading document marker', '---\na: 1\nb: [x, y]\n'],
  ])('reads %s', (_name, text) => {
    expect(readFastYaml(text)?.value).toStrictEqual({ a: 1, b: ['x', 'y'] });
  });

  it('reads an empty document as null', () => {
    expect(readFastYaml('# nothing\n\n')?.value).toBeNull();
  });

  it.each([
    ['an anchor', 'a: &x 1\nb: *x'],
    ['a tag', 'a: !!str 1'],
    ['a block scalar', 'a: |\n  text'],
    ['a multi-line plain scalar', 'a: one\n  two'],
    ['a multi-line flow sequence', 'a: [1,\n  2]'],
    ['a flow mapping', 'a: {b: 1}'],
    ['a duplicate key', 'a: 1\na: 2'],
    ['a document marker with content', '--- a: 1'],
    ['two documents', 'a: 1\n---\nb: 2'],
    ['a tab', 'a:\t1'],
    ['a CR without LF', 'a: 1\rb: 2'],
    ['a quoted key', '"a": 1'],
    ['a key that is not a string', 'true: 1'],
    ['a merge key', '<<: 1'],
    ['a nested mapping on one line', 'a: b: c'],
    ['a pair inside a flow sequence', 'a: [b: c]'],
    ['an escape outside the subset', 'a: "\\N"'],
    ['bad indentation', 'a:\n  b: 1\n c: 2'],
    ['a top-level scalar', 'hello'],
    ['an unterminated quote', "a: 'b"],
  ])('declines %s', (_name, text) => {
    expect(readFastYaml(text)).toBeUndefined();
  });
});

describe('readFastJson', () => {
  it('reads a document with the positions of the routes items', () => {
    const text =
      '{\n  "routes": [\n    {"prefix": "10.0.0.0/8"},\n    {"prefix": "10.1.0.0/16"}\n  ]\n}';
    const doc = readFastJson(text, text.length);
    if (doc === undefined || 'kind' in doc) throw new Error('not read');
    expect(doc.value).toStrictEqual({
      routes: [{ prefix: '10.0.0.0/8' }, { prefix: '10.1.0.0/16' }],
    });
    expect(doc.itemPositions.get('routes')).toEqual([
      { line: 3, col: 5 },
      { line: 4, col: 5 },
    ]);
  });

  it.each([
    ['a duplicate key', '{"routes": [], "routes": []}'],
    ['invalid JSON', '{"routes": [}'],
    ['a __proto__ key', '{"__proto__": {}}'],
    ['a lone CR', '{"routes":\r[]}'],
  ])('declines %s', (_name, text) => {
    expect(readFastJson(text, text.length)).toBeUndefined();
  });
});
