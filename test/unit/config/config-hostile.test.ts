// Hostile, huge, deep, empty and truncated route documents fail closed, quickly, with a located
// diagnostic: nothing a file or an HTTP body holds may crash or wedge the process. Each case goes
// through parseRouteDocument, the one entry point of files and PUT bodies.
import { describe, expect, it } from 'vitest';
import { parseRouteDocument, type ParseOptions } from '../../../src/config/load-routes.js';
import { MAX_DIAGNOSTICS } from '../../../src/config/limits.js';

const ENTRY = '  - prefix: 192.0.2.0/24\n    next-hop: 192.0.2.1\n';

function parse(text: string, options: ParseOptions = {}) {
  const start = performance.now();
  const r = parseRouteDocument('x', text, options);
  return { ...r, ms: performance.now() - start };
}

const codes = (r: { diagnostics: readonly { code: string }[] }): string[] =>
  r.diagnostics.map((d) => d.code);

describe('deep nesting is refused before any parser recurses', () => {
  it.each([
    ['a JSON body', '{"routes":' + '['.repeat(10_000), 'json' as const, '1:74'],
    ['JSON text in a YAML document', '{"routes":' + '['.repeat(10_000), 'yaml' as const, '1:74'],
    ['a YAML flow sequence', 'routes: ' + '['.repeat(5_000), 'yaml' as const, '1:72'],
    [
      'YAML block sequences',
      'routes:\n' + Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}- `).join('\n') + 'x',
      'yaml' as const,
      '65:64',
    ],
    ['YAML compact sequences', 'routes:\n' + '- '.repeat(3000) + 'x', 'yaml' as const, '2:127'],
  ])('%s 300+ levels deep, twice (the second parse used to abort node)', (_n, text, format, at) => {
    for (let i = 0; i < 2; i++) {
      const r = parse(text, { format });
      expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual([`E_NESTING ${at}`]);
    }
  });

  it('accepts 64 levels, refuses 65 (the schema then reports the shape)', () => {
    const at = (n: number): string[] =>
      codes(parse(`{"routes":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`, { format: 'json' }));
    expect(at(64)).not.toContain('E_NESTING');
    expect(at(65)).toEqual(['E_NESTING']);
  });
});

describe('error collection is linear and capped', () => {
  it.each([
    ['a 64 KiB JSON body of zeros', `{"routes":[${Array(32_768).fill('0').join(',')}]}`, 'json'],
    ['the same as YAML', `{"routes":[${Array(32_768).fill('0').join(',')}]}`, 'yaml'],
    ['a route file of 16k bad entries', `routes:\n${'  - prefix: nope\n'.repeat(16_384)}`, 'yaml'],
    [
      '16k host-bits errors',
      `routes:\n  - next-hop: 1.2.3.4\n    prefixes:\n${'    - 1.0.0.1/8\n'.repeat(16_384)}`,
      'yaml',
    ],
  ] as const)(
    '%s: at most 100 diagnostics and a summary, in well under a second',
    (_n, text, format) => {
      const r = parse(text, { format });
      expect(r.ms).toBeLessThan(500);
      expect(r.routes).toEqual([]);
      expect(r.diagnostics).toHaveLength(MAX_DIAGNOSTICS + 1);
      const summary = r.diagnostics[MAX_DIAGNOSTICS];
      expect(summary?.code).toBe('E_TOO_MANY_ERRORS');
      expect(summary?.message).toMatch(/^(at least )?\d+ more errors not shown/);
    },
  );

  it('counts exactly when there are not too many to count', () => {
    const r = parse(`routes:\n${'  - prefix: nope\n'.repeat(150)}`);
    expect(r.diagnostics.at(-1)?.message).toMatch(/^\d+ more errors not shown/);
  });

  it.each([
    ['2 bytes a value', `routes: [${'0,'.repeat(1_200_000)}0]`, 'yaml'],
    ['3 bytes a value', `{"routes":[${'{},'.repeat(1_200_000)}{}]}`, 'json'],
  ] as const)('refuses a document of %s before building it', (_n, text, format) => {
    const r = parse(text, { format });
    expect(codes(r)).toEqual(['E_FILE_TOO_LARGE']);
    expect(r.ms).toBeLessThan(1000);
  });
});

describe('aliases cannot amplify a document', () => {
  const list = Array.from({ length: 4000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`).join(', ');
  const bomb = `x: &p [${list}]\nroutes:\n${Array.from({ length: 100 }, (_, i) => `  - {prefixes: *p, next-hop: 192.0.2.1, med: ${i}}`).join('\n')}\n`;

  it('refuses aliases that add more nodes than the document holds, at the alias', () => {
    const r = parse(bomb);
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([['E_EXPANSION_LIMIT', 5]]);
    expect(r.ms).toBeLessThan(2000);
  });

  it('keeps the alias count bound (E_ALIAS_LIMIT) for alias chains', () => {
    const chain = `a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nroutes: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n`;
    expect(codes(parse(chain))).toEqual(['E_ALIAS_LIMIT']);
  });

  it('accepts an attribute block shared by a few entries', () => {
    const text = `x-common: &c [65000:1, 65000:2]\nroutes:\n${Array.from({ length: 50 }, (_, i) => `  - {prefix: 10.0.${i}.0/24, next-hop: 192.0.2.1, community: *c}`).join('\n')}\n`;
    expect(codes(parse(text))).toEqual(['E_SCHEMA']); // x-common is not a key of the schema
  });

  it('refuses neighbors x prefixes past the route budget, at the entry', () => {
    const hosts = (n: number, base: string): string =>
      Array.from({ length: n }, (_, i) => `${base}.${i >> 8}.${i & 255}`).join(', ');
    const text = `routes:\n  - next-hop: 192.0.2.1\n    neighbors: [${hosts(1000, '10.1')}]\n    prefixes: [${hosts(1000, '10.2').replace(/(\d+)(,|$)/g, '$1/32$2')}]\n`;
    const r = parse(text);
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['E_EXPANSION_LIMIT', 'routes[0].prefixes'],
    ]);
  });
});

describe('an empty document is an error, never "withdraw everything"', () => {
  it.each([
    ['0 bytes', '', 'yaml'],
    ['white space', ' \n\n  \n', 'yaml'],
    ['comments only', '# yaml-language-server: $schema=x\n# nothing\n', 'yaml'],
    ['null', 'null\n', 'yaml'],
    ['~', '~', 'yaml'],
    ['an empty document', '---\n', 'yaml'],
    ['an empty document with an end marker', '---\n...\n', 'yaml'],
    ['a document with no routes key', 'defaults:\n  next-hop: 192.0.2.1\n', 'yaml'],
    ['routes: with no value', 'routes:\n', 'yaml'],
    ['an empty JSON body', '', 'json'],
    ['a JSON body of white space', ' \r\n', 'json'],
    ['a JSON null', 'null', 'json'],
    ['a JSON object without routes', '{}', 'json'],
  ] as const)('%s', (_n, text, format) => {
    const r = parse(text, { format });
    expect(codes(r)).toEqual(['E_EMPTY']);
    expect(r.diagnostics[0]?.message).toContain('routes: []');
  });

  it.each([
    ['routes: []\n', 'yaml'],
    ['{"routes": []}', 'json'],
    ['{"routes": []}', 'yaml'],
  ] as const)('%j still means no routes', (text, format) => {
    expect(parse(text, { format })).toMatchObject({ routes: [], diagnostics: [] });
  });
});

describe('YAML 1.1 and tags are refused, not silently reinterpreted or ignored', () => {
  it('refuses %YAML 1.1 (65000:10 would be the number 3900010)', () => {
    const r = parse(`%YAML 1.1\n---\nroutes:\n${ENTRY}    community: [65000:10]\n`);
    expect(codes(r)).toEqual(['E_YAML']);
    expect(r.diagnostics[0]?.message).toContain('%YAML 1.1 is not supported');
  });

  it('accepts %YAML 1.2', () => {
    expect(parse(`%YAML 1.2\n---\nroutes:\n${ENTRY}`).routes).toHaveLength(1);
  });

  it.each(['!foo', '!!binary', '!!timestamp', '!!float', '!!set', '!', '!<tag:example.com:x>'])(
    'refuses the tag %s with its position',
    (tag) => {
      const r = parse(`routes:\n  - prefix: 192.0.2.0/24\n    next-hop: ${tag} 192.0.2.1\n`);
      expect(r.diagnostics.map((d) => `${d.code} ${d.line}`)).toEqual(['E_YAML 3']);
    },
  );

  it.each(['!!str', '!!int'])('accepts the core tag %s', (tag) => {
    const r = parse(
      `routes:\n  - prefix: ${tag === '!!str' ? '!!str ' : ''}192.0.2.0/24\n    next-hop: 192.0.2.1\n    med: ${tag === '!!int' ? '!!int ' : ''}5\n`,
    );
    expect(r.diagnostics).toEqual([]);
  });

  it('refuses keys that only JavaScript would merge (1 and "1")', () => {
    expect(codes(parse(`routes: []\n1: a\n"1": b\n`))).toEqual(['E_YAML']);
  });
});

describe('strict JSON for a JSON body', () => {
  it.each([
    ['a trailing comma', '{"routes": [],}', '1:15'],
    [
      'a leading zero',
      '{"routes": [{"prefix": "192.0.2.0/24", "next-hop": "192.0.2.1", "med": 010}]}',
      '1:73',
    ],
    ['a comment', '{"routes": []} # x', '1:16'],
    ['YAML', 'routes: []', '1:1'],
    ['a cut body', '{"routes": [{"prefix":', '1:23'],
    ['a repeated key', '{"routes": [], "routes": [1]}', '1:16'],
  ])('refuses %s with its line:col', (_n, text, at) => {
    const r = parse(text, { format: 'json' });
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual([`E_YAML ${at}`]);
    expect(r.diagnostics[0]?.message).toMatch(/^invalid json: /);
  });

  it('gives the line and column on a later line', () => {
    const r = parse('{\n  "routes": [\n    1,\n  ]\n}', { format: 'json' });
    expect(r.diagnostics.map((d) => `${d.line}:${d.col}`)).toEqual(['4:3']);
  });
});

describe('a diagnostic quotes a bad value cut to 64 characters', () => {
  it.each([
    [
      'a 4 MiB next-hop',
      `routes:\n  - prefix: 192.0.2.0/24\n    next-hop: ${'a'.repeat(4 << 20)}\n`,
      'yaml',
    ],
    [
      'a 4 MiB key',
      `{"routes": [{"prefix": "192.0.2.0/24", "${'k'.repeat(4 << 20)}": 1}]}`,
      'json',
    ],
    ['a 4 MiB document that is one string', `"${'a'.repeat(4 << 20)}"`, 'json'],
    ['a 4 MiB prefix list', `{"routes": [{"prefixes": "${'1'.repeat(4 << 20)}"}]}`, 'json'],
  ] as const)('%s', (_n, text, format) => {
    const r = parse(text, { format });
    expect(r.diagnostics.length).toBeGreaterThan(0);
    for (const d of r.diagnostics) expect(d.message.length + d.path.length).toBeLessThan(400);
    expect(r.diagnostics.map((d) => d.message + d.path).join(' ')).toMatch(/\.\.\./);
  });
});

describe('the slow yaml package only reads small documents', () => {
  const entries = (n: number): string =>
    Array.from(
      { length: n },
      (_, i) => `  - prefix: 10.${i >> 8}.${i & 255}.0/24\n    next-hop: 192.0.2.1\n`,
    ).join('');

  it('reads a document outside the plain subset up to 64 KiB', () => {
    const r = parse(
      `routes:\n${entries(500)}  - prefix: &a 192.0.2.0/24\n    next-hop: 192.0.2.1\n`,
    );
    expect([r.routes.length, codes(r)]).toEqual([501, []]);
  });

  it('refuses a larger one, pointing at where it leaves the plain subset', () => {
    const r = parse(
      `routes:\n${entries(2000)}  - prefix: &a 192.0.2.0/24\n    next-hop: 192.0.2.1\n`,
    );
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}`)).toEqual(['E_FILE_TOO_LARGE 4002']);
    expect(r.diagnostics[0]?.message).toContain('outside the plain subset');
  });

  it('reads the same large document in the plain subset', () => {
    expect(parse(`routes:\n${entries(2000)}`).routes).toHaveLength(2000);
  });
});

describe('a mapping with more keys than any route document has is refused before it is built', () => {
  it.each([
    [
      'yaml',
      `routes:\n  - prefix: 192.0.2.0/24\n${Array.from({ length: 2000 }, (_, i) => `    k${i}: 1\n`).join('')}`,
      '1026:5',
    ],
    [
      'json',
      `{"routes": [{${Array.from({ length: 2000 }, (_, i) => `"k${i}": 1`).join(',\n')}}]}`,
      '1025:1',
    ],
  ] as const)('in %s', (format, text, at) => {
    const r = parse(text, { format });
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual([`E_SCHEMA ${at}`]);
    expect(r.diagnostics[0]?.message).toContain('more than 1024 keys');
  });
});
