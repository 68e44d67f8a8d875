// fast-check arbitraries for canonical routes and route sets. Prefixes are built from integers
// (host bits zeroed, IPv6 in RFC 5952 text); IPv4 multicast (224/4) is left out, as the loader does.
import fc from 'fast-check';
import { routeKey, type Route, type RouteSet } from '../../src/core/route.js';
import { route, routeSet, type RouteSpec } from './routes.js';

export const NEIGHBORS = ['192.0.2.1', '192.0.2.2', '2001:db8::2'] as const;

function ipv4Text(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** RFC 5952: lowercase, no leading zeros, the longest run (>= 2) of zero groups becomes `::`. */
export function ipv6Text(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export const ipv4PrefixArb: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }))
  .map(([addr, len]) => {
    const masked = len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
    const safe = masked >>> 28 === 0xe ? (masked & 0x0fffffff) >>> 0 : masked;
    return `${ipv4Text(safe)}/${len}`;
  });

export const ipv6PrefixArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    }),
    fc.integer({ min: 0, max: 128 }),
  )
  .map(([groups, len]) => {
    const masked = groups.map((g, i) => {
      const keep = Math.max(0, Math.min(16, len - i * 16));
      return keep === 0 ? 0 : g & ((0xffff << (16 - keep)) & 0xffff);
    });
    return `${ipv6Text(masked)}/${len}`;
  });

/** Attributes with canonical lists (sorted, de-duplicated); the next-hop matches the family. */
function attributeSpecArb(afi: 'ipv4' | 'ipv6'): fc.Arbitrary<Partial<RouteSpec>> {
  const nextHop =
    afi === 'ipv4'
      ? fc.constantFrom('192.0.2.254', '198.51.100.1', 'self')
      : fc.constantFrom('2001:db8::fe', 'fe80::1', 'self');
  return fc.record(
    {
      nextHop,
      med: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      localPreference: fc.integer({ min: 0, max: 1000 }),
      origin: fc.constantFrom('igp' as const, 'egp' as const, 'incomplete' as const),
      asPath: fc.record({
        sequence: fc.array(fc.integer({ min: 1, max: 4_200_000_000 }), { maxLength: 4 }),
      }),
      community: fc
        .uniqueArray(
          fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })),
          {
            minLength: 1,
            maxLength: 4,
            selector: ([a, b]) => a * 65536 + b,
          },
        )
        .map((cs) =>
          cs
            .sort((x, y) => x[0] * 65536 + x[1] - (y[0] * 65536 + y[1]))
            .map(([a, b]) => `${a}:${b}`),
        ),
      largeCommunity: fc.constant(['65000:1:2']),
      atomicAggregate: fc.constant(true as const),
    },
    { requiredKeys: ['nextHop'] },
  );
}

export interface RouteArbOptions {
  /** Prefix pool; by default any canonical prefix. */
  readonly prefixes?: fc.Arbitrary<string>;
  readonly targets?: readonly string[];
  /** Generate labelled (nlri-mpls) and mpls-vpn routes too. */
  readonly families?: boolean;
  readonly pathInformation?: boolean;
}

export function routeArb(options: RouteArbOptions = {}): fc.Arbitrary<Route> {
  const prefixes = options.prefixes ?? fc.oneof(ipv4PrefixArb, ipv6PrefixArb);
  const targets = options.targets ?? ['*', ...NEIGHBORS];
  const safis =
    options.families === false
      ? ['unicast' as const]
      : (['unicast', 'nlri-mpls', 'mpls-vpn'] as const);
  return fc
    .record({
      prefix: prefixes,
      target: fc.constantFrom(...targets),
      safi: fc.constantFrom(...safis),
      rd: fc.constantFrom('65000:1', '192.0.2.1:7'),
      label: fc.constantFrom([100], [16, 17]),
      pathInformation:
        options.pathInformation === false
          ? fc.constant(undefined)
          : fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      attrs: fc.boolean(),
    })
    .chain((base) =>
      attributeSpecArb(base.prefix.includes(':') ? 'ipv6' : 'ipv4').map((attrs) => {
        const spec: RouteSpec = {
          ...attrs,
          prefix: base.prefix,
          target: base.target,
          safi: base.safi,
          ...(base.safi === 'mpls-vpn' ? { rd: base.rd } : {}),
          ...(base.safi !== 'unicast' ? { label: base.label } : {}),
          ...(base.pathInformation !== undefined ? { pathInformation: base.pathInformation } : {}),
        };
        return route(spec);
      }),
    );
}

export function routeSetArb(options: RouteArbOptions = {}, maxLength = 40): fc.Arbitrary<RouteSet> {
  return fc.uniqueArray(routeArb(options), { maxLength, selector: routeKey }).map(routeSet);
}

/** A small pool of prefixes so desired and announced collide often, with both families. */
export const SMALL_PREFIXES = fc.constantFrom(
  '10.0.0.0/24',
  '10.0.1.0/24',
  '10.0.2.0/24',
  '10.0.10.0/24',
  '192.0.2.0/24',
  '2001:db8::/48',
  '2001:db8:1::/48',
  '2001:db8:a::/48',
);

/** Values from a small pool, so unchanged and updated keys both occur. */
export function layeredRouteArb(
  options: Omit<RouteArbOptions, 'prefixes'> = {},
): fc.Arbitrary<Route> {
  return fc
    .record({
      prefix: SMALL_PREFIXES,
      target: fc.constantFrom(...(options.targets ?? ['*', NEIGHBORS[0], NEIGHBORS[1]])),
      med: fc.integer({ min: 1, max: 3 }),
      safi: fc.constantFrom(
        ...(options.families === false
          ? (['unicast'] as const)
          : (['unicast', 'unicast', 'nlri-mpls', 'mpls-vpn'] as const)),
      ),
      pathInformation:
        options.pathInformation === false
          ? fc.constant(undefined)
          : fc.option(fc.constantFrom(1, 2), { nil: undefined, freq: 3 }),
    })
    .map(({ prefix, target, med, safi, pathInformation }) =>
      route({
        prefix,
        target,
        med,
        safi,
        ...(safi === 'mpls-vpn' ? { rd: '65000:1' } : {}),
        ...(safi !== 'unicast' ? { label: [100 + med] } : {}),
        ...(pathInformation !== undefined ? { pathInformation } : {}),
      }),
    );
}

export function layeredSetArb(
  options: Omit<RouteArbOptions, 'prefixes'> = {},
): fc.Arbitrary<RouteSet> {
  return fc
    .uniqueArray(layeredRouteArb(options), { maxLength: 24, selector: routeKey })
    .map(routeSet);
}
