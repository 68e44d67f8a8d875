// Proves the e2e harness on its own: a line-feeder process in ExaBGP's `process` stanza announces
// routes, and the real BIRD peers must hold them with every attribute; counters, restart and JSON events.
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectedPeerRoutes, waitForRib, type E2eRoute } from './harness/routes.js';
import type { Rig } from './harness/rig.js';
import { waitFor } from './harness/processes.js';
import {
  countersSince,
  describeVersions,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
} from './harness/scenario.js';

const FULL: E2eRoute = {
  prefix: '10.1.0.0/24',
  nextHop: '192.0.2.1',
  origin: 'egp',
  asPath: [65001, 65002],
  med: 10,
  localPref: 200,
  communities: ['65000:1', '65000:2'],
  largeCommunities: ['65000:1:1'],
  extCommunities: ['target:65000:1'],
};
const V6: E2eRoute = { prefix: '2001:db8:1::/48', nextHop: '2001:db8::1', med: 20 };

const FULL_LINE =
  'announce route 10.1.0.0/24 next-hop 192.0.2.1 origin egp as-path [ 65001 65002 ] med 10 local-preference 200' +
  ' community [ 65000:2 65000:1 ] extended-community [ target:65000:1 ] large-community [ 65000:1:1 ]';

function countAcks(rig: Rig): number {
  return rig.feederInput().filter((l) => l === 'done').length;
}

describeVersions('e2e harness', {}, (binaries, version) => {
  describe('with a line feeder (encoder text)', () => {
    const useRigged = useRig(() => ({
      slot: versionSlot(1, version),
      name: `harness-${version}`,
      binaries,
      process: { kind: 'feeder' },
    }));
    const sessions = useSessionGuard(useRigged);
    let rig: Rig;
    beforeEach(() => {
      rig = useRigged();
    });

    it('delivers ipv4 and ipv6 routes with every attribute, and a targeted route to one peer only', async () => {
      const [a, b] = rig.peers;
      const targeted: E2eRoute = {
        prefix: '10.2.0.0/24',
        nextHop: '192.0.2.2',
        neighbors: [b.address],
      };
      rig.feed([
        FULL_LINE,
        'announce route 2001:db8:1::/48 next-hop 2001:db8::1 med 20',
        `neighbor ${b.address} announce route 10.2.0.0/24 next-hop 192.0.2.2`,
      ]);
      await waitFor(() => countAcks(rig) >= 3, { timeoutMs: 10_000, what: '3 acks' });
      const desired = [FULL, V6, targeted];
      await waitForRib(rig.bird, a.protocol, expectedPeerRoutes(desired, a.address), {
        timeoutMs: 10_000,
      });
      await waitForRib(rig.bird, b.protocol, expectedPeerRoutes(desired, b.address), {
        timeoutMs: 10_000,
      });
      expect(rig.feederInput()).toContain(`neighbor ${a.address} up`);
    });

    it('sees an attribute change as one update and no withdraw in the import counters', async () => {
      const [a] = rig.peers;
      const before = (await rig.bird.stats(a.protocol)).counters;
      rig.feed([FULL_LINE.replace('med 10', 'med 11')]);
      await waitForRib(
        rig.bird,
        a.protocol,
        expectedPeerRoutes([{ ...FULL, med: 11 }, V6], a.address),
        { timeoutMs: 10_000 },
      );
      const after = (await rig.bird.stats(a.protocol)).counters;
      expect(after.importUpdatesReceived - before.importUpdatesReceived).toBe(1);
      expect(after.importWithdrawsReceived - before.importWithdrawsReceived).toBe(0);
    });

    it('sees a bulk announce of 2000 prefixes and a withdraw', async () => {
      const [a] = rig.peers;
      const before = await snapshotCounters(rig);
      const prefixes = Array.from(
        { length: 2000 },
        (_, i) => `10.${100 + Math.floor(i / 256)}.${i % 256}.0/24`,
      );
      const acks = countAcks(rig);
      const lines = [];
      for (let i = 0; i < prefixes.length; i += 500) {
        lines.push(
          `announce attributes next-hop 192.0.2.3 community [ 65000:7 ] nlri ${prefixes.slice(i, i + 500).join(' ')}`,
        );
      }
      rig.feed([...lines, 'withdraw route 2001:db8:1::/48']);
      await waitFor(() => countAcks(rig) >= acks + lines.length + 1, {
        timeoutMs: 20_000,
        what: 'bulk acks',
      });
      const desired: E2eRoute[] = [
        { ...FULL, med: 11 },
        { prefixes, nextHop: '192.0.2.3', communities: ['65000:7'] },
      ];
      await waitForRib(rig.bird, a.protocol, expectedPeerRoutes(desired, a.address), {
        timeoutMs: 20_000,
      });
      const delta = await countersSince(rig, before);
      for (const peer of rig.peers) expect(delta[peer.protocol]?.withdraws).toBe(1);
    });

    it('sees the session reset that an ExaBGP bulk withdraw without next-hop causes (positive control of the guard)', async () => {
      // exabgp5.md §9: 4.2.21 crashes its session loop on an ipv4 `withdraw attributes nlri A B`,
      // 5.0.13 on the ipv6 form; the guard must report it and the withdraw counters must show it
      const line =
        version === '4.2'
          ? 'withdraw attributes nlri 10.100.0.0/24 10.100.1.0/24'
          : 'withdraw attributes nlri 2001:db8:9:1::/64 2001:db8:9:2::/64';
      const before = await snapshotCounters(rig);
      rig.feed([line]);
      let reported = '';
      for (let i = 0; i < 40 && reported === ''; i++) {
        await sleep(250);
        reported = await sessions()
          .assertNoReset()
          .then(
            () => '',
            (error: Error) => error.message,
          );
      }
      expect(reported).toMatch(/BGP session reset outside a planned ExaBGP restart/);
      expect(reported).toMatch(/peer_a: .*reset/);
      process.stderr.write(`positive control (ExaBGP ${version}): ${reported}\n`);
      const delta = await countersSince(rig, before);
      for (const peer of rig.peers) expect(delta[peer.protocol]?.withdraws).not.toBe(2);
    });

    it('restarts ExaBGP by pid, and the new instance starts with an empty adj-rib-out', async () => {
      const [a, b] = rig.peers;
      const oldPid = rig.exabgp.pid();
      const starts = rig.processStarts();
      rig.clearFeed();
      await sessions().expectReset(async () => {
        await rig.exabgp.restart();
        await rig.waitProcessStart(starts);
      });
      expect(rig.exabgp.pid()).not.toBe(oldPid);
      await waitForRib(rig.bird, a.protocol, new Map(), { timeoutMs: 10_000 });
      await waitForRib(rig.bird, b.protocol, new Map(), { timeoutMs: 10_000 });
    });
  });

  describe('with a line feeder (encoder json)', () => {
    const useRigged = useRig(() => ({
      slot: versionSlot(8, version),
      name: `harness-json-${version}`,
      binaries,
      process: { kind: 'feeder' },
      encoder: 'json',
    }));
    useSessionGuard(useRigged);
    let rig: Rig;
    beforeEach(() => {
      rig = useRigged();
    });

    it('writes neighbor state events as JSON and acks as plain text', async () => {
      const [a] = rig.peers;
      rig.feed(['announce route 10.3.0.0/24 next-hop 192.0.2.4']);
      await waitFor(() => rig.feederInput().includes('done'), { timeoutMs: 10_000, what: 'ack' });
      const events = rig
        .feederInput()
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type: string; neighbor?: { state?: string } });
      expect(events.some((e) => e.type === 'state' && e.neighbor?.state === 'up')).toBe(true);
      await waitForRib(
        rig.bird,
        a.protocol,
        expectedPeerRoutes([{ prefix: '10.3.0.0/24', nextHop: '192.0.2.4' }], a.address),
        {
          timeoutMs: 10_000,
        },
      );
    });
  });
});
