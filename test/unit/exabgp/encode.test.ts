import { describe, expect, it } from 'vitest';
import { diffRoutes } from '../../../src/core/diff.js';
import {
  encodePlan,
  encodePlanText,
  encodeRoute,
  type CommandLine,
} from '../../../src/exabgp/encode.js';
import { routeKey } from '../../../src/core/route.js';
import { assertValidExabgpLine } from '../../helpers/exabgp-grammar.js';
import { route, routeSet, type RouteSpec } from '../../helpers/routes.js';

const N1 = '192.0.2.1';
const P = '10.0.0.0/24';

function lines(desired: RouteSpec[], announced: RouteSpec[] = [], options = {}): string[] {
  const text = encodePlanText(diffRoutes(routeSet(desired), routeSet(announced)), options);
  text.forEach((l) => assertValidExabgpLine(l));
  return text;
}

describe('encodeRoute', () => {
  it.each<{ name: string; action: 'announce' | 'withdraw'; spec: RouteSpec; want: string }>([
    {
      name: 'announces a unicast route with its value',
      action: 'announce',
      spec: { prefix: P, med: 10 },
      want: `announce route ${P} next-hop 192.0.2.254 med 10`,
    },
    {
      name: 'withdraws a unicast route by prefix alone',
      action: 'withdraw',
      spec: { prefix: P, med: 10 },
      want: `withdraw route ${P}`,
    },
    {
      name: 'prefixes a neighbor selector',
      action: 'announce',
      spec: { prefix: P, target: N1 },
      want: `neighbor ${N1} announce route ${P} next-hop 192.0.2.254`,
    },
    {
      name: 'announces path-information before the value',
      action: 'announce',
      spec: { prefix: P, pathInformation: 7 },
      want: `announce route ${P} path-information 7 next-hop 192.0.2.254`,
    },
    {
      name: 'withdraws with path-information',
      action: 'withdraw',
      spec: { prefix: P, pathInformation: 7 },
      want: `withdraw route ${P} path-information 7`,
    },
    {
      name: 'announces an mpls-vpn route with its rd and label',
      action: 'announce',
      spec: { prefix: P, rd: '65000:1', label: [100] },
      want: `announce route ${P} rd 65000:1 next-hop 192.0.2.254 label [ 100 ]`,
    },
    {
      name: 'withdraws an mpls-vpn route with its rd',
      action: 'withdraw',
      spec: { prefix: P, rd: '65000:1', label: [100] },
      want: `withdraw route ${P} rd 65000:1`,
    },
    {
      name: 'withdraws a labelled route with a label so the family is right',
      action: 'withdraw',
      spec: { prefix: P, label: [100] },
      want: `withdraw route ${P} label [ 100 ]`,
    },
    {
      name: 'spells communities space-separated inside brackets',
      action: 'announce',
      spec: { prefix: P, community: ['65000:1', '65000:2'] },
      want: `announce route ${P} next-hop 192.0.2.254 community [ 65000:1 65000:2 ]`,
    },
  ])('$name', ({ action, spec, want }) => {
    const text = encodeRoute(action, route(spec));
    expect(text).toBe(want);
    assertValidExabgpLine(text);
  });

  it('refuses a labelled route without a label as a bug', () => {
    expect(() => encodeRoute('withdraw', route({ prefix: P, safi: 'nlri-mpls' }))).toThrow(
      /^BUG: /,
    );
  });
});

describe('encodePlan', () => {
  it('groups routes sharing target, family and value into one bulk line', () => {
    expect(
      lines([
        { prefix: '10.0.1.0/24' },
        { prefix: '10.0.0.0/24' },
        { prefix: '10.0.2.0/24', med: 5 },
      ]),
    ).toEqual([
      'announce attributes next-hop 192.0.2.254 nlri 10.0.0.0/24 10.0.1.0/24',
      'announce route 10.0.2.0/24 next-hop 192.0.2.254 med 5',
    ]);
  });

  it('groups withdraws into one bulk line per family', () => {
    expect(
      lines(
        [],
        [
          { prefix: '10.0.0.0/24' },
          { prefix: '10.0.1.0/24', med: 3 },
          { prefix: '2001:db8::/48' },
          { prefix: '2001:db8:1::/48' },
        ],
      ),
    ).toEqual([
      'withdraw attributes next-hop 0.0.0.0 nlri 10.0.0.0/24 10.0.1.0/24',
      'withdraw attributes next-hop :: nlri 2001:db8::/48 2001:db8:1::/48',
    ]);
  });

  it('never mixes ipv4 and ipv6 prefixes in one line', () => {
    expect(
      lines([
        { prefix: '10.0.0.0/24', nextHop: 'self' },
        { prefix: '10.0.1.0/24', nextHop: 'self' },
        { prefix: '2001:db8::/48', nextHop: 'self' },
        { prefix: '2001:db8:1::/48', nextHop: 'self' },
      ]),
    ).toEqual([
      'announce attributes next-hop self nlri 10.0.0.0/24 10.0.1.0/24',
      'announce attributes next-hop self nlri 2001:db8::/48 2001:db8:1::/48',
    ]);
  });

  it('keeps the rd outside the value and the label inside it on mpls-vpn bulk lines', () => {
    expect(
      lines(
        [
          { prefix: '10.0.0.0/24', rd: '65000:1', label: [100] },
          { prefix: '10.0.1.0/24', rd: '65000:1', label: [100] },
        ],
        [
          { prefix: '10.1.0.0/24', rd: '65000:1', label: [9] },
          { prefix: '10.1.1.0/24', rd: '65000:1', label: [9] },
        ],
      ),
    ).toEqual([
      'announce attributes next-hop 192.0.2.254 label [ 100 ] rd 65000:1 nlri 10.0.0.0/24 10.0.1.0/24',
      'withdraw attributes next-hop 0.0.0.0 rd 65000:1 nlri 10.1.0.0/24 10.1.1.0/24',
    ]);
  });

  it('withdraws labelled routes in bulk with a label so ExaBGP picks nlri-mpls', () => {
    expect(
      lines(
        [],
        [
          { prefix: '10.1.0.0/24', label: [9] },
          { prefix: '10.1.1.0/24', label: [9] },
        ],
      ),
    ).toEqual(['withdraw attributes next-hop 0.0.0.0 label [ 9 ] nlri 10.1.0.0/24 10.1.1.0/24']);
  });

  it('writes routes with path-information as single lines', () => {
    expect(
      lines([
        { prefix: '10.0.0.0/24', pathInformation: 1 },
        { prefix: '10.0.1.0/24', pathInformation: 1 },
      ]),
    ).toEqual([
      'announce route 10.0.0.0/24 path-information 1 next-hop 192.0.2.254',
      'announce route 10.0.1.0/24 path-information 1 next-hop 192.0.2.254',
    ]);
  });

  it('writes ipv4 multicast-range prefixes as single lines', () => {
    expect(
      lines([{ prefix: '224.0.1.0/24' }, { prefix: '10.0.0.0/24' }, { prefix: '10.0.1.0/24' }]),
    ).toEqual([
      'announce attributes next-hop 192.0.2.254 nlri 10.0.0.0/24 10.0.1.0/24',
      'announce route 224.0.1.0/24 next-hop 192.0.2.254',
    ]);
  });

  it('writes one line per route when bulk is off', () => {
    expect(
      lines([{ prefix: '10.0.0.0/24' }, { prefix: '10.0.1.0/24' }], [], { bulk: false }),
    ).toEqual([
      'announce route 10.0.0.0/24 next-hop 192.0.2.254',
      'announce route 10.0.1.0/24 next-hop 192.0.2.254',
    ]);
  });

  it.each([
    { name: 'caps the prefixes per line', options: { maxPrefixesPerLine: 2 }, want: [2, 2, 1] },
    {
      name: 'caps the bytes per line',
      options: { maxLineBytes: 'announce attributes next-hop 192.0.2.254 nlri'.length + 3 * 12 },
      want: [3, 2],
    },
  ])('$name', ({ options, want }) => {
    const desired = [0, 1, 2, 3, 4].map((i) => ({ prefix: `10.0.${i}.0/24` }));
    const out = lines(desired, [], options);
    expect(
      out.map((l) =>
        l.startsWith('announce route') ? 1 : l.split(' nlri ')[1]?.split(' ').length,
      ),
    ).toEqual(want);
    const cap = 'maxLineBytes' in options ? options.maxLineBytes : Infinity;
    out.forEach((l) => expect(l.length).toBeLessThanOrEqual(cap));
  });

  it('writes announces and updates before withdraws (make-before-break)', () => {
    expect(
      lines(
        [{ prefix: '10.0.9.0/24' }, { prefix: '10.0.1.0/24', med: 2 }],
        [{ prefix: '10.0.0.0/24' }, { prefix: '10.0.1.0/24', med: 1 }],
      ),
    ).toEqual([
      'announce route 10.0.1.0/24 next-hop 192.0.2.254 med 2',
      'announce route 10.0.9.0/24 next-hop 192.0.2.254',
      'withdraw route 10.0.0.0/24',
    ]);
  });

  it('writes every all-neighbors line before any neighbor line', () => {
    expect(
      lines([
        { prefix: '10.0.0.0/24', target: N1 },
        { prefix: '10.0.5.0/24' },
        { prefix: '2001:db8::/48' },
      ]),
    ).toEqual([
      'announce route 10.0.5.0/24 next-hop 192.0.2.254',
      'announce route 2001:db8::/48 next-hop 2001:db8::fe',
      `neighbor ${N1} announce route 10.0.0.0/24 next-hop 192.0.2.254`,
    ]);
  });

  it.each([
    [
      'a command word in the value',
      { ...route({ prefix: P }), value: 'next-hop 192.0.2.254 name shutdown' },
    ],
    ['a comment in the value', { ...route({ prefix: P }), value: 'next-hop 192.0.2.254 # x' }],
    ['a selector with extra words', { ...route({ prefix: P }), target: '192.0.2.1 peer-as 1' }],
  ])('refuses %s as a bug instead of writing it', (_name, bad) => {
    const plan = diffRoutes(routeSet([bad]), new Map());
    expect(() => encodePlan(plan)).toThrow(/^BUG: unsafe/);
  });

  it('records what the ledger commits on done for each line', () => {
    const plan = diffRoutes(
      routeSet([{ prefix: '10.0.0.0/24' }]),
      routeSet([{ prefix: '10.0.1.0/24' }]),
    );
    expect(encodePlan(plan).map((l) => [l.commit, l.routes.map(routeKey)])).toEqual([
      ['set', ['* ipv4 unicast 10.0.0.0/24']],
      ['remove', ['* ipv4 unicast 10.0.1.0/24']],
    ]);
  });
});

describe('encodePlan target layering', () => {
  const all = (med: number): RouteSpec => ({ prefix: P, med });
  const at = (med: number): RouteSpec => ({ prefix: P, target: N1, med });
  const show = (l: CommandLine): string =>
    `${l.commit} ${l.text}${l.touches === undefined ? '' : ` touches ${l.touches.join(',')}`}`;
  it.each<{ name: string; announced: RouteSpec[]; desired: RouteSpec[]; want: string[] }>([
    {
      name: 'all neighbors to one neighbor: announce to it, withdraw everywhere, re-assert it',
      announced: [all(1)],
      desired: [at(1)],
      want: [
        `set neighbor ${N1} announce route ${P} next-hop 192.0.2.254 med 1`,
        `remove withdraw route ${P} touches ${N1} ipv4 unicast ${P}`,
        `none neighbor ${N1} announce route ${P} next-hop 192.0.2.254 med 1`,
      ],
    },
    {
      name: 'one neighbor to all neighbors: announce everywhere, then replace the neighbor route without a withdraw',
      announced: [at(1)],
      desired: [all(1)],
      want: [
        `set announce route ${P} next-hop 192.0.2.254 med 1 touches ${N1} ipv4 unicast ${P}`,
        `remove neighbor ${N1} announce route ${P} next-hop 192.0.2.254 med 1`,
      ],
    },
    {
      name: 'update of the all-neighbors route re-asserts the neighbor route after it',
      announced: [all(1), at(2)],
      desired: [all(3), at(2)],
      want: [
        `set announce route ${P} next-hop 192.0.2.254 med 3 touches ${N1} ipv4 unicast ${P}`,
        `none neighbor ${N1} announce route ${P} next-hop 192.0.2.254 med 2`,
      ],
    },
    {
      name: 'removing the neighbor route while the all-neighbors route stays sends the all-neighbors value to it',
      announced: [all(1), at(2)],
      desired: [all(1)],
      want: [`remove neighbor ${N1} announce route ${P} next-hop 192.0.2.254 med 1`],
    },
  ])('$name', ({ announced, desired, want }) => {
    const out = encodePlan(diffRoutes(routeSet(desired), routeSet(announced)));
    out.forEach((l) => assertValidExabgpLine(l.text));
    expect(out.map(show)).toEqual(want);
  });

  it('commits the removal of the replaced neighbor key, not the all-neighbors key', () => {
    const out = encodePlan(diffRoutes(routeSet([all(1)]), routeSet([all(1), at(2)])));
    expect(out.map((l) => l.routes.map(routeKey))).toEqual([[`${N1} ipv4 unicast ${P}`]]);
  });
});

describe('encodePlan target layering with the neighbor set known', () => {
  const N2 = '192.0.2.2';
  const N3 = '2001:db8::3';
  const all = (med: number): RouteSpec => ({ prefix: P, med });
  const at = (med: number, target = N1): RouteSpec => ({ prefix: P, target, med });
  const show = (l: CommandLine): string =>
    `${l.commit} ${l.text} [${l.routes.map(routeKey).join(',')}]${l.touches === undefined ? '' : ` touches ${l.touches.join(',')}`}`;
  it.each<{
    name: string;
    neighbors: string[];
    announced: RouteSpec[];
    desired: RouteSpec[];
    want: string[];
  }>([
    {
      name: 'all neighbors to one: the withdraw names every other neighbor, no re-assert',
      neighbors: [N3, N2, N1],
      announced: [all(1)],
      desired: [at(1)],
      want: [
        `set neighbor ${N1} announce route ${P} next-hop 192.0.2.254 med 1 [${N1} ipv4 unicast ${P}]`,
        `remove neighbor ${N2} , neighbor ${N3} withdraw route ${P} [* ipv4 unicast ${P}]`,
      ],
    },
    {
      name: 'an update of the all-neighbors value skips the neighbor that keeps its own',
      neighbors: [N1, N2],
      announced: [all(1), at(2)],
      desired: [all(3), at(2)],
      want: [
        `set neighbor ${N2} announce route ${P} next-hop 192.0.2.254 med 3 [* ipv4 unicast ${P}]`,
      ],
    },
    {
      name: 'every neighbor keeps its own: no all-neighbors line, the ledger change rides on a keeper',
      neighbors: [N1, N2],
      announced: [all(1), at(2), at(4, N2)],
      desired: [at(2), at(4, N2)],
      want: [
        `remove neighbor ${N1} announce route ${P} next-hop 192.0.2.254 med 2 [* ipv4 unicast ${P}]`,
      ],
    },
    {
      name: 'a prefix no neighbor keeps is still one selector-less line',
      neighbors: [N1, N2],
      announced: [all(1), { prefix: '10.0.1.0/24' }],
      desired: [at(1)],
      want: [
        `set neighbor ${N1} announce route ${P} next-hop 192.0.2.254 med 1 [${N1} ipv4 unicast ${P}]`,
        `remove neighbor ${N2} withdraw route ${P} [* ipv4 unicast ${P}]`,
        `remove withdraw route 10.0.1.0/24 [* ipv4 unicast 10.0.1.0/24]`,
      ],
    },
  ])('$name', ({ neighbors, announced, desired, want }) => {
    const plan = diffRoutes(routeSet(desired), routeSet(announced));
    const out = encodePlan(plan, { neighbors: new Set(neighbors) });
    out.forEach((l) => assertValidExabgpLine(l.text));
    expect(out.map(show)).toEqual(want);
  });
});
