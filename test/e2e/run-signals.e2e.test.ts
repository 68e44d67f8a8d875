// Issue 3 scenario 8 on ExaBGP 4.2 and 5.0: SIGTERM to our process, without and with
// --withdraw-on-exit. The process block has `respawn false` so ExaBGP does not restart us; a wrapper
// records each exit status. No session reset except at the planned ExaBGP restarts.
import { expect, it } from 'vitest';
import { baseRunArgs } from './harness/binaries.js';
import { signalPid, waitFor } from './harness/processes.js';
import { writeRouteFile, type E2eRoute } from './harness/routes.js';
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
import type { Rig } from './harness/rig.js';

const SLOT = 5;
const ARGS = baseRunArgs();

const ROUTES: E2eRoute[] = [
  { prefix: '203.0.113.0/24', nextHop: '192.0.2.1', med: 10, communities: ['65000:1'] },
  { prefixes: ['198.51.100.0/25', '198.51.100.128/25'], nextHop: '192.0.2.2', localPref: 300 },
  { prefix: '2001:db8:500::/48', nextHop: '2001:db8::5' },
];

async function waitExit(rig: Rig, pid: number): Promise<number> {
  const exit = await waitFor(() => rig.processExits().find((e) => e.pid === pid), {
    timeoutMs: 15_000,
    what: `process ${pid} to exit`,
  });
  return exit.status;
}

describeVersions('run on SIGTERM', { needMain: true }, (binaries, version) => {
  const rig = useRig({
    slot: versionSlot(SLOT, version),
    name: `run-signals-${version}`,
    binaries,
    respawn: false,
    process: { kind: 'reconciler', wrapper: 'supervise', args: ARGS },
    prepare: ({ routesDir }) => writeRouteFile(routesDir, 'routes.yaml', ROUTES),
  });
  const sessions = useSessionGuard(rig);

  it('exits 0 and keeps every route at the peers without --withdraw-on-exit', async () => {
    await waitForPeers(rig(), ROUTES, 60_000);
    const before = await snapshotCounters(rig());
    const pid = rig().processPid()!;
    expect(signalPid(pid, 'SIGTERM', rig().dir)).toBe(true);
    expect(await waitExit(rig(), pid)).toBe(0);
    await settle(2_000);
    await expectPeers(rig(), ROUTES);
    expectNoChange(await countersSince(rig(), before));
    expect(rig().exabgp.isRunning()).toBe(true);
  });

  it('withdraws every route it announced, then exits 0, with --withdraw-on-exit', async () => {
    rig().setProcessArgs([...ARGS, '--withdraw-on-exit']);
    const starts = rig().processStarts();
    const pid = await sessions().expectReset(async () => {
      await rig().exabgp.restart();
      return rig().waitProcessStart(starts);
    });
    await waitForPeers(rig(), ROUTES, 60_000);
    const before = await snapshotCounters(rig());
    expect(signalPid(pid, 'SIGTERM', rig().dir)).toBe(true);
    expect(await waitExit(rig(), pid)).toBe(0);
    await waitForPeers(rig(), [], 20_000);
    await settle();
    // one withdraw per prefix (the two /25s share a bulk withdraw line), and no reset
    await expectWithdrawCounts(rig(), before, ROUTES, []);
    expect(rig().exabgp.isRunning()).toBe(true);
  });

  it('exits 0 on the shutdown notice when ExaBGP stops', async () => {
    rig().setProcessArgs(ARGS);
    const starts = rig().processStarts();
    const pid = await sessions().expectReset(async () => {
      await rig().exabgp.restart();
      return rig().waitProcessStart(starts);
    });
    await waitForPeers(rig(), ROUTES, 60_000);
    await sessions().expectReset(async () => {
      await rig().exabgp.stop();
      expect(await waitExit(rig(), pid)).toBe(0);
      // started again so every scenario ends with the sessions up (the guard's rule)
      await rig().exabgp.start();
      await rig().waitProcessStart([...starts, pid]);
    });
  });
});
