// Glue shared by the e2e scenario files: one rig per describe block (started in beforeAll, stopped
// by pid in afterAll, logs printed and artifacts kept on failure) and RIB/counter assertions.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { ChannelCounters } from './bird.js';
import { stopAll } from './processes.js';
import { startRig, type Rig, type RigOptions } from './rig.js';
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
