import { describe, expect, it } from 'vitest';
import { diffRoutes } from '../../../src/core/diff.js';
import type { Plan } from '../../../src/core/plan.js';
import { routeKey, type Route } from '../../../src/core/route.js';
import { route, routeSet, type RouteSpec } from '../../helpers/routes.js';

const N1 = '192.0.2.1';
const N2 = '192.0.2.2';
const P = '10.0.0.0/24';

const keys = (routes: readonly Route[]): string[] => routes.map(routeKey);
const reasserts = (plan: Plan): string[] =>
  plan.reassert.map((r) => `${r.reason} ${routeKey(r.route)} ${r.route.value}`);

describe('diffRoutes', () => {
  it.each<{
    name: string;
    desired: RouteSpec[];
    announced: RouteSpec[];
    want: Record<string, unknown>;
  }>([
    {
      name: 'returns an empty plan for two empty sets',
      desired: [],
      announced: [],
      want: { announce: [], update: [], withdraw: [], unchanged: 0 },
    },
    {
      name: 'announces a route only in desired',
      desired: [{ prefix: P }],
      announced: [],
      want: { announce: [`* ipv4 unicast ${P}`], update: [], withdraw: [], unchanged: 0 },
    },
    {
      name: 'withdraws a route removed from desired',
      desired: [],
      announced: [{ prefix: P }],
      want: { announce: [], update: [], withdraw: [`* ipv4 unicast ${P}`], unchanged: 0 },
    },
    {
      name: 'updates a route whose attributes changed, without withdrawing it',
      desired: [{ prefix: P, med: 20 }],
      announced: [{ prefix: P, med: 10 }],
      want: { announce: [], update: [`* ipv4 unicast ${P}`], withdraw: [], unchanged: 0 },
    },
    {
      name: 'counts a route with the same value as unchanged',
      desired: [{ prefix: P, med: 10 }],
      announced: [{ prefix: P, med: 10 }],
      want: { announce: [], update: [], withdraw: [], unchanged: 1 },
    },
    {
      name: 'treats another path-information as another route',
      desired: [{ prefix: P, pathInformation: 2 }],
      announced: [{ prefix: P, pathInformation: 1 }],
      want: {
        announce: [`* ipv4 unicast ${P} path-information 2`],
        update: [],
        withdraw: [`* ipv4 unicast ${P} path-information 1`],
        unchanged: 0,
      },
    },
    {
      name: 'treats a changed label as an update of the same key',
      desired: [{ prefix: P, label: [200] }],
      announced: [{ prefix: P, label: [100] }],
      want: { announce: [], update: [`* ipv4 nlri-mpls ${P}`], withdraw: [], unchanged: 0 },
    },
  ])('$name', ({ desired, announced, want }) => {
    const plan = diffRoutes(routeSet(desired), routeSet(announced));
    expect({
      announce: keys(plan.announce),
      update: keys(plan.update.map((u) => u.after)),
      withdraw: keys(plan.withdraw),
      unchanged: plan.unchanged,
    }).toEqual(want);
  });

  it('sorts every list by target, family and numeric prefix', () => {
    const desired = routeSet([
      { prefix: '10.0.10.0/24', target: N1 },
      { prefix: '2001:db8::/32' },
      { prefix: '10.0.10.0/24' },
      { prefix: '10.0.2.0/24' },
      { prefix: '10.0.2.0/23' },
    ]);
    const plan = diffRoutes(desired, new Map());
    expect(keys(plan.announce)).toEqual([
      '* ipv4 unicast 10.0.2.0/23',
      '* ipv4 unicast 10.0.2.0/24',
      '* ipv4 unicast 10.0.10.0/24',
      '* ipv6 unicast 2001:db8::/32',
      `${N1} ipv4 unicast 10.0.10.0/24`,
    ]);
  });

  it.each([
    {
      name: 'announces an unknown desired key although announced holds the same value',
      announced: [{ prefix: P }],
      want: 'announce',
    },
    {
      name: 'announces an unknown desired key that is not announced',
      announced: [],
      want: 'announce',
    },
    {
      name: 'updates an unknown desired key that announced holds with another value',
      announced: [{ prefix: P, med: 1 }],
      want: 'update',
    },
  ])('$name', ({ announced, want }) => {
    const desired = routeSet([{ prefix: P }]);
    const plan = diffRoutes(desired, routeSet(announced), {
      unknown: new Set([`* ipv4 unicast ${P}`]),
    });
    expect({
      announce: plan.announce.length,
      update: plan.update.length,
      unchanged: plan.unchanged,
    }).toEqual({
      announce: want === 'announce' ? 1 : 0,
      update: want === 'update' ? 1 : 0,
      unchanged: 0,
    });
  });

  it('withdraws an unknown key that is no longer desired', () => {
    const plan = diffRoutes(new Map(), routeSet([{ prefix: P }]), {
      unknown: new Set([`* ipv4 unicast ${P}`]),
    });
    expect(keys(plan.withdraw)).toEqual([`* ipv4 unicast ${P}`]);
  });
});

describe('diffRoutes target layering', () => {
  const all = (med: number): RouteSpec => ({ prefix: P, med });
  const at = (target: string, med: number): RouteSpec => ({ prefix: P, target, med });
  it.each<{ name: string; announced: RouteSpec[]; desired: RouteSpec[]; want: string[] }>([
    {
      name: 'moving a route from all neighbors to one neighbor re-asserts it after the all-neighbors withdraw',
      announced: [all(1)],
      desired: [at(N1, 1)],
      want: [`after-all-neighbors-command ${N1} ipv4 unicast ${P} next-hop 192.0.2.254 med 1`],
    },
    {
      name: 'moving a route from one neighbor to all neighbors replaces the neighbor route with the all-neighbors value',
      announced: [at(N1, 1)],
      desired: [all(1)],
      want: [`replaces-neighbor-route ${N1} ipv4 unicast ${P} next-hop 192.0.2.254 med 1`],
    },
    {
      name: 'moving a route from one neighbor to another needs no re-assert',
      announced: [at(N1, 1)],
      desired: [at(N2, 1)],
      want: [],
    },
    {
      name: 'adding a neighbor route while the all-neighbors route exists needs no re-assert',
      announced: [all(1)],
      desired: [all(1), at(N1, 2)],
      want: [],
    },
    {
      name: 'removing the all-neighbors route while a neighbor route exists re-asserts the neighbor route',
      announced: [all(1), at(N1, 2)],
      desired: [at(N1, 2)],
      want: [`after-all-neighbors-command ${N1} ipv4 unicast ${P} next-hop 192.0.2.254 med 2`],
    },
    {
      name: 'updating the all-neighbors route re-asserts every unchanged neighbor route',
      announced: [all(1), at(N1, 2), at(N2, 3)],
      desired: [all(4), at(N1, 2), at(N2, 3)],
      want: [
        `after-all-neighbors-command ${N1} ipv4 unicast ${P} next-hop 192.0.2.254 med 2`,
        `after-all-neighbors-command ${N2} ipv4 unicast ${P} next-hop 192.0.2.254 med 3`,
      ],
    },
    {
      name: 'updating the all-neighbors route and a neighbor route re-asserts only the unchanged one',
      announced: [all(1), at(N1, 2), at(N2, 3)],
      desired: [all(4), at(N1, 5), at(N2, 3)],
      want: [`after-all-neighbors-command ${N2} ipv4 unicast ${P} next-hop 192.0.2.254 med 3`],
    },
    {
      name: 'removing a neighbor route while the all-neighbors route stays replaces it with the all-neighbors value',
      announced: [all(1), at(N1, 2)],
      desired: [all(1)],
      want: [`replaces-neighbor-route ${N1} ipv4 unicast ${P} next-hop 192.0.2.254 med 1`],
    },
    {
      name: 'withdrawing the all-neighbors route re-asserts a neighbor route announced in the same plan',
      announced: [all(1)],
      desired: [at(N1, 2)],
      want: [`after-all-neighbors-command ${N1} ipv4 unicast ${P} next-hop 192.0.2.254 med 2`],
    },
    {
      name: 'an all-neighbors command for another prefix re-asserts nothing',
      announced: [at(N1, 2)],
      desired: [at(N1, 2), { prefix: '10.9.0.0/24' }],
      want: [],
    },
    {
      name: 'an all-neighbors command for another path-information re-asserts nothing',
      announced: [at(N1, 2)],
      desired: [at(N1, 2), { prefix: P, pathInformation: 1 }],
      want: [],
    },
  ])('$name', ({ announced, desired, want }) => {
    expect(reasserts(diffRoutes(routeSet(desired), routeSet(announced)))).toEqual(want);
  });

  it('keeps a replaced neighbor route in the withdraw list for reporting', () => {
    const plan = diffRoutes(routeSet([all(1)]), routeSet([all(1), at(N1, 2)]));
    expect(keys(plan.withdraw)).toEqual([`${N1} ipv4 unicast ${P}`]);
    expect(plan.reassert[0]?.route.target).toBe(N1);
  });

  it('re-asserts a neighbor route whose all-neighbors key is unknown after a crash', () => {
    const desired = routeSet([all(1), at(N1, 2)]);
    const plan = diffRoutes(desired, desired, { unknown: new Set([`* ipv4 unicast ${P}`]) });
    expect(reasserts(plan)).toEqual([
      `after-all-neighbors-command ${N1} ipv4 unicast ${P} next-hop 192.0.2.254 med 2`,
    ]);
  });

  it('returns routes from the desired set in re-asserts', () => {
    const desired = routeSet([all(4), at(N1, 2)]);
    const plan = diffRoutes(desired, routeSet([all(1), at(N1, 2)]));
    expect(plan.reassert[0]?.route).toBe(desired.get(routeKey(route(at(N1, 2)))));
  });
});
