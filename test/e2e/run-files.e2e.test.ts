// Issue 3 scenarios 1, 2, 3 and 7 against `exabgp-reconciler run` under a real ExaBGP (4.2 and 5.0)
// with two BIRD peers: start-up, file edits (one UPDATE per change), invalid files, and the
// emptied-directory guard. No BGP session may reset in any scenario.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { baseRunArgs } from './harness/binaries.js';
import { signalPid } from './harness/processes.js';
import {
  removeRouteFile,
  writeFileAtomic,
  writeRouteFile,
  type E2eRoute,
} from './harness/routes.js';
import {
  countersSince,
  describeVersions,
  expectNoChange,
  expectPeers,
  expectWithdrawCounts,
  settle,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';

const SLOT = 2;

/** Like the bundled examples: anycast services (v4 + v6, every attribute) and an RTBH list. */
const ANYCAST: E2eRoute[] = [
  {
    prefix: '198.51.100.0/24',
    nextHop: '192.0.2.1',
    origin: 'igp',
    asPath: [65010, 65020],
    med: 100,
    localPref: 200,
    communities: ['65000:200', '65000:100'],
    largeCommunities: ['65000:1:100'],
    extCommunities: ['target:65000:100'],
  },
  { prefix: '203.0.113.0/24', nextHop: '192.0.2.1', med: 100, communities: ['65000:100'] },
  {
    prefix: '2001:db8:100::/48',
    nextHop: '2001:db8::1',
    med: 100,
    largeCommunities: ['65000:6:1'],
  },
];
const RTBH: E2eRoute[] = [
  {
    prefixes: ['192.0.2.10/32', '192.0.2.11/32', '192.0.2.12/32', '198.18.0.0/31'],
    nextHop: '192.0.2.66',
    communities: ['65535:666', 'no-export'],
  },
];
const ADDED: E2eRoute[] = [
  { prefix: '100.64.1.0/24', nextHop: '192.0.2.7', med: 7 },
  { prefix: '2001:db8:200::/48', nextHop: '2001:db8::7', origin: 'incomplete' },
];

function withMed(routes: readonly E2eRoute[], prefix: string, med: number): E2eRoute[] {
  return routes.map((r) => (r.prefix === prefix ? { ...r, med } : r));
}

describeVersions(
  'run with routes.d under ExaBGP and two BIRD peers',
  { needMain: true },
  (binaries, version) => {
    const rig = useRig({
      slot: versionSlot(SLOT, version),
      name: `run-files-${version}`,
      binaries,
      process: { kind: 'reconciler', args: baseRunArgs() },
      prepare: ({ routesDir }) => {
        writeRouteFile(routesDir, 'anycast.yaml', ANYCAST);
        writeRouteFile(routesDir, 'rtbh.yaml', RTBH);
      },
    });
    useSessionGuard(rig);
    let anycast = ANYCAST;
    const desired = () => [...anycast, ...RTBH];

    it('announces the bundled-like routes at start-up, every attribute intact, to both peers', async () => {
      await waitForPeers(rig(), desired(), 60_000);
      expect(rig().processStarts()).toHaveLength(1);
    });

    it('announces the routes of an added file and nothing else', async () => {
      const before = await snapshotCounters(rig());
      writeRouteFile(rig().routesDir, 'added.yaml', ADDED);
      await waitForPeers(rig(), [...desired(), ...ADDED], 20_000);
      await settle();
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 2, withdraws: 0 });
    });

    it('sends a MED change as exactly one UPDATE and never withdraws the prefix', async () => {
      const before = await snapshotCounters(rig());
      anycast = withMed(anycast, '203.0.113.0/24', 150);
      writeRouteFile(rig().routesDir, 'anycast.yaml', anycast);
      await waitForPeers(rig(), [...desired(), ...ADDED], 20_000);
      await settle();
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 1, withdraws: 0 });
    });

    it('withdraws the routes of a removed file and sends nothing else', async () => {
      const before = await snapshotCounters(rig());
      removeRouteFile(rig().routesDir, 'added.yaml');
      await waitForPeers(rig(), desired(), 20_000);
      await settle();
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 0, withdraws: 2 });
      await expectWithdrawCounts(rig(), before, [...desired(), ...ADDED], desired());
    });

    it('withdraws a ttl entry at its expiry, within 1 s, as one withdraw per peer', async () => {
      const before = await snapshotCounters(rig());
      const expiring: E2eRoute[] = [{ prefix: '10.99.0.0/24', nextHop: '192.0.2.1' }];
      const written = Date.now();
      writeFileSync(
        join(rig().routesDir, 'ttl.yaml'),
        'routes:\n  - prefix: 10.99.0.0/24\n    next-hop: 192.0.2.1\n    ttl: 4s\n',
      );
      await waitForPeers(rig(), [...desired(), ...expiring], 20_000);
      expect(Date.now() - written).toBeLessThan(4000);
      await waitForPeers(rig(), desired(), 10_000);
      // The clock starts at the first reconcile that loads the file (after the 100 ms debounce);
      // the withdraw leaves within 1 s of 4 s, and BIRD shows it a moment later.
      const gone = Date.now() - written;
      expect(gone).toBeGreaterThanOrEqual(4000);
      expect(gone).toBeLessThan(4000 + 1000 + 1000);
      await settle();
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 1, withdraws: 1 });
      // The expired entry is not announced: removing its file sends nothing.
      const after = await snapshotCounters(rig());
      removeRouteFile(rig().routesDir, 'ttl.yaml');
      await settle();
      expectNoChange(await countersSince(rig(), after));
    });

    it.each([
      {
        kind: 'a YAML syntax error',
        text: 'routes:\n  - prefix: 10.9.0.0/24\n    next-hop: [192.0.2.9\n',
      },
      {
        kind: 'a schema error',
        text: 'routes:\n  - prefix: 10.9.0.0/24\n    next-hop: 192.0.2.9\n    med: -1\n',
      },
      {
        kind: 'host bits set',
        text: 'routes:\n  - prefix: 10.9.0.1/24\n    next-hop: 192.0.2.9\n',
      },
      {
        kind: 'an ipv6 next-hop on an ipv4 prefix',
        text: 'routes:\n  - prefix: 10.9.0.0/24\n    next-hop: 2001:db8::9\n',
      },
    ])(
      'changes nothing at the peer while a file has $kind, even for valid edits made with it',
      async ({ text }) => {
        const before = await snapshotCounters(rig());
        const mark = rig().stderrMark();
        // one burst: a valid MED edit plus the invalid file; the whole change must be held back
        writeRouteFile(rig().routesDir, 'anycast.yaml', withMed(anycast, '198.51.100.0/24', 999));
        writeFileAtomic(join(rig().routesDir, 'broken.yaml'), text);
        await rig().waitStderr(['broken.yaml'], { since: mark });
        await settle(2_000);
        await expectPeers(rig(), desired());
        expectNoChange(await countersSince(rig(), before));
        // restore the previous valid tree: still nothing to send
        writeRouteFile(rig().routesDir, 'anycast.yaml', anycast);
        removeRouteFile(rig().routesDir, 'broken.yaml');
        await settle(2_000);
        await expectPeers(rig(), desired());
        expectNoChange(await countersSince(rig(), before));
      },
    );

    it('reports an invalid file without reconciling in a loop while it stays invalid', async () => {
      const mark = rig().stderrMark();
      writeFileAtomic(
        join(rig().routesDir, 'spin.yaml'),
        'routes:\n  - prefix: 10.9.0.1/24\n    next-hop: 192.0.2.9\n',
      );
      await rig().waitStderr(['spin.yaml'], { since: mark });
      await settle(5_000);
      const reports = rig()
        .stderrText(mark)
        .split('\n')
        .filter((l) => l.includes('spin.yaml')).length;
      removeRouteFile(rig().routesDir, 'spin.yaml');
      await settle(1_000);
      // one report per change of the tree (a few at most), not one per debounce period
      expect(reports).toBeLessThanOrEqual(3);
    });

    it('converges by itself once an invalid file is fixed', async () => {
      const held = desired();
      const mark = rig().stderrMark();
      anycast = withMed(anycast, '198.51.100.0/24', 120);
      writeRouteFile(rig().routesDir, 'anycast.yaml', anycast);
      writeFileAtomic(
        join(rig().routesDir, 'fixed.yaml'),
        'routes:\n  - prefix: 10.9.0.1/24\n    next-hop: 192.0.2.9\n',
      );
      await rig().waitStderr(['fixed.yaml'], { since: mark });
      await settle(2_000);
      await expectPeers(rig(), held);
      const fixed: E2eRoute[] = [{ prefix: '10.9.0.0/24', nextHop: '192.0.2.9' }];
      writeRouteFile(rig().routesDir, 'fixed.yaml', fixed);
      await waitForPeers(rig(), [...desired(), ...fixed], 20_000);
      removeRouteFile(rig().routesDir, 'fixed.yaml');
      await waitForPeers(rig(), desired(), 20_000);
    });

    let guardMark = 0;

    it('holds the mass-withdraw guard when routes.d is emptied: nothing is withdrawn', async () => {
      const before = await snapshotCounters(rig());
      const mark = rig().stderrMark();
      guardMark = mark;
      removeRouteFile(rig().routesDir, 'anycast.yaml');
      removeRouteFile(rig().routesDir, 'rtbh.yaml');
      await rig().waitStderr(['mass-withdraw guard'], { since: mark });
      await settle(2_000);
      await expectPeers(rig(), desired());
      expectNoChange(await countersSince(rig(), before));
      expect(rig().processStarts()).toHaveLength(1);
    });

    it('reports a guarded plan without reconciling in a loop while it stays guarded', () => {
      const reports = rig()
        .stderrText(guardMark)
        .split('\n')
        .filter((l) => l.includes('mass-withdraw guard')).length;
      expect(reports).toBeLessThanOrEqual(3);
    });

    it('applies the guarded plan when restarted with --confirm-withdraw', async () => {
      const before = await snapshotCounters(rig());
      const starts = rig().processStarts();
      rig().setProcessArgs([...baseRunArgs(), '--confirm-withdraw']);
      signalPid(rig().processPid()!, 'SIGTERM', rig().dir);
      await rig().waitProcessStart(starts);
      await waitForPeers(rig(), [], 20_000);
      await settle();
      // every route withdrawn once (the rtbh entry is one bulk withdraw of 4 ipv4 prefixes)
      await expectWithdrawCounts(rig(), before, desired(), []);
    });

    it('announces the files again when they come back (no guard for announces)', async () => {
      rig().setProcessArgs(baseRunArgs());
      writeRouteFile(rig().routesDir, 'anycast.yaml', anycast);
      writeRouteFile(rig().routesDir, 'rtbh.yaml', RTBH);
      await waitForPeers(rig(), desired(), 20_000);
    });
  },
);
