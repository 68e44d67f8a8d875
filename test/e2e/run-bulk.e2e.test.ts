// Bulk changes on ExaBGP 4.2 and 5.0: whole files of 1000+ ipv4 and ipv6 routes added, changed,
// re-targeted and removed at once. The reconciler groups them into bulk lines; the sessions must
// never reset (4.2.21 resets on an ipv4 `withdraw attributes nlri A B ...`, 5.0.13 on the ipv6 form,
// exabgp5.md §9) and each peer must see exactly one withdraw per prefix that leaves it.
import { expect, it } from 'vitest';
import { baseRunArgs } from './harness/binaries.js';
import { slotPeers, type RigPeer } from './harness/rig.js';
import {
  generatePrefixes,
  removeRouteFile,
  writeRouteFile,
  type E2eRoute,
} from './harness/routes.js';
import {
  countersSince,
  describeVersions,
  expectPeers,
  expectWithdrawCounts,
  settle,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';

const SLOT = 15;
const V4 = 1_000;
const V6 = 1_000;
const TARGETED = 200;

/** Stays announced throughout: the bulk file is never the whole table. */
const KEEP: E2eRoute[] = [
  { prefix: '203.0.113.0/24', nextHop: '192.0.2.1', med: 1, communities: ['65000:15'] },
  { prefix: '2001:db8:f00::/48', nextHop: '2001:db8::15', med: 1 },
];

const v4 = generatePrefixes(V4 + TARGETED, { base: 150 });
const v6 = generatePrefixes(V6 + TARGETED, { family: 'ipv6', base: 0x150 });

/**
 * The bulk file: 1000 ipv4 /24s and 1000 ipv6 /64s to every peer (two attribute groups each), plus
 * 200 ipv4 routes only for `v4Peer` and 200 ipv6 routes only for `v6Peer`. `med` shifts every MED.
 */
function bulkFile(options: {
  med: number;
  v4Peer: RigPeer;
  v6Peer: RigPeer;
  keepShare?: number;
}): E2eRoute[] {
  const share = (list: readonly string[]) =>
    list.slice(0, Math.round(list.length * (options.keepShare ?? 1)));
  const half = (list: readonly string[], i: 0 | 1) => share(list).filter((_, n) => n % 2 === i);
  const all4 = v4.slice(0, V4);
  const all6 = v6.slice(0, V6);
  return [
    { prefixes: half(all4, 0), nextHop: '192.0.2.150', med: options.med, communities: ['65000:1'] },
    { prefixes: half(all4, 1), nextHop: '192.0.2.151', med: options.med + 1 },
    { prefixes: half(all6, 0), nextHop: '2001:db8::150', med: options.med },
    {
      prefixes: half(all6, 1),
      nextHop: '2001:db8::151',
      med: options.med + 1,
      largeCommunities: ['65000:15:1'],
    },
    {
      prefixes: share(v4.slice(V4)),
      nextHop: '192.0.2.152',
      med: options.med,
      neighbors: [options.v4Peer.address],
    },
    {
      prefixes: share(v6.slice(V6)),
      nextHop: '2001:db8::152',
      med: options.med,
      neighbors: [options.v6Peer.address],
    },
  ];
}

describeVersions(
  'run applies bulk changes of whole files',
  { needMain: true },
  (binaries, version) => {
    const [A, B] = slotPeers(versionSlot(SLOT, version));
    const rig = useRig({
      slot: versionSlot(SLOT, version),
      name: `run-bulk-${version}`,
      binaries,
      // the guard is not under test here: removing the bulk file withdraws 99% of the table
      process: { kind: 'reconciler', args: [...baseRunArgs(), '--max-withdraw', '100%'] },
      prepare: ({ routesDir }) => writeRouteFile(routesDir, 'keep.yaml', KEEP),
    });
    useSessionGuard(rig);
    let bulk: E2eRoute[] = [];
    const desired = () => [...KEEP, ...bulk];

    /** Write (or remove, for []) the bulk file and wait for both peers to hold exactly the result. */
    async function apply(next: E2eRoute[], timeoutMs = 60_000) {
      const previous = desired();
      const before = await snapshotCounters(rig());
      bulk = next;
      if (next.length === 0) removeRouteFile(rig().routesDir, 'bulk.yaml');
      else writeRouteFile(rig().routesDir, 'bulk.yaml', next);
      await waitForPeers(rig(), desired(), timeoutMs);
      await settle();
      await expectPeers(rig(), desired());
      await expectWithdrawCounts(rig(), before, previous, desired());
      return countersSince(rig(), before);
    }

    it('announces the kept routes at start-up', async () => {
      await waitForPeers(rig(), KEEP, 60_000);
    });

    it('announces a file of 1200 ipv4 and 1200 ipv6 routes (some per peer)', async () => {
      const delta = await apply(bulkFile({ med: 10, v4Peer: A, v6Peer: B }));
      expect(delta[A.protocol]?.updates).toBe(V4 + V6 + TARGETED);
      expect(delta[B.protocol]?.updates).toBe(V4 + V6 + TARGETED);
    });

    it('changes the MED of every route of the file: updates only, no withdraw', async () => {
      const delta = await apply(bulkFile({ med: 20, v4Peer: A, v6Peer: B }));
      expect(delta[A.protocol]?.updates).toBe(V4 + V6 + TARGETED);
    });

    it('moves 200 ipv4 routes from A to B and 200 ipv6 routes from B to A', async () => {
      await apply(bulkFile({ med: 20, v4Peer: B, v6Peer: A }));
    });

    it('removes half of every group of the file (600 ipv4 and 600 ipv6 withdraws per peer)', async () => {
      await apply(bulkFile({ med: 20, v4Peer: B, v6Peer: A, keepShare: 0.5 }));
    });

    it('adds the whole file back', async () => {
      await apply(bulkFile({ med: 30, v4Peer: A, v6Peer: B }));
    });

    it('removes the whole file of 2400 routes at once', async () => {
      const delta = await apply([]);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]?.withdraws).toBe(V4 + V6 + TARGETED);
    });
  },
);
