// Issue 3 scenario 6: two BIRD peers, routes targeted at one of them and moved between targets
// (`*` → A, A → B, B → `*`) and the A + `*` layering of design.md §3; each step converges exactly,
// withdraws exactly the prefixes that leave a peer and updates exactly those whose value changes
// there (no transient loss or change), and no session resets.
import { expect, it } from 'vitest';
import { baseRunArgs } from './harness/binaries.js';
import {
  expectedPeerRoutes,
  removeRouteFile,
  writeRouteFile,
  type E2eRoute,
} from './harness/routes.js';
import {
  describeVersions,
  countersSince,
  expectedWithdraws,
  settle,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';
import { slotPeers, type RigPeer } from './harness/rig.js';

const SLOT = 4;

/** Always announced to both peers, so no step ever trips the mass-withdraw guard. */
const BASE: E2eRoute[] = [
  { prefixes: ['203.0.113.0/26', '203.0.113.64/26', '203.0.113.128/26'], nextHop: '192.0.2.1' },
  { prefix: '2001:db8:400::/48', nextHop: '2001:db8::4' },
];

/** The moving routes: one ipv4 and one ipv6 prefix with their own attributes. */
function moving(neighbors: readonly string[] | undefined, med: number): E2eRoute[] {
  const targets = neighbors === undefined ? {} : { neighbors };
  return [
    { prefix: '10.40.0.0/24', nextHop: '192.0.2.40', med, communities: ['65000:40'], ...targets },
    { prefix: '2001:db8:40::/48', nextHop: '2001:db8::40', med, ...targets },
  ];
}

interface Step {
  name: string;
  /** File name → entries; a file absent from the map is removed. */
  files: Record<string, E2eRoute[]>;
}

function steps(A: RigPeer, B: RigPeer): Step[] {
  return [
    { name: 'to every neighbor (`*`)', files: { 'move.yaml': moving(undefined, 10) } },
    { name: 'from `*` to A only', files: { 'move.yaml': moving([A.address], 10) } },
    { name: 'from A to B', files: { 'move.yaml': moving([B.address], 10) } },
    { name: 'from B back to `*`', files: { 'move.yaml': moving(undefined, 10) } },
    {
      name: 'from `*` to A and B listed explicitly',
      files: { 'move.yaml': moving([A.address, B.address], 10) },
    },
    { name: 'from A and B back to `*`', files: { 'move.yaml': moving(undefined, 10) } },
    {
      name: 'layered: `*` plus an A entry with other attributes (A gets its own, B the `*` value)',
      files: { 'move.yaml': moving(undefined, 10), 'move-a.yaml': moving([A.address], 20) },
    },
    {
      name: 'layered: the `*` value changes, A keeps its own entry',
      files: { 'move.yaml': moving(undefined, 11), 'move-a.yaml': moving([A.address], 20) },
    },
    {
      name: 'layered: the A entry removed, A falls back to the `*` value',
      files: { 'move.yaml': moving(undefined, 11) },
    },
    {
      name: 'layered: the A entry back',
      files: { 'move.yaml': moving(undefined, 11), 'move-a.yaml': moving([A.address], 20) },
    },
    {
      name: 'layered: the `*` entry removed, only A keeps its entry',
      files: { 'move-a.yaml': moving([A.address], 20) },
    },
    { name: 'from A to `*` again', files: { 'move.yaml': moving(undefined, 12) } },
  ];
}

describeVersions('run moves routes between two peers', { needMain: true }, (binaries, version) => {
  const [A, B] = slotPeers(versionSlot(SLOT, version));
  const rig = useRig({
    slot: versionSlot(SLOT, version),
    name: `run-targets-${version}`,
    binaries,
    process: { kind: 'reconciler', args: baseRunArgs() },
    prepare: ({ routesDir }) => writeRouteFile(routesDir, 'base.yaml', BASE),
  });
  useSessionGuard(rig);
  let present = new Set<string>();
  let current: E2eRoute[] = BASE;

  it('announces the base routes to both peers at start-up', async () => {
    await waitForPeers(rig(), BASE, 60_000);
  });

  it.each(steps(A, B))('converges exactly: $name', async ({ files }) => {
    const before = await snapshotCounters(rig());
    for (const name of present) if (!(name in files)) removeRouteFile(rig().routesDir, name);
    for (const [name, routes] of Object.entries(files))
      writeRouteFile(rig().routesDir, name, routes);
    present = new Set(Object.keys(files));
    const next = [...BASE, ...Object.values(files).flat()];
    const previous = current;
    current = next;
    await waitForPeers(rig(), next, 20_000);
    await settle(1_000);
    await waitForPeers(rig(), next, 1_000);
    // Exactly the prefixes that leave a peer are withdrawn there, and exactly the prefixes whose
    // value changes at a peer are updated there: a `*` command never reaches a neighbor that keeps
    // an entry of its own for the prefix (explicit selectors from `show neighbor extensive`), so
    // there is no transient withdraw or attribute change followed by a re-assert.
    const delta = await countersSince(rig(), before);
    const withdraws = Object.fromEntries(Object.entries(delta).map(([p, d]) => [p, d.withdraws]));
    expect(withdraws).toEqual(expectedWithdraws(rig(), previous, next));
    const updates = Object.fromEntries(Object.entries(delta).map(([p, d]) => [p, d.updates]));
    expect(updates).toEqual(
      Object.fromEntries(
        rig().peers.map((peer) => [peer.protocol, changedAt(previous, next, peer.address)]),
      ),
    );
  });
});

/** Prefixes whose route at `peer` is new or different after the change (one UPDATE each). */
function changedAt(before: readonly E2eRoute[], after: readonly E2eRoute[], peer: string): number {
  const was = expectedPeerRoutes(before, peer);
  return [...expectedPeerRoutes(after, peer)].filter(([prefix, line]) => was.get(prefix) !== line)
    .length;
}
