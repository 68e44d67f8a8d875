// Glue shared by the e2e scenario files: one rig per describe block (started in beforeAll, stopped
// by pid in afterAll, logs printed and artifacts kept on failure) and RIB/counter assertions.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkBinaries,
  isCi,
  selectedVersions,
  type Binaries,
  type ExabgpVersion,
} from './binaries.js';
import type { ChannelCounters } from './bird.js';
import { stopAll } from './processes.js';
import { startRig, type Rig, type RigOptions } from './rig.js';
import { watchSessions, type SessionGuard } from './sessions.js';
import { expectRib, expectedPeerRoutes, waitForRib, type E2eRoute } from './routes.js';

/** Register hooks that start a rig for the enclosing describe block; call the getter inside tests. */
export function useRig(options: RigOptions | (() => RigOptions)): () => Rig {
  let rig: Rig | undefined;
  beforeAll(async () => {
    try {
      rig = await startRig(typeof options === 'function' ? options() : options);
    } catch (error) {
      await stopAll();
      throw error;
    }
  });
  afterEach(({ task }) => {
    if (task.result?.state === 'fail' && rig !== undefined) {
      rig.keepArtifacts();
      process.stderr.write(`\n=== ${task.name}\n${rig.diagnostics()}\n`);
    }
  });
  afterAll(async () => {
    await rig?.stop();
    await stopAll();
  });
  return () => {
    if (rig === undefined) throw new Error('rig not started (beforeAll failed)');
    return rig;
  };
}

/**
 * One describe block per ExaBGP version (both, or those E2E_EXABGP selects), titled
 * `<title> (ExaBGP <version>)`, with that version's binaries. A version whose binaries are missing
 * is skipped with the reason printed locally, and FAILS under CI=true (a test that throws the
 * reason): never a silent skip, and the other version's half still runs.
 */
export function describeVersions(
  title: string,
  options: { needMain?: boolean },
  body: (binaries: Binaries, version: ExabgpVersion) => void,
): void {
  for (const version of selectedVersions()) {
    const name = `${title} (ExaBGP ${version})`;
    const availability = checkBinaries({ ...options, version });
    if (availability.ok) {
      describe(name, () => body(availability.binaries, version));
    } else if (isCi()) {
      describe(name, () => {
        it('has its prerequisites (CI=true: the e2e suite must not skip)', () => {
          throw new Error(availability.reason);
        });
      });
    } else {
      // Only on a developer machine without that daemon (e.g. no ExaBGP 5.0 installed): the half is
      // reported as skipped with the reason. Under CI=true the branch above fails instead.
      process.stderr.write(`SKIPPING ${name}: ${availability.reason}\n`);
      describe.skip(name, () => {
        it(availability.reason, () => undefined);
      });
    }
  }
}

/**
 * The slot of a file's half for one ExaBGP version: the file's own slot for 4.2, +20 for 5.0, so
 * both halves (and files) can run side by side. Every slot stays below 40 (the lead's experiments).
 */
export function versionSlot(slot: number, version: ExabgpVersion): number {
  if (slot < 1 || slot >= 20) throw new Error(`file slot ${slot} must be 1..19`);
  return version === '4.2' ? slot : slot + 20;
}

/**
 * Guard every scenario (test) of the enclosing describe block: each BGP session stays Established
 * from the start of a test to its end, except inside `guard().expectReset(...)` (a planned ExaBGP
 * restart). Checked in afterEach, so a reset fails the test it happened in. Register after useRig.
 */
export function useSessionGuard(rig: () => Rig): () => SessionGuard {
  let guard: SessionGuard | undefined;
  beforeEach(async () => {
    guard ??= await watchSessions(rig());
  });
  afterEach(async ({ task }) => {
    try {
      await guard?.assertNoReset();
    } catch (error) {
      rig().keepArtifacts();
      process.stderr.write(`\n=== ${task.name}\n${rig().diagnostics()}\n`);
      throw error;
    }
  });
  return () => {
    if (guard === undefined) throw new Error('session guard not started (beforeEach failed)');
    return guard;
  };
}

/** Wait until every peer's RIB equals the desired routes (per-peer targets and layering applied). */
export async function waitForPeers(
  rig: Rig,
  desired: readonly E2eRoute[],
  timeoutMs = 60_000,
): Promise<void> {
  for (const peer of rig.peers) {
    await waitForRib(rig.bird, peer.protocol, expectedPeerRoutes(desired, peer.address), {
      timeoutMs,
    });
  }
}

/** Assert right now that every peer's RIB equals the desired routes. */
export async function expectPeers(rig: Rig, desired: readonly E2eRoute[]): Promise<void> {
  for (const peer of rig.peers) {
    await expectRib(rig.bird, peer.protocol, expectedPeerRoutes(desired, peer.address));
  }
}

export type CounterSnapshot = Record<string, ChannelCounters>;

export async function snapshotCounters(rig: Rig): Promise<CounterSnapshot> {
  const snapshot: CounterSnapshot = {};
  for (const peer of rig.peers)
    snapshot[peer.protocol] = (await rig.bird.stats(peer.protocol)).counters;
  return snapshot;
}

/** Updates and withdraws each peer received since `before`. */
export async function countersSince(
  rig: Rig,
  before: CounterSnapshot,
): Promise<Record<string, { updates: number; withdraws: number }>> {
  const after = await snapshotCounters(rig);
  const delta: Record<string, { updates: number; withdraws: number }> = {};
  for (const [protocol, counters] of Object.entries(after)) {
    const base = before[protocol];
    delta[protocol] = {
      updates: counters.importUpdatesReceived - (base?.importUpdatesReceived ?? 0),
      withdraws: counters.importWithdrawsReceived - (base?.importWithdrawsReceived ?? 0),
    };
  }
  return delta;
}

/** Let late messages arrive before asserting that something did NOT happen. */
export async function settle(ms = 1_500): Promise<void> {
  await sleep(ms);
}

export function expectNoChange(
  delta: Record<string, { updates: number; withdraws: number }>,
): void {
  for (const [protocol, d] of Object.entries(delta)) {
    expect({ protocol, ...d }).toEqual({ protocol, updates: 0, withdraws: 0 });
  }
}

/**
 * How many prefixes each peer must see withdrawn when the desired routes go from `before` to
 * `after` (targets and layering applied): the prefixes that leave its RIB, nothing more.
 */
export function expectedWithdraws(
  rig: Rig,
  before: readonly E2eRoute[],
  after: readonly E2eRoute[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const peer of rig.peers) {
    const next = expectedPeerRoutes(after, peer.address);
    out[peer.protocol] = [...expectedPeerRoutes(before, peer.address).keys()].filter(
      (prefix) => !next.has(prefix),
    ).length;
  }
  return out;
}

/**
 * BIRD's import withdraw counters grew by exactly the prefixes the change removed, at every peer:
 * no transient withdraw of a route that stays (and no session reset, which zeroes the counters).
 */
export async function expectWithdrawCounts(
  rig: Rig,
  counters: CounterSnapshot,
  before: readonly E2eRoute[],
  after: readonly E2eRoute[],
): Promise<void> {
  const delta = await countersSince(rig, counters);
  const withdraws = Object.fromEntries(Object.entries(delta).map(([p, d]) => [p, d.withdraws]));
  expect(withdraws).toEqual(expectedWithdraws(rig, before, after));
}
