// Test builders for canonical routes: route({ prefix, ...attributes }) and routeSet([...]).
// Inputs are taken as canonical (tests pass canonical text); only defaults are filled in.
import {
  ALL_NEIGHBORS,
  makeRoute,
  routeKey,
  type Afi,
  type AsPath,
  type Origin,
  type Route,
  type RouteAttributes,
  type RouteKey,
  type RouteSet,
  type Safi,
} from '../../src/core/route.js';

/** A route in one flat object, as in the golden cases' desired.json / announced.json. */
export interface RouteSpec {
  readonly prefix: string;
  readonly target?: string;
  readonly safi?: Safi;
  readonly rd?: string;
  readonly pathInformation?: number;
  readonly nextHop?: string;
  readonly origin?: Origin;
  readonly asPath?: AsPath;
  readonly med?: number;
  readonly localPreference?: number;
  readonly community?: readonly string[];
  readonly largeCommunity?: readonly string[];
  readonly extendedCommunity?: readonly string[];
  readonly atomicAggregate?: true;
  readonly aggregator?: { readonly asn: number; readonly address: string };
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  readonly label?: readonly number[];
}

const ATTRIBUTE_FIELDS = [
  'origin',
  'asPath',
  'med',
  'localPreference',
  'community',
  'largeCommunity',
  'extendedCommunity',
  'atomicAggregate',
  'aggregator',
  'originatorId',
  'clusterList',
  'label',
] as const;

function afiOf(prefix: string): Afi {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * Build a canonical Route. Defaults: target `*`, safi from rd/label (mpls-vpn, nlri-mpls,
 * unicast), next-hop 192.0.2.254 or 2001:db8::fe by family.
 */
export function route(spec: RouteSpec): Route {
  const afi = afiOf(spec.prefix);
  const safi: Safi =
    spec.safi ??
    (spec.rd !== undefined ? 'mpls-vpn' : spec.label !== undefined ? 'nlri-mpls' : 'unicast');
  const attributes: Record<string, unknown> = {
    nextHop: spec.nextHop ?? (afi === 'ipv4' ? '192.0.2.254' : '2001:db8::fe'),
  };
  for (const field of ATTRIBUTE_FIELDS) {
    if (spec[field] !== undefined) attributes[field] = spec[field];
  }
  return makeRoute({
    target: spec.target ?? ALL_NEIGHBORS,
    afi,
    safi,
    prefix: spec.prefix,
    ...(spec.rd !== undefined ? { rd: spec.rd } : {}),
    ...(spec.pathInformation !== undefined ? { pathInformation: spec.pathInformation } : {}),
    attributes: attributes as unknown as RouteAttributes,
  });
}

/** A RouteSet keyed by routeKey, from routes or specs (later entries win on a repeated key). */
export function routeSet(items: readonly (Route | RouteSpec)[]): RouteSet {
  const set = new Map<RouteKey, Route>();
  for (const item of items) {
    const r = 'value' in item ? item : route(item);
    set.set(routeKey(r), r);
  }
  return set;
}
