// Issue 3 scenarios 4 and 5 on ExaBGP 4.2 and 5.0: our process killed (-9) in the middle of applying
// 20k routes with routes.d changed while it is down, and ExaBGP itself restarted or killed. No stale,
// no missing route; no session reset except at the planned ExaBGP restarts.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { baseRunArgs } from './harness/binaries.js';
import { isAlive, signalPid, waitFor } from './harness/processes.js';
import { generatePrefixes, writeRouteFile, type E2eRoute } from './harness/routes.js';
import {
  countersSince,
  describeVersions,
  expectNoChange,
  expectPeers,
  settle,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';

const SLOT = 3;
const ENTRIES = 20;
const PER_ENTRY = 1_000;

const SMALL: E2eRoute[] = [
  { prefix: '203.0.113.0/24', nextHop: '192.0.2.1', med: 10, communities: ['65000:1'] },
  { prefix: '2001:db8:300::/48', nextHop: '2001:db8::3', med: 10 },
];

/** 20 entries of 1000 /24s in the grouped `prefixes:` form, each with its own MED. */
function bigTable(): E2eRoute[] {
  const prefixes = generatePrefixes(ENTRIES * PER_ENTRY, { base: 100 });
  return Array.from({ length: ENTRIES }, (_, i) => ({
    prefixes: prefixes.slice(i * PER_ENTRY, (i + 1) * PER_ENTRY),
    nextHop: '192.0.2.20',
    med: 1_000 + i,
    communities: ['65000:20'],
  }));
}

describeVersions(
  'run survives crashes of itself and of ExaBGP',
  { needMain: true },
  (binaries, version) => {
    const rig = useRig({
      slot: versionSlot(SLOT, version),
      name: `run-crash-${version}`,
      binaries,
      encoder: 'json',
      process: {
        kind: 'reconciler',
        wrapper: 'exec',
        args: baseRunArgs(),
      },
      prepare: ({ routesDir }) => writeRouteFile(routesDir, 'small.yaml', SMALL),
    });
    const sessions = useSessionGuard(rig);
    let big: E2eRoute[] = [];
    const desired = () => [...SMALL, ...big];

    it('sends nothing when ExaBGP respawns it after a SIGTERM (same ExaBGP: only the diff)', async () => {
      await waitForPeers(rig(), desired(), 60_000);
      const before = await snapshotCounters(rig());
      const starts = rig().processStarts();
      const pid = rig().processPid();
      expect(pid).toBeDefined();
      signalPid(pid!, 'SIGTERM', rig().dir);
      await rig().waitProcessStart(starts);
      await settle(3_000);
      await expectPeers(rig(), desired());
      expectNoChange(await countersSince(rig(), before));
    });

    it('converges after kill -9 in the middle of 20k routes, with in-flight routes removed while it was down', async () => {
      const [peerA] = rig().peers;
      const table = bigTable();
      const starts = rig().processStarts();
      const pid = rig().processPid()!;
      writeRouteFile(rig().routesDir, 'big.yaml', table);
      // kill while the peer holds part of the table: lines are still being written or acknowledged
      const seen = await waitFor(
        async () => {
          const n = (await rig().bird.stats(peerA.protocol)).routesImported - SMALL.length;
          if (n >= ENTRIES * PER_ENTRY) throw new Error('the whole table arrived before the kill');
          return n >= 500 ? n : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 10, what: 'part of the 20k table at the peer' },
      );
      rig().hold(true);
      expect(signalPid(pid, 'SIGKILL', rig().dir)).toBe(true);
      await waitFor(() => !isAlive(pid), {
        timeoutMs: 5_000,
        what: 'the killed process to be gone',
      });
      // while it is down: remove the entry in flight and the next one, plus every fourth entry,
      // and change the MED of an entry already announced and of one not yet sent
      const inFlight = Math.floor(seen / PER_ENTRY);
      const removed = new Set<number>([inFlight, inFlight + 1]);
      for (let i = 3; i < ENTRIES; i += 4) removed.add(i);
      big = table
        .map((e, i) => (i === 0 || i === inFlight + 2 ? { ...e, med: 5_000 + i } : e))
        .filter((_, i) => !removed.has(i));
      writeRouteFile(rig().routesDir, 'big.yaml', big);
      process.stderr.write(
        `kill -9 after ${seen} routes at the peer; removed entries ${[...removed].join(',')}\n`,
      );
      await sleep(200);
      rig().hold(false);
      await rig().waitProcessStart(starts);
      await waitForPeers(rig(), desired(), 60_000);
      await settle(2_000);
      await expectPeers(rig(), desired());
      expect(rig().processStarts()).toHaveLength(starts.length + 1);
      expect(rig().exabgp.isRunning()).toBe(true);
    });

    it('has converged after that crash also when restarted with --confirm-withdraw', async () => {
      // isolates the recovery itself from the mass-withdraw guard: a no-op when the test above passed
      const starts = rig().processStarts();
      rig().setProcessArgs([...baseRunArgs(), '--confirm-withdraw']);
      signalPid(rig().processPid()!, 'SIGTERM', rig().dir);
      await rig().waitProcessStart(starts);
      rig().setProcessArgs(baseRunArgs());
      await waitForPeers(rig(), desired(), 60_000);
      await settle(2_000);
      await expectPeers(rig(), desired());
    });

    it('announces the full desired state to a restarted ExaBGP, including edits made while it was down', async () => {
      const starts = rig().processStarts();
      const oldPid = rig().processPid();
      await sessions().expectReset(async () => {
        await rig().exabgp.stop();
        await waitFor(() => oldPid === undefined || !isAlive(oldPid), {
          timeoutMs: 10_000,
          what: 'our process to exit with ExaBGP',
        });
        big = big.map((e, i) => (i === 1 ? { ...e, med: 7_000 } : e));
        writeRouteFile(rig().routesDir, 'big.yaml', big);
        await rig().exabgp.start();
        await rig().waitProcessStart(starts);
      });
      await waitForPeers(rig(), desired(), 120_000);
    });

    it('exits on stdin EOF when ExaBGP is killed, and a new ExaBGP receives the full set', async () => {
      const starts = rig().processStarts();
      const oldPid = rig().processPid();
      expect(oldPid).toBeDefined();
      await sessions().expectReset(async () => {
        await rig().exabgp.stop('SIGKILL');
        await waitFor(() => !isAlive(oldPid!), {
          timeoutMs: 15_000,
          what: 'our process to exit on stdin EOF',
        });
        await rig().exabgp.start();
        await rig().waitProcessStart(starts);
      });
      await waitForPeers(rig(), desired(), 120_000);
    });
  },
);
