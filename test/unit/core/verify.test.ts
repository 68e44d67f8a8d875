import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRouteCommand } from '../../../src/exabgp/command.js';
import { parseAdjRibDump } from '../../../src/exabgp/adj-rib.js';
import { routeKey, type Route, type RouteKey } from '../../../src/core/route.js';
import {
  compareAdjRibOut,
  countDrift,
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
function ledgerFromCommands(text: string): Map<RouteKey, Route> {
  const ledger = new Map<RouteKey, Route>();
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const bulk = /^announce attributes (.*) nlri (.*)$/.exec(line);
    const singles =
      bulk === null ? [line] : bulk[2]!.split(' ').map((p) => `announce route ${p} ${bulk[1]}`);
    for (const single of singles) {
      const parsed = parseRouteCommand(single);
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
