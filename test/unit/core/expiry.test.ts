import { describe, expect, it } from 'vitest';
import {
  clockKey,
  expiredEntryWarnings,
  relativeExpiry,
  splitExpired,
} from '../../../src/core/expiry.js';
import { routeKey, type Route } from '../../../src/core/route.js';
import { parseRfc3339, parseTtl } from '../../../src/config/expiry.js';
import { parseRouteDocument } from '../../../src/config/load-routes.js';
import { route } from '../../helpers/routes.js';

const NOW = Date.parse('2026-12-02T10:00:00Z');
const set = (routes: Route[]): Map<string, Route> => new Map(routes.map((r) => [routeKey(r), r]));

describe('splitExpired', () => {
  const plain = route({ prefix: '10.0.0.0/24' });
  const past = { ...route({ prefix: '10.0.1.0/24' }), expiry: { at: NOW - 1, text: 'expires x' } };
  const later = { ...route({ prefix: '10.0.2.0/24' }), expiry: { at: NOW + 60_000, text: 'e' } };
  const ttl = { ...route({ prefix: '10.0.3.0/24' }), expiry: { ttlMs: 120_000, text: 'ttl 2m' } };

  it('returns the input itself when nothing expires', () => {
    const desired = set([plain, later]);
    const v = splitExpired(desired, NOW, () => undefined);
    expect(v.active).toBe(desired);
    expect(v.next).toBe(NOW + 60_000);
  });

  it('drops expired entries and schedules the next expiry; a new ttl clock starts now', () => {
    const v = splitExpired(set([plain, past, later, ttl]), NOW, () => undefined);
    expect([...v.active.keys()].sort()).toEqual([plain, later, ttl].map((r) => routeKey(r)).sort());
    expect([...v.expired]).toEqual([[routeKey(past), NOW - 1]]);
    expect(v.expiring.get(routeKey(ttl))).toBe(NOW + 120_000);
    expect(v.next).toBe(NOW + 60_000);
  });

  it('counts a ttl from the recorded start of its clock', () => {
    const started = NOW - 120_000;
    const v = splitExpired(set([ttl]), NOW, (c) =>
      c === clockKey(routeKey(ttl), ttl.expiry) ? started : undefined,
    );
    expect(v.active.size).toBe(0);
    expect(v.expired.get(routeKey(ttl))).toBe(NOW);
  });
});

describe('expiry texts', () => {
  it.each<[number, string]>([
    [14 * 60_000, 'expires in 14m'],
    [-2 * 3_600_000, 'expired 2h ago'],
    [-90 * 60_000, 'expired 1h30m ago'],
    [45_000, 'expires in 45s'],
    [-3 * 86_400_000, 'expired 3d ago'],
  ])('%d ms is "%s"', (d, text) => expect(relativeExpiry(NOW + d, NOW)).toBe(text));

  it('warns once per entry whose expires is past', () => {
    const source = { source: 'routes.d/a.yaml', line: 4, col: 5 };
    const r = {
      ...route({ prefix: '10.0.1.0/24' }),
      source,
      expiry: { at: NOW - 7_200_000, text: 'expires t' },
    };
    const w = expiredEntryWarnings([r, { ...r, target: '192.0.2.1' }], NOW);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ code: 'W_EXPIRED', file: 'routes.d/a.yaml', line: 4, col: 5 });
    expect(w[0]?.message).toContain('expired 2h ago');
  });
});

describe('parsing expires and ttl', () => {
  it.each<[string, number | undefined]>([
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['500ms', 500],
    ['0s', undefined],
    ['2 m', undefined],
    ['m', undefined],
    ['1y', undefined],
  ])('ttl %s', (text, ms) => expect(parseTtl(text)).toBe(ms));

  it.each<[string, number | undefined]>([
    ['2026-12-24T18:00:00Z', Date.parse('2026-12-24T18:00:00Z')],
    ['2026-12-24T19:00:00+01:00', Date.parse('2026-12-24T18:00:00Z')],
    ['2026-12-24 18:00:00.123456Z', Date.parse('2026-12-24T18:00:00.123Z')],
    ['2026-12-24T18:00:00', undefined],
    ['2026-02-30T00:00:00Z', undefined],
    ['2026-13-01T00:00:00Z', undefined],
    ['2026-12-24T24:00:00Z', undefined],
  ])('expires %s', (text, ms) => expect(parseRfc3339(text)).toBe(ms));
});

describe('route documents with expires and ttl', () => {
  it('puts the expiry on routes and flows, and reports bad values at their position', () => {
    const text = [
      'routes:',
      '  - prefix: 10.1.0.0/24',
      '    next-hop: 192.0.2.1',
      '    ttl: 2m',
      '  - prefix: 10.2.0.0/24',
      '    next-hop: 192.0.2.1',
      '    expires: 2026-02-30T00:00:00Z',
      '  - prefix: 10.3.0.0/24',
      '    next-hop: 192.0.2.1',
      '    ttl: 1h',
      '    expires: 2026-12-24T18:00:00Z',
      'flows:',
      '  - match: { destination: 203.0.113.10/32 }',
      '    then: { discard: true }',
      '    expires: 2026-12-24T18:00:00Z',
      '',
    ].join('\n');
    const doc = parseRouteDocument('a.yaml', text, { format: 'yaml' });
    expect(doc.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.path}`)).toEqual([
      '7:14 E_EXPIRY routes[1].expires',
      '10:10 E_EXPIRY routes[2].ttl',
    ]);
    const lines = text.split('\n');
    const good = [...lines.slice(0, 4), ...lines.slice(11)].join('\n');
    const ok = parseRouteDocument('b.yaml', good, { format: 'yaml' });
    expect(ok.diagnostics).toEqual([]);
    expect(ok.routes.map((r) => r.expiry?.text)).toEqual([
      'ttl 2m',
      'expires 2026-12-24T18:00:00Z',
    ]);
  });
});
