// ExaBGP started in a form the instance walk cannot recognise (here: its own program copied under
// another name). A kill -9 of our process while a route is removed from the files must not leave
// that route announced: the ledger is neither trusted nor reset, every key is re-asserted.
import { copyFileSync, chmodSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { baseRunArgs, type Binaries } from './harness/binaries.js';
import { isAlive, signalPid, waitFor } from './harness/processes.js';
import { writeRouteFile, type E2eRoute } from './harness/routes.js';
import {
  describeVersions,
  expectPeers,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';

const SLOT = 18;

const KEPT: E2eRoute[] = [
  { prefix: '203.0.113.0/24', nextHop: '192.0.2.1', med: 10 },
  { prefix: '2001:db8:18::/48', nextHop: '2001:db8::18', med: 10 },
];
const REMOVED: E2eRoute[] = [
  { prefixes: ['198.51.100.0/25', '198.51.100.128/25'], nextHop: '192.0.2.1', med: 20 },
  { prefix: '2001:db8:19::/48', nextHop: '2001:db8::18', med: 20 },
];

/** The ExaBGP program (a python script) under a name no launch-form rule knows. */
function disguised(binaries: Binaries): Binaries {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-disguised-'));
  const program = join(dir, 'bgp-speaker');
  copyFileSync(realpathSync(binaries.exabgp), program);
  chmodSync(program, 0o755);
  return { ...binaries, exabgp: program };
}

describeVersions(
  'run under an ExaBGP it cannot identify',
  { needMain: true },
  (binaries, version) => {
    const rig = useRig({
      slot: versionSlot(SLOT, version),
      name: `run-unidentified-${version}`,
      binaries: disguised(binaries),
      encoder: 'json',
      process: { kind: 'reconciler', wrapper: 'exec', args: baseRunArgs() },
      prepare: ({ routesDir }) => {
        writeRouteFile(routesDir, 'kept.yaml', KEPT);
        writeRouteFile(routesDir, 'removed.yaml', REMOVED);
      },
    });
    const sessions = useSessionGuard(rig);

    it('announces the files, saying it could not identify ExaBGP', async () => {
      await waitForPeers(rig(), [...KEPT, ...REMOVED], 60_000);
      await rig().waitStderr(['exabgp instance not identified']);
    });

    it('withdraws a route removed while it was killed, with no session reset', async () => {
      const starts = rig().processStarts();
      const pid = rig().processPid()!;
      rig().hold(true);
      expect(signalPid(pid, 'SIGKILL', rig().dir)).toBe(true);
      await waitFor(() => !isAlive(pid), { timeoutMs: 5_000, what: 'the killed process gone' });
      writeRouteFile(rig().routesDir, 'removed.yaml', []);
      await sleep(200);
      rig().hold(false);
      await rig().waitProcessStart(starts);
      await waitForPeers(rig(), KEPT, 60_000);
      await sleep(2_000);
      await expectPeers(rig(), KEPT);
      expect(sessions()).toBeDefined();
    });
  },
);
