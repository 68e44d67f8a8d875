import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../src/core/diagnostic.js';
import { mergeSources, parseRouteDocument } from '../../../src/config/load-routes.js';

const FIXTURES = 'test/fixtures/routes';

function parseFixture(name: string, options = {}) {
  return parseRouteDocument(name, readFileSync(join(FIXTURES, name), 'utf8'), options);
}

describe('parseRouteDocument on bad fixtures', () => {
  it.each([
    ['bad/yaml-syntax.yaml', 'E_YAML', 4, 1, ''],
    ['bad/duplicate-key.yaml', 'E_YAML', 4, 5, ''],
    ['bad/schema-unknown-key.yaml', 'E_SCHEMA', 4, 5, 'routes[0].colour'],
    ['bad/schema-next-hop.yaml', 'E_SCHEMA', 3, 15, 'routes[0].next-hop'],
    ['bad/schema-no-prefix.yaml', 'E_SCHEMA', 2, 5, 'routes[0]'],
    ['bad/host-bits.yaml', 'E_HOST_BITS', 4, 13, 'routes[1].prefix'],
    ['bad/host-bits-in-list.yaml', 'E_HOST_BITS', 4, 9, 'routes[0].prefixes[1]'],
    ['bad/next-hop-family.yaml', 'E_NEXT_HOP_FAMILY', 3, 15, 'routes[0].next-hop'],
    ['bad/range-asn.yaml', 'E_RANGE', 4, 22, 'routes[0].as-path[1]'],
    ['bad/range-community.yaml', 'E_RANGE', 4, 26, 'routes[0].community[1]'],
    ['bad/range-med.yaml', 'E_RANGE', 4, 10, 'routes[0].med'],
    ['bad/duplicate-route.yaml', 'E_DUPLICATE_ROUTE', 6, 13, 'routes[2].prefix'],
    ['bad/multicast.yaml', 'E_PREFIX', 2, 13, 'routes[0].prefix'],
    ['bad/alias-bomb.yaml', 'E_ALIAS_LIMIT', 0, 0, ''],
  ])('%s reports %s at %i:%i', (name, code, line, col, path) => {
    const r = parseFixture(name);
    expect(r.routes).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.col, d.path])).toEqual([
      [code, 'error', name, line, col, path],
    ]);
  });

  it('formats a host-bits diagnostic compiler-style naming the canonical network', () => {
    const [d] = parseFixture('bad/host-bits.yaml').diagnostics;
    expect(d && formatDiagnostic(d)).toBe(
      'bad/host-bits.yaml:4:13: error E_HOST_BITS: routes[1].prefix: 192.0.2.1/24: host bits set, did you mean 192.0.2.0/24?',
    );
  });

  it('names the first declaration in a duplicate-route diagnostic', () => {
    const [d] = parseFixture('bad/duplicate-route.yaml').diagnostics;
    expect(d?.message).toBe(
      '* ipv4 unicast 192.0.2.0/24: duplicate route, first declared at bad/duplicate-route.yaml:2:13',
    );
  });

  it('rejects a file over the size bound', () => {
    const r = parseFixture('bad/host-bits.yaml', { maxBytes: 16 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E_FILE_TOO_LARGE']);
    expect(r.diagnostics[0]?.message).toMatch(/^\d+ bytes exceeds the limit of 16 bytes$/);
  });

  it('reports every problem in a document, not only the first', () => {
    const text = [
      'routes:',
      '  - prefix: 10.0.0.1/8',
      '    next-hop: 192.0.2.1',
      '  - prefix: 2001:db8::/32',
      '    next-hop: 192.0.2.1',
      '    community: 1:70000',
    ].join('\n');
    const codes = parseRouteDocument('x.yaml', text).diagnostics.map(
      (d) => `${d.line}:${d.col} ${d.code}`,
    );
    expect(codes).toEqual(['2:13 E_HOST_BITS', '5:15 E_NEXT_HOP_FAMILY', '6:16 E_RANGE']);
  });
});

describe('parseRouteDocument on valid input', () => {
  it('warns about next-hop self on ipv6 and keeps the route', () => {
    const r = parseFixture('valid/ipv6-next-hop-self.yaml');
    expect(r.routes).toHaveLength(1);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.line, d.col])).toEqual([
      ['W_NEXT_HOP_SELF_IPV6', 'warning', 3, 15],
    ]);
    expect(r.diagnostics[0]?.message).toContain('flap');
  });

  it('merges defaults into entries, the entry winning', () => {
    const text = [
      'defaults:',
      '  next-hop: 192.0.2.1',
      '  med: 5',
      '  community: [65000:1]',
      'routes:',
      '  - prefix: 192.0.2.0/24',
      '    med: 7',
      '  - prefix: 198.51.100.0/24',
    ].join('\n');
    const r = parseRouteDocument('x.yaml', text);
    expect(r.routes.map((x) => x.value)).toEqual([
      'next-hop 192.0.2.1 med 7 community [ 65000:1 ]',
      'next-hop 192.0.2.1 med 5 community [ 65000:1 ]',
    ]);
  });

  it('expands prefixes and neighbors into one route each, sharing one value and source', () => {
    const text = [
      'routes:',
      '  - next-hop: 192.0.2.1',
      '    neighbors: [192.0.2.2, 2001:DB8::2]',
      '    prefixes: [198.51.100.0/24, 203.0.113.0/24]',
    ].join('\n');
    const r = parseRouteDocument('x.yaml', text);
    expect(r.routes.map((x) => `${x.target} ${x.prefix}`)).toEqual([
      '192.0.2.2 198.51.100.0/24',
      '2001:db8::2 198.51.100.0/24',
      '192.0.2.2 203.0.113.0/24',
      '2001:db8::2 203.0.113.0/24',
    ]);
    expect(new Set(r.routes.map((x) => x.attributes)).size).toBe(1);
    expect(r.routes.every((x) => x.source?.line === 2 && x.source.col === 5)).toBe(true);
  });

  it.each([
    ['rd: 65000:1\n    label: 100', 'mpls-vpn', '65000:1'],
    ['label: 100', 'nlri-mpls', undefined],
    ['med: 1', 'unicast', undefined],
  ])('derives the family from %j', (extra, safi, rd) => {
    const r = parseRouteDocument(
      'x.yaml',
      `routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 192.0.2.1\n    ${extra}\n`,
    );
    expect(r.diagnostics).toEqual([]);
    expect([r.routes[0]?.safi, r.routes[0]?.rd]).toEqual([safi, rd]);
  });

  it('requires a label with an rd', () => {
    const r = parseRouteDocument(
      'x.yaml',
      'routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 192.0.2.1\n    rd: 65000:1\n',
    );
    expect(r.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['E_SCHEMA', 4, 9]]);
  });

  it('keeps hex communities exact (not read as YAML integers)', () => {
    const r = parseRouteDocument(
      'x.yaml',
      'routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 192.0.2.1\n    extended-community: 0x0002fde800000001\n    community: 0xFFFFFF01\n',
    );
    expect(r.routes[0]?.value).toBe(
      'next-hop 192.0.2.1 community [ no-export ] extended-community [ target:65000:1 ]',
    );
  });

  it('rejects an empty document (write routes: [] to mean no routes)', () => {
    const r = parseRouteDocument('x.yaml', '# nothing yet\n');
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['E_EMPTY', 'error']]);
    expect(r.diagnostics[0]?.message).toContain('routes: []');
    expect(parseRouteDocument('x.yaml', 'routes: []\n')).toMatchObject({
      routes: [],
      diagnostics: [],
    });
  });

  it.each(readdirSync('routes.d').filter((f) => f.endsWith('.yaml')))(
    'bundled routes.d/%s validates cleanly',
    (f) => {
      const text = readFileSync(join('routes.d', f), 'utf8');
      expect(
        text.startsWith('# yaml-language-server: $schema=../schemas/routes.schema.json\n'),
      ).toBe(true);
      const r = parseRouteDocument(`routes.d/${f}`, text);
      expect(r.diagnostics).toEqual([]);
      expect(r.routes.length).toBeGreaterThan(0);
    },
  );
});

describe('mergeSources', () => {
  it('reports a conflict naming both places', () => {
    const r = mergeSources([parseFixture('conflict/b.yaml'), parseFixture('conflict/a.yaml')]);
    expect(r.ok).toBe(false);
    const ds = r.ok ? [] : r.diagnostics;
    expect(ds.map((d) => [d.code, d.file, d.line, d.col])).toEqual([
      ['E_CONFLICT', 'conflict/b.yaml', 5, 5],
    ]);
    expect(ds[0]?.message).toBe(
      '* ipv4 unicast 192.0.2.0/24: conflicts with conflict/a.yaml:2 (next-hop 192.0.2.1 med 10 here: next-hop 192.0.2.1 med 20)',
    );
  });

  it('accepts identical duplicates across sources', () => {
    const r = mergeSources([parseFixture('identical/a.yaml'), parseFixture('identical/b.yaml')]);
    expect(r.ok && [...r.value.keys()]).toEqual(['* ipv4 unicast 192.0.2.0/24']);
  });

  it('carries per-source errors and warnings', () => {
    const bad = mergeSources([
      parseFixture('bad/host-bits.yaml'),
      parseFixture('identical/a.yaml'),
    ]);
    expect(bad.ok ? [] : bad.diagnostics.map((d) => d.code)).toEqual(['E_HOST_BITS']);
    const warned = mergeSources([parseFixture('valid/ipv6-next-hop-self.yaml')]);
    expect(warned.ok && warned.warnings.map((d) => d.code)).toEqual(['W_NEXT_HOP_SELF_IPV6']);
  });

  it('names the api source in a conflict', () => {
    const api = parseRouteDocument(
      'api',
      'routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 192.0.2.1\n    med: 1\n',
    );
    const r = mergeSources([api, parseFixture('conflict/a.yaml')]);
    expect(r.ok ? '' : r.diagnostics[0]?.message).toContain('conflicts with api:2');
  });
});
