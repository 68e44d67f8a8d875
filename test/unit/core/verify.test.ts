import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRouteCommand } from '../../../src/exabgp/command.js';
import { parseAdjRibDump } from '../../../src/exabgp/adj-rib.js';
import { routeKey, type Route, type RouteKey } from '../../../src/core/route.js';
import { DIALECTS, type Dialect } from '../../../src/exabgp/dialect.js';
import {
  compareAdjRibOut,
  countDrift,
  expectedRouteAt,
  planAdjRibRepair,
  type AdjRibComparison,
  type Drift,
} from '../../../src/core/verify.js';
import { route, routeSet, type RouteSpec } from '../../helpers/routes.js';

const N1 = '192.0.2.1';
const N2 = '192.0.2.2';
const N3 = '192.0.2.3';
const P = '10.0.0.0/24';
const Q = '10.0.1.0/24';

const at = (neighbor: string, spec: RouteSpec): RouteSpec => ({ ...spec, target: neighbor });
const show = (d: Drift): string => `${d.neighbor} ${d.ribKey}`;
const summary = (c: AdjRibComparison): Record<string, unknown> => ({
  missing: c.missing.map(show),
  different: c.different.map(show),
  extra: c.extra.map(show),
  neighbors: c.neighbors,
});

describe('compareAdjRibOut with the families each neighbor is configured for', () => {
  const V6 = '2001:db8:1::/48';
  const ledger = routeSet([
    { prefix: P },
    { prefix: V6, nextHop: '2001:db8::1' },
    at(N2, { prefix: V6, nextHop: '2001:db8::2' }),
  ]);
  const dump = routeSet([at(N1, { prefix: P }), at(N2, { prefix: P })]);

  it('does not call a route missing at a neighbor not configured for its family', () => {
    const families = new Map([
      [N1, new Set(['ipv4 unicast'])],
      [N2, new Set(['ipv4 unicast', 'ipv4 flow'])],
    ]);
    const c = compareAdjRibOut(ledger, dump, { neighbors: [N1, N2], families });
    expect(summary(c)).toEqual({ missing: [], different: [], extra: [], neighbors: [N1, N2] });
    expect(c.unconfigured).toBe(2); // the * route at N1, N2's own route at N2
    expect(planAdjRibRepair(c).reassert).toEqual([]);
  });

  it('still calls it missing where the family is configured, or the families are unknown', () => {
    const families = new Map([[N1, new Set(['ipv4 unicast', 'ipv6 unicast'])]]);
    const c = compareAdjRibOut(ledger, dump, { neighbors: [N1, N2], families });
    expect(c.missing.map(show)).toEqual([`${N1} ipv6 unicast ${V6}`, `${N2} ipv6 unicast ${V6}`]);
    expect(c.unconfigured).toBe(0);
  });
});

describe('compareAdjRibOut', () => {
  it.each<{
    name: string;
    ledger: RouteSpec[];
    dump: RouteSpec[];
    neighbors?: string[];
    pending?: RouteKey[];
    want: Record<string, unknown>;
  }>([
    {
      name: 'finds no drift when every neighbor holds the `*` routes',
      ledger: [{ prefix: P }, { prefix: Q, med: 5 }],
      dump: [
        at(N1, { prefix: P }),
        at(N1, { prefix: Q, med: 5 }),
        at(N2, { prefix: P }),
        at(N2, { prefix: Q, med: 5 }),
      ],
      want: { missing: [], different: [], extra: [], neighbors: [N1, N2] },
    },
    {
      name: 'reports a `*` route absent at one neighbor as missing there',
      ledger: [{ prefix: P }, { prefix: Q }],
      dump: [at(N1, { prefix: P }), at(N1, { prefix: Q }), at(N2, { prefix: P })],
      want: { missing: [`${N2} ipv4 unicast ${Q}`], different: [], extra: [], neighbors: [N1, N2] },
    },
    {
      name: 'reports another value as different',
      ledger: [{ prefix: P, med: 10 }],
      dump: [at(N1, { prefix: P, med: 20 })],
      want: { missing: [], different: [`${N1} ipv4 unicast ${P}`], extra: [], neighbors: [N1] },
    },
    {
      name: 'reports a route the ledger does not know as extra',
      ledger: [{ prefix: P }],
      dump: [at(N1, { prefix: P }), at(N1, { prefix: Q })],
      want: { missing: [], different: [], extra: [`${N1} ipv4 unicast ${Q}`], neighbors: [N1] },
    },
    {
      name: 'expects a neighbor route over the `*` route at that neighbor only (target layering)',
      ledger: [{ prefix: P, med: 10 }, at(N1, { prefix: P, med: 5 })],
      dump: [at(N1, { prefix: P, med: 5 }), at(N2, { prefix: P, med: 10 })],
      want: { missing: [], different: [], extra: [], neighbors: [N1, N2] },
    },
    {
      name: 'reports a neighbor route overwritten by the `*` value as different',
      ledger: [{ prefix: P, med: 10 }, at(N1, { prefix: P, med: 5 })],
      dump: [at(N1, { prefix: P, med: 10 }), at(N2, { prefix: P, med: 10 })],
      want: { missing: [], different: [`${N1} ipv4 unicast ${P}`], extra: [], neighbors: [N1, N2] },
    },
    {
      name: 'checks a ledger target that prints nothing (its adj-rib-out is empty)',
      ledger: [at(N2, { prefix: P })],
      dump: [],
      want: { missing: [`${N2} ipv4 unicast ${P}`], different: [], extra: [], neighbors: [N2] },
    },
    {
      name: 'checks a neighbor known from events that prints nothing',
      ledger: [{ prefix: P }],
      dump: [at(N1, { prefix: P })],
      neighbors: [N2],
      want: { missing: [`${N2} ipv4 unicast ${P}`], different: [], extra: [], neighbors: [N1, N2] },
    },
    {
      name: 'ignores a dump neighbor holding none of our keys (not bound to us, or static routes only)',
      ledger: [{ prefix: P }],
      dump: [at(N1, { prefix: P }), at(N3, { prefix: '198.51.100.0/24' })],
      want: { missing: [], different: [], extra: [], neighbors: [N1] },
    },
    {
      name: 'skips entries whose ledger key is pending (state unknown, re-asserted anyway)',
      ledger: [{ prefix: P, med: 1 }, { prefix: Q }],
      dump: [at(N1, { prefix: P, med: 2 }), at(N1, { prefix: '10.0.2.0/24' })],
      pending: [`* ipv4 unicast ${P}`, `* ipv4 unicast ${Q}`, `${N1} ipv4 unicast 10.0.2.0/24`],
      want: { missing: [], different: [], extra: [], neighbors: [N1] },
    },
    {
      name: 'keys rd and path-information as separate entries',
      ledger: [
        { prefix: P, rd: '65000:1', label: [100] },
        { prefix: P, pathInformation: 7 },
      ],
      dump: [
        at(N1, { prefix: P, rd: '65000:1', label: [100] }),
        at(N1, { prefix: P, rd: '65000:2', label: [100] }),
      ],
      neighbors: [N1],
      want: {
        missing: [`${N1} ipv4 unicast ${P} path-information 7`],
        different: [],
        extra: [`${N1} ipv4 mpls-vpn rd 65000:2 ${P}`],
        neighbors: [N1],
      },
    },
  ])('$name', ({ ledger, dump, neighbors, pending, want }) => {
    const options = {
      ...(neighbors === undefined ? {} : { neighbors }),
      ...(pending === undefined ? {} : { pending: new Set(pending) }),
    };
    expect(summary(compareAdjRibOut(routeSet(ledger), routeSet(dump), options))).toEqual(want);
  });

  it('sorts each list in plan order (neighbor, family, prefix)', () => {
    const ledger = routeSet([
      { prefix: '10.0.10.0/24' },
      { prefix: '10.0.9.0/24' },
      { prefix: '2001:db8::/32' },
    ]);
    const c = compareAdjRibOut(ledger, new Map(), { neighbors: [N2, N1] });
    expect(c.missing.map(show)).toEqual([
      `${N1} ipv4 unicast 10.0.9.0/24`,
      `${N1} ipv4 unicast 10.0.10.0/24`,
      `${N1} ipv6 unicast 2001:db8::/32`,
      `${N2} ipv4 unicast 10.0.9.0/24`,
      `${N2} ipv4 unicast 10.0.10.0/24`,
      `${N2} ipv6 unicast 2001:db8::/32`,
    ]);
    expect(countDrift(c)).toBe(6);
    expect(c.matched).toBe(0);
  });
});

describe('planAdjRibRepair', () => {
  it('re-asserts the responsible ledger route once and adopts extras for their neighbor', () => {
    const star = route({ prefix: P, med: 10 });
    const own = route({ prefix: Q, target: N1 });
    const ledger = routeSet([star, own]);
    const dump = routeSet([
      at(N1, { prefix: P, med: 11 }),
      at(N2, { prefix: '10.0.3.0/24', med: 3 }),
      at(N2, { prefix: P, med: 10 }),
    ]);
    const c = compareAdjRibOut(ledger, dump, { neighbors: [N3] });
    expect(summary(c)).toEqual({
      missing: [`${N1} ipv4 unicast ${Q}`, `${N3} ipv4 unicast ${P}`],
      different: [`${N1} ipv4 unicast ${P}`],
      extra: [`${N2} ipv4 unicast 10.0.3.0/24`],
      neighbors: [N1, N2, N3],
    });
    const repair = planAdjRibRepair(c);
    expect(repair.reassert.map(routeKey)).toEqual([routeKey(star), routeKey(own)]);
    expect(repair.adopt.map((r) => `${routeKey(r)} ${r.value}`)).toEqual([
      `${N2} ipv4 unicast 10.0.3.0/24 next-hop 192.0.2.254 med 3`,
    ]);
  });
});

/** The ledger ExaBGP's answers imply for the fixture's commands (bulk lines split per prefix). */
function ledgerFromCommands(text: string, dialect?: Dialect): Map<RouteKey, Route> {
  const ledger = new Map<RouteKey, Route>();
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const bulk = /^announce attributes (.*) nlri (.*)$/.exec(line);
    const singles =
      bulk === null ? [line] : bulk[2]!.split(' ').map((p) => `announce route ${p} ${bulk[1]}`);
    for (const single of singles) {
      const parsed = parseRouteCommand(single, dialect === undefined ? {} : { dialect });
      if (!parsed.ok) throw new Error(`fixture command: ${single}`);
      ledger.set(routeKey(parsed.value.route), parsed.value.route);
    }
  }
  return ledger;
}

describe('compareAdjRibOut on a real ExaBGP 4.2.21 dump', () => {
  const dir = join(import.meta.dirname, '../../fixtures/exabgp');
  const dumpText = readFileSync(join(dir, 'adj-rib-out-extensive.txt'), 'utf8');
  const ledger = ledgerFromCommands(readFileSync(join(dir, 'adj-rib-out.commands.txt'), 'utf8'));

  it('finds no drift: one-item lists without brackets, origin:ASN:N shown as ASN:0.0.0.N, 0x extended communities, next-hop self, labels and rd all read back to the ledger values', () => {
    const dump = parseAdjRibDump(dumpText, 'exabgp', { targets: 'per-neighbor' });
    if (!dump.ok) throw new Error(JSON.stringify(dump.diagnostics));
    const c = compareAdjRibOut(ledger, dump.value);
    expect(summary(c)).toEqual({
      missing: [],
      different: [],
      extra: [],
      neighbors: ['127.0.200.1', '127.0.200.11'],
    });
    expect(c.matched).toBe(dump.value.size);
  });
});

describe.each([
  ['4.2', '127.0.45'],
  ['5.0', '127.0.46'],
] as const)('compareAdjRibOut on a real ExaBGP %s dump of every attribute', (name, net) => {
  const dir = join(import.meta.dirname, '../../fixtures/exabgp');
  const dumpText = readFileSync(join(dir, `adj-rib-out-extensive-${name}.txt`), 'utf8');
  const dialect = DIALECTS[name];
  const ledger = ledgerFromCommands(
    readFileSync(join(dir, `adj-rib-out-commands-${name}.txt`), 'utf8'),
    dialect,
  );
  const compare = (text: string) => {
    const dump = parseAdjRibDump(text, 'exabgp', {
      targets: 'per-neighbor',
      dialect,
      expected: expectedRouteAt(ledger),
    });
    if (!dump.ok) throw new Error(JSON.stringify(dump.diagnostics));
    return compareAdjRibOut(ledger, dump.value);
  };

  it('finds no drift, next-hop self included', () => {
    const c = compare(dumpText);
    expect(summary(c)).toEqual({
      missing: [],
      different: [],
      extra: [],
      neighbors: [`${net}.1`, `${net}.11`, '::1'],
    });
    expect(c.matched).toBe(103);
  });

  it('still reports a next-hop self route ExaBGP shows with another address as different', () => {
    const self = name === '4.2' ? 'self' : `${net}.2`;
    const edited = dumpText
      .split('\n')
      .map((l) =>
        l.startsWith(`neighbor ${net}.1 `) && l.endsWith(`10.45.2.0/24 next-hop ${self}`)
          ? l.replace(/next-hop \S+$/, `next-hop ${net}.12`)
          : l,
      )
      .join('\n');
    expect(edited).not.toBe(dumpText);
    const c = compare(edited);
    expect(c.different.map(show)).toEqual([`${net}.1 ipv4 unicast 10.45.2.0/24`]);
    expect(c.different[0]?.found?.value).toBe(`next-hop ${net}.12`);
  });
});

describe('expectedRouteAt', () => {
  it('gives the neighbor route over the `*` route of a rib key', () => {
    const ledger = routeSet([{ prefix: P, med: 1 }, at(N1, { prefix: P, med: 2 })]);
    const expected = expectedRouteAt(ledger);
    expect([N1, N2].map((n) => expected(n, `ipv4 unicast ${P}`)?.value)).toEqual([
      'next-hop 192.0.2.254 med 2',
      'next-hop 192.0.2.254 med 1',
    ]);
    expect(expected(N1, `ipv4 unicast ${Q}`)).toBeUndefined();
  });
});
