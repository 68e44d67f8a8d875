// Issue 3, `run --verify` on ExaBGP 4.2 and 5.0 (whose `show adj-rib out` text differs): ExaBGP's
// RIB drifts behind the reconciler's back (the ledger is edited while our process is down, so the
// diff sees nothing to do); `--verify` reads `show adj-rib out extensive` from the real ExaBGP,
// finds missing, different and extra routes, and repairs them.
import { expect, it } from 'vitest';
import { parseRouteCommand } from '../../src/exabgp/command.js';
import { routeKey, type Route } from '../../src/core/route.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { baseRunArgs } from './harness/binaries.js';
import { isAlive, signalPid, waitFor } from './harness/processes.js';
import { slotPeers, type RigPeer } from './harness/rig.js';
import { diffRib, expectedPeerRoutes, writeRouteFile, type E2eRoute } from './harness/routes.js';
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

const SLOT = 13;

/** Stays as it is throughout (so no step trips the mass-withdraw guard). */
const KEEP: E2eRoute[] = [
  {
    prefixes: ['203.0.113.0/26', '203.0.113.64/26'],
    nextHop: '192.0.2.1',
    communities: ['65000:13'],
  },
  { prefix: '2001:db8:d00::/48', nextHop: '2001:db8::13', med: 13 },
];
/** Announced, then dropped from the files AND the ledger while we are down: extra at ExaBGP. */
const GONE: E2eRoute = { prefix: '10.130.0.0/24', nextHop: '192.0.2.130', med: 5 };
/** Its MED changed in the files AND the ledger while we are down: different at ExaBGP. */
const CHANGED = (med: number): E2eRoute => ({
  prefix: '10.130.1.0/24',
  nextHop: '192.0.2.130',
  med,
});
/** Recorded as announced in the ledger but never sent: missing at ExaBGP (peer A only). */
const LOST = (a: RigPeer): E2eRoute => ({
  prefix: '10.130.2.0/24',
  nextHop: '192.0.2.131',
  neighbors: [a.address],
});

const BEFORE = [...KEEP, GONE, CHANGED(10)];
const after = (a: RigPeer) => [...KEEP, CHANGED(20), LOST(a)];

function parsed(command: string): Route {
  const result = parseRouteCommand(command);
  if (!result.ok) throw new Error(`bad test command ${command}`);
  return result.value.route;
}

/** Make the ledger say what AFTER says, without telling ExaBGP (our process must be down). */
function editLedger(stateDir: string, A: RigPeer): void {
  const ledger = Ledger.open(stateDir);
  try {
    const gone = parsed(`announce route ${GONE.prefix} next-hop ${GONE.nextHop} med 5`);
    expect(ledger.announced.has(routeKey(gone))).toBe(true);
    ledger.settle([
      { kind: 'remove', key: routeKey(gone) },
      { kind: 'set', route: parsed('announce route 10.130.1.0/24 next-hop 192.0.2.130 med 20') },
      {
        kind: 'set',
        route: parsed(`neighbor ${A.address} announce route 10.130.2.0/24 next-hop 192.0.2.131`),
      },
    ]);
  } finally {
    ledger.close();
  }
}

describeVersions(
  'run --verify repairs drift in ExaBGP’s adj-rib-out',
  { needMain: true },
  (binaries, version) => {
    const [A, B] = slotPeers(versionSlot(SLOT, version));
    const AFTER = after(A);
    const rig = useRig({
      slot: versionSlot(SLOT, version),
      name: `verify-${version}`,
      binaries,
      encoder: 'json',
      process: { kind: 'reconciler', wrapper: 'exec', args: baseRunArgs() },
      prepare: ({ routesDir }) => writeRouteFile(routesDir, 'verify.yaml', BEFORE),
    });

    useSessionGuard(rig);

    /** Counts of each kind of difference between a peer's RIB and the desired routes (AFTER). */
    async function ribDrift(protocol: string, address: string): Promise<Record<string, number>> {
      const d = diffRib(expectedPeerRoutes(AFTER, address), await rig().bird.routes(protocol));
      return {
        missing: d.missing.length,
        different: d.different.length,
        unexpected: d.unexpected.length,
      };
    }

    /** Stop our process (ExaBGP respawns it once the hold is lifted), change things, restart it. */
    async function restartWith(args: readonly string[], whileDown: () => void): Promise<number> {
      const starts = rig().processStarts();
      const pid = rig().processPid()!;
      rig().hold(true);
      signalPid(pid, 'SIGTERM', rig().dir);
      await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, what: 'our process to exit' });
      whileDown();
      rig().setProcessArgs(args);
      const mark = rig().stderrMark();
      rig().hold(false);
      await rig().waitProcessStart(starts);
      return mark;
    }

    it('starts with the files announced', async () => {
      await waitForPeers(rig(), BEFORE, 60_000);
    });

    it('without --verify, a ledger that disagrees with ExaBGP goes unnoticed (the diff is empty)', async () => {
      const mark = await restartWith(baseRunArgs(), () => {
        editLedger(rig().stateDir, A);
        writeRouteFile(rig().routesDir, 'verify.yaml', AFTER);
      });
      await rig().waitStderr(['reconcile done', '"outcome":"no-changes"'], { since: mark });
      await settle(1_000);
      expect(await ribDrift(A.protocol, A.address)).toEqual({
        missing: 1,
        different: 1,
        unexpected: 1,
      });
      expect(await ribDrift(B.protocol, B.address)).toEqual({
        missing: 0,
        different: 1,
        unexpected: 1,
      });
    });

    it('with --verify, finds the missing, different and extra routes and repairs them', async () => {
      const before = await snapshotCounters(rig());
      const mark = await restartWith([...baseRunArgs(), '--verify'], () => undefined);
      await waitForPeers(rig(), AFTER, 60_000);
      const found = JSON.parse(
        await rig().waitStderr(['verify found drift'], { since: mark }),
      ) as Record<string, unknown>;
      expect(found).toMatchObject({
        missing: 1,
        different: 2,
        extra: 2,
        repaired: 4,
        neighbors: 2,
      });
      const kinds = rig()
        .stderrJson(mark)
        .filter((l) => typeof l['kind'] === 'string')
        .map((l) => [l['kind'], l['sample']]);
      expect(kinds).toEqual([
        ['missing', [`${A.address} ipv4 unicast 10.130.2.0/24`]],
        [
          'different',
          [
            `${A.address} ipv4 unicast 10.130.1.0/24: next-hop 192.0.2.130 med 10 (expected next-hop 192.0.2.130 med 20)`,
            `${B.address} ipv4 unicast 10.130.1.0/24: next-hop 192.0.2.130 med 10 (expected next-hop 192.0.2.130 med 20)`,
          ],
        ],
        [
          'extra',
          [
            `${A.address} ipv4 unicast 10.130.0.0/24: next-hop 192.0.2.130 med 5`,
            `${B.address} ipv4 unicast 10.130.0.0/24: next-hop 192.0.2.130 med 5`,
          ],
        ],
      ]);
      await settle(1_000);
      await expectPeers(rig(), AFTER);
      // the extra route is withdrawn at both peers, nothing else
      await expectWithdrawCounts(rig(), before, BEFORE, AFTER);
    });

    it('with --verify on a RIB that matches, finds no drift and sends nothing', async () => {
      const before = await snapshotCounters(rig());
      const mark = await restartWith([...baseRunArgs(), '--verify'], () => undefined);
      const clean = JSON.parse(
        await rig().waitStderr(['verify: exabgp matches the ledger'], { since: mark }),
      ) as Record<string, unknown>;
      expect(clean).toMatchObject({
        outcome: 'clean',
        missing: 0,
        different: 0,
        extra: 0,
        neighbors: 2,
      });
      await settle(1_000);
      expectNoChange(await countersSince(rig(), before));
      await expectPeers(rig(), AFTER);
    });
  },
);
