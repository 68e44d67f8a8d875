// Desired routes as the e2e tests write them (routes.d YAML in ExaBGP spelling) and the RIB a BIRD
// peer must then hold, with a bounded wait that reports missing, unexpected and different routes.
import { renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Bird, PeerRoute } from './bird.js';
import { waitFor } from './processes.js';

/** One routes.d entry: `prefix` or the grouped `prefixes` form, attributes, optional targets. */
export interface E2eRoute {
  prefix?: string;
  prefixes?: readonly string[];
  /** Route distinguisher: makes it ipv4 mpls-vpn. */
  rd?: string;
  /** MPLS labels: labelled unicast (nlri-mpls), or the VPN label with `rd`. */
  label?: readonly number[];
  nextHop: string;
  origin?: 'igp' | 'egp' | 'incomplete';
  /** AS_SEQUENCE; a nested list as the last element is an AS_SET. */
  asPath?: readonly (number | readonly number[])[];
  med?: number;
  localPref?: number;
  communities?: readonly string[];
  largeCommunities?: readonly string[];
  extCommunities?: readonly string[];
  /** Neighbor addresses this entry targets; absent = every neighbor (`*`). */
  neighbors?: readonly string[];
}

/** The YAML mapping for one entry, keys in ExaBGP's spelling. */
export function toRouteFileEntry(route: E2eRoute): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  if (route.prefix !== undefined) entry['prefix'] = route.prefix;
  if (route.prefixes !== undefined) entry['prefixes'] = [...route.prefixes];
  if (route.rd !== undefined) entry['rd'] = route.rd;
  if (route.label !== undefined) entry['label'] = [...route.label];
  entry['next-hop'] = route.nextHop;
  if (route.origin !== undefined) entry['origin'] = route.origin;
  if (route.asPath !== undefined) entry['as-path'] = [...route.asPath];
  if (route.med !== undefined) entry['med'] = route.med;
  if (route.localPref !== undefined) entry['local-preference'] = route.localPref;
  if (route.communities !== undefined) entry['community'] = [...route.communities];
  if (route.largeCommunities !== undefined) entry['large-community'] = [...route.largeCommunities];
  if (route.extCommunities !== undefined) entry['extended-community'] = [...route.extCommunities];
  if (route.neighbors !== undefined) entry['neighbors'] = [...route.neighbors];
  return entry;
}

export function renderRouteFile(routes: readonly E2eRoute[]): string {
  return stringify({ routes: routes.map(toRouteFileEntry) }, { lineWidth: 0 });
}

/** Write a file the way editors and git do: a dotfile in the same directory, then rename over. */
export function writeFileAtomic(path: string, text: string): void {
  const slash = path.lastIndexOf('/');
  const tmp = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function writeRouteFile(dir: string, name: string, routes: readonly E2eRoute[]): void {
  writeFileAtomic(join(dir, name), renderRouteFile(routes));
}

export function removeRouteFile(dir: string, name: string): void {
  rmSync(join(dir, name), { force: true });
}

/** One comparable line per route: what a peer must hold, attributes included. */
export function describePeerRoute(r: Omit<PeerRoute, 'protocol' | 'other' | 'table'>): string {
  const parts = [
    r.prefix,
    ...(r.labels.length > 0 ? [`label [${r.labels.join(' ')}]`] : []),
    `next-hop ${r.nextHop}`,
    `origin ${r.origin}`,
    `as-path [${r.asPath}]`,
    r.med === undefined ? 'med -' : `med ${r.med}`,
    r.localPref === undefined ? 'local-pref -' : `local-pref ${r.localPref}`,
    `community [${r.communities.join(' ')}]`,
    `large-community [${r.largeCommunities.join(' ')}]`,
    `extended-community [${r.extCommunities.join(' ')}]`,
  ];
  if (r.atomicAggregate) parts.push('atomic-aggregate');
  return parts.join(' ');
}

/** Well-known communities as BIRD prints them (numerically). */
const WELL_KNOWN: Record<string, string> = {
  'no-export': '65535:65281',
  'no-advertise': '65535:65282',
  'no-export-subconfed': '65535:65283',
  nopeer: '65535:65284',
  'no-peer': '65535:65284',
  blackhole: '65535:666',
};

const sortNumeric = (list: readonly string[]) =>
  [...list].sort((a, b) => {
    const na = a.split(':').map(Number);
    const nb = b.split(':').map(Number);
    for (let i = 0; i < Math.max(na.length, nb.length); i++) {
      const d = (na[i] ?? 0) - (nb[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  });

/**
 * The routes `peerAddress` must hold for these desired entries (an entry that names this neighbor
 * overrides a `*` entry for the same prefix). iBGP session: the as-path is sent
 * as given (empty when absent), a missing local-preference reads as BIRD's default 100, origin igp.
 */
export function expectedPeerRoutes(
  routes: readonly E2eRoute[],
  peerAddress: string,
): Map<string, string> {
  const expected = new Map<string, string>();
  // targets layer (design.md §3): an entry for this neighbor wins over a `*` entry for the prefix
  const wildcard = routes.filter((r) => r.neighbors === undefined);
  const specific = routes.filter((r) => r.neighbors?.includes(peerAddress) === true);
  for (const route of [...wildcard, ...specific]) {
    const prefixes = route.prefixes ?? (route.prefix === undefined ? [] : [route.prefix]);
    for (const network of prefixes) {
      const prefix =
        route.rd !== undefined
          ? `rd ${route.rd} ${network}`
          : route.label !== undefined
            ? `nlri-mpls ${network}`
            : network;
      const line = describePeerRoute({
        prefix,
        labels: [...(route.label ?? [])],
        nextHop: route.nextHop,
        origin: route.origin ?? 'igp',
        asPath: (route.asPath ?? [])
          .map((a) => (typeof a === 'number' ? String(a) : `{${a.join(' ')}}`))
          .join(' '),
        ...(route.med === undefined ? {} : { med: route.med }),
        localPref: route.localPref ?? 100,
        communities: sortNumeric([
          ...new Set((route.communities ?? []).map((c) => WELL_KNOWN[c] ?? c)),
        ]),
        largeCommunities: sortNumeric(route.largeCommunities ?? []),
        extCommunities: [...(route.extCommunities ?? [])].sort(),
        atomicAggregate: false,
      });
      expected.set(prefix, line);
    }
  }
  return expected;
}

export interface RibDiff {
  missing: string[];
  unexpected: string[];
  different: { expected: string; actual: string }[];
}

export function diffRib(
  expected: ReadonlyMap<string, string>,
  actual: readonly PeerRoute[],
): RibDiff {
  const seen = new Map<string, string>();
  const diff: RibDiff = { missing: [], unexpected: [], different: [] };
  for (const route of actual) {
    const line = describePeerRoute(route);
    if (seen.has(route.prefix)) diff.unexpected.push(`duplicate ${line}`);
    seen.set(route.prefix, line);
    const want = expected.get(route.prefix);
    if (want === undefined) diff.unexpected.push(line);
    else if (want !== line) diff.different.push({ expected: want, actual: line });
  }
  for (const [prefix, line] of expected) if (!seen.has(prefix)) diff.missing.push(line);
  return diff;
}

export function isEmptyDiff(d: RibDiff): boolean {
  return d.missing.length === 0 && d.unexpected.length === 0 && d.different.length === 0;
}

export function formatRibDiff(d: RibDiff, limit = 10): string {
  const head = (list: readonly string[]) =>
    list.slice(0, limit).join('\n    ') +
    (list.length > limit ? `\n    ... ${list.length - limit} more` : '');
  return [
    `missing (${d.missing.length}):\n    ${head(d.missing)}`,
    `unexpected (${d.unexpected.length}):\n    ${head(d.unexpected)}`,
    `different (${d.different.length}):\n    ${head(d.different.map((x) => `want ${x.expected}\n     got ${x.actual}`))}`,
  ].join('\n  ');
}

/** Poll the peer until its RIB for `protocol` equals the desired routes; throw with the last diff. */
export async function waitForRib(
  bird: Bird,
  protocol: string,
  expected: ReadonlyMap<string, string>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  let last: RibDiff | undefined;
  try {
    await waitFor(
      async () => {
        last = diffRib(expected, await bird.routes(protocol));
        return isEmptyDiff(last);
      },
      {
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: options.intervalMs ?? 250,
        what: `${protocol} RIB`,
      },
    );
  } catch (error) {
    const detail = last === undefined ? '' : `\n  ${formatRibDiff(last)}`;
    throw new Error(`${(error as Error).message}${detail}`, { cause: error });
  }
}

/** Assert the RIB equals `expected` right now (no waiting). */
export async function expectRib(
  bird: Bird,
  protocol: string,
  expected: ReadonlyMap<string, string>,
): Promise<void> {
  const diff = diffRib(expected, await bird.routes(protocol));
  if (!isEmptyDiff(diff))
    throw new Error(`${protocol} RIB differs from the desired state\n  ${formatRibDiff(diff)}`);
}

/** `count` /24s (or /48s for v6) starting at a base, for bulk tables: 10.{base+i/256}.{i%256}.0/24. */
export function generatePrefixes(
  count: number,
  options: { family?: 'ipv4' | 'ipv6'; base?: number } = {},
): string[] {
  const base = options.base ?? 100;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (options.family === 'ipv6') {
      const high = (base + Math.floor(i / 65536)).toString(16);
      const low = i % 65536;
      out.push(low === 0 ? `2001:db8:${high}::/64` : `2001:db8:${high}:${low.toString(16)}::/64`);
    } else {
      out.push(`10.${base + Math.floor(i / 256)}.${i % 256}.0/24`);
    }
  }
  return out;
}

const LIST = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String);

/**
 * An independent reading of a routes.d document (defaults merged, ExaBGP spelling) into E2eRoutes,
 * for asserting the bundled examples at a real peer. Entries with `next-hop self` are only counted
 * in `skipped`. `rewrite` maps neighbor addresses to rig peers.
 */
export function readRouteDocument(
  text: string,
  rewrite: Readonly<Record<string, string>> = {},
): { routes: E2eRoute[]; skipped: number } {
  const doc = (parse(text) ?? {}) as {
    defaults?: Record<string, unknown>;
    routes?: Record<string, unknown>[];
  };
  const routes: E2eRoute[] = [];
  let skipped = 0;
  for (const raw of doc.routes ?? []) {
    const e: Record<string, unknown> = { ...(doc.defaults ?? {}), ...raw };
    if (typeof e['next-hop'] !== 'string' || e['next-hop'] === 'self') {
      skipped += 1; // `self` resolves to the session address: not a fixed expectation
      continue;
    }
    const route: E2eRoute = { nextHop: e['next-hop'] };
    if (typeof e['rd'] === 'string') route.rd = e['rd'];
    if (e['label'] !== undefined) route.label = LIST(e['label'])!.map(Number);
    if (typeof e['prefix'] === 'string') route.prefix = e['prefix'];
    if (e['prefixes'] !== undefined) route.prefixes = LIST(e['prefixes'])!;
    if (e['origin'] !== undefined) route.origin = e['origin'] as NonNullable<E2eRoute['origin']>;
    if (e['as-path'] !== undefined) {
      const path = e['as-path'];
      route.asPath = (Array.isArray(path) ? path : [path]) as (number | number[])[];
    }
    if (e['med'] !== undefined) route.med = Number(e['med']);
    if (e['local-preference'] !== undefined) route.localPref = Number(e['local-preference']);
    if (e['community'] !== undefined) route.communities = LIST(e['community'])!;
    if (e['large-community'] !== undefined) route.largeCommunities = LIST(e['large-community'])!;
    if (e['extended-community'] !== undefined)
      route.extCommunities = LIST(e['extended-community'])!;
    if (e['neighbors'] !== undefined)
      route.neighbors = LIST(e['neighbors'])!.map((n) => rewrite[n] ?? n);
    routes.push(route);
  }
  return { routes, skipped };
}

/** The same document text with addresses replaced on its `neighbors` lines only. */
export function rewriteNeighbors(text: string, rewrite: Readonly<Record<string, string>>): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line.includes('neighbors')) return line;
      let out = line;
      for (const [from, to] of Object.entries(rewrite)) out = out.split(from).join(to);
      return out;
    })
    .join('\n');
}
