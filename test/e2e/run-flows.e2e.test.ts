// Issue 10 (FlowSpec, without expiry) against `exabgp-reconciler run` under a real ExaBGP (4.2 and
// 5.0) with two BIRD peers that have flow4/flow6 channels: announce, change the action (one UPDATE,
// no withdraw), withdraw, the broad-flow guard, kill -9 mid-apply, ExaBGP restart. Each time the
// peers' flow tables must equal the desired rules exactly, as BIRD prints them. No session reset.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { baseRunArgs } from './harness/binaries.js';
import type { Rig } from './harness/rig.js';
import { isAlive, signalPid, waitFor } from './harness/processes.js';
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
  settle,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';

const SLOT = 17;

/** A desired rule, its YAML, and how BIRD prints it (the exact expected flow table entry). */
interface Rule {
  readonly yaml: string;
  /** Only these BIRD protocols hold it (default both). */
  readonly peers?: readonly string[];
  readonly bird: { rule: string; ext: string[]; communities?: string[] };
}

/** BIRD prints traffic-rate as `(generic, 0x80060000, <IEEE float bytes/s>)`. */
function rate(bytesPerSecond: number): string {
  const b = Buffer.alloc(4);
  b.writeFloatBE(bytesPerSecond);
  return `(generic, 0x80060000, 0x${b.readUInt32BE().toString(16)})`;
}

const dns = (r: number): Rule => ({
  yaml: `  - description: rate-limit DNS to the resolver\n    match:\n      destination: 203.0.113.10/32\n      protocol: udp\n      destination-port: 53\n    then:\n      rate-limit: ${r}\n`,
  bird: { rule: 'flow4 { dst 203.0.113.10/32; proto 17; dport 53; }', ext: [rate(r)] },
});
const SSH6: Rule = {
  yaml: "  - match:\n      destination: '2001:db8::1/128'\n      next-header: tcp\n      destination-port: [22, '2222-2223']\n    then:\n      discard: true\n      community: [65000:666]\n",
  bird: {
    rule: 'flow6 { dst 2001:db8::1/128; next header 6; dport 22,2222..2223; }',
    ext: [rate(0)],
    communities: ['65000:666'],
  },
};
const REDIRECT_A = (peerA: string): Rule => ({
  yaml: `  - match:\n      destination: 198.51.100.0/24\n      source: 192.0.2.0/24\n    then:\n      redirect: '65000:666'\n    neighbors: [${peerA}]\n`,
  peers: ['peer_a'],
  bird: {
    rule: 'flow4 { dst 198.51.100.0/24; src 192.0.2.0/24; }',
    ext: ['(generic, 0x8008fde8, 0x29a)'],
  },
});
const BROAD: Rule = {
  yaml: '  - match:\n      destination: 0.0.0.0/0\n    then:\n      discard: true\n',
  bird: { rule: 'flow4 { dst 0.0.0.0/0; }', ext: [rate(0)] },
};

/** `count` host rules for the crash scenario: 10.77.<i/250>.<i%250+1>/32 udp 53, rate 9600. */
function bulk(count: number, skip: (i: number) => boolean = () => false): Rule[] {
  const out: Rule[] = [];
  for (let i = 0; i < count; i++) {
    if (skip(i)) continue;
    const dest = `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}/32`;
    out.push({
      // block style: the fast YAML reader (no size cap) takes it; one-line `{ }` mappings are not in its subset
      yaml: `  - match:\n      destination: ${dest}\n      protocol: udp\n      destination-port: 53\n    then:\n      rate-limit: 9600\n`,
      bird: { rule: `flow4 { dst ${dest}; proto 17; dport 53; }`, ext: [rate(9600)] },
    });
  }
  return out;
}

const UNICAST: E2eRoute[] = [{ prefix: '192.0.2.128/25', nextHop: '192.0.2.1', med: 10 }];

function flowFile(rules: readonly Rule[]): string {
  return rules.length === 0 ? 'flows: []\n' : `flows:\n${rules.map((r) => r.yaml).join('')}`;
}

/** What BIRD must hold for `protocol`, sorted like Bird.flows(). */
function expectedFlows(rules: readonly Rule[], protocol: string): string[] {
  return rules
    .filter((r) => r.peers === undefined || r.peers.includes(protocol))
    .map((r) =>
      [
        r.bird.rule,
        ...[...r.bird.ext].sort(),
        ...(r.bird.communities ?? []).map((c) => `community ${c}`),
      ].join(' | '),
    )
    .sort();
}

async function actualFlows(rig: Rig, protocol: string): Promise<string[]> {
  const flows = await rig.bird.flows(protocol);
  return flows
    .map((f) =>
      [f.rule, ...f.extCommunities, ...f.communities.map((c) => `community ${c}`)].join(' | '),
    )
    .sort();
}

/** Wait until every peer's flow table is exactly the desired rules (then check once more). */
async function waitForFlows(rig: Rig, rules: readonly Rule[], timeoutMs = 30_000): Promise<void> {
  for (const peer of rig.peers) {
    const want = expectedFlows(rules, peer.protocol);
    let last: string[] = [];
    try {
      await waitFor(
        async () => {
          last = await actualFlows(rig, peer.protocol);
          return JSON.stringify(last) === JSON.stringify(want) ? true : undefined;
        },
        { timeoutMs, intervalMs: 200, what: `${peer.protocol} flow table` },
      );
    } catch (error) {
      const missing = want.filter((w) => !last.includes(w)).slice(0, 5);
      const extra = last.filter((l) => !want.includes(l)).slice(0, 5);
      throw new Error(
        `${peer.protocol}: ${last.length} flows, ${want.length} wanted; missing ${JSON.stringify(missing)}; extra ${JSON.stringify(extra)}`,
        { cause: error },
      );
    }
  }
}

describeVersions(
  'run with FlowSpec rules under ExaBGP and two BIRD peers',
  { needMain: true },
  (binaries, version) => {
    const slot = versionSlot(SLOT, version);
    const peerA = `127.0.${slot}.1`;
    const rig = useRig({
      slot,
      name: `run-flows-${version}`,
      binaries,
      flow: true,
      process: { kind: 'reconciler', wrapper: 'exec', args: baseRunArgs() },
      prepare: ({ routesDir }) => {
        writeRouteFile(routesDir, 'unicast.yaml', UNICAST);
        writeFileAtomic(
          join(routesDir, 'flows.yaml'),
          flowFile([dns(9600), SSH6, REDIRECT_A(peerA)]),
        );
      },
    });
    const sessions = useSessionGuard(rig);
    let rules: Rule[] = [dns(9600), SSH6, REDIRECT_A(peerA)];
    const write = (next: Rule[]): void => {
      rules = next;
      writeFileAtomic(join(rig().routesDir, 'flows.yaml'), flowFile(next));
    };

    it('announces the rules at start-up: each peer flow table is exactly the desired rules', async () => {
      await waitForFlows(rig(), rules, 60_000);
      await waitForPeers(rig(), UNICAST, 30_000);
    });

    it('sends a new rate for the same match as exactly one UPDATE and no withdraw', async () => {
      const before = await snapshotCounters(rig());
      write([dns(19200), SSH6, REDIRECT_A(peerA)]);
      await waitForFlows(rig(), rules);
      await settle();
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 1, withdraws: 0 });
    });

    it('withdraws a removed rule (one withdraw per peer) and sends nothing else', async () => {
      const before = await snapshotCounters(rig());
      write([dns(19200), REDIRECT_A(peerA)]);
      await waitForFlows(rig(), rules);
      await settle();
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 0, withdraws: 1 });
    });

    it('withdraws a ttl rule at its expiry (within 1 s), one announce and one withdraw per peer', async () => {
      const before = await snapshotCounters(rig());
      const kept = rules;
      const expiring: Rule = {
        yaml: '  - match:\n      destination: 203.0.113.99/32\n      protocol: udp\n    then:\n      rate-limit: 1000\n    ttl: 4s\n',
        bird: { rule: 'flow4 { dst 203.0.113.99/32; proto 17; }', ext: [rate(1000)] },
      };
      const written = Date.now();
      write([...kept, expiring]);
      await waitForFlows(rig(), rules, 20_000);
      expect(Date.now() - written).toBeLessThan(4000);
      await waitForFlows(rig(), kept, 10_000);
      const gone = Date.now() - written;
      expect(gone).toBeGreaterThanOrEqual(4000);
      expect(gone).toBeLessThan(4000 + 1000 + 1500);
      await settle();
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 1, withdraws: 1 });
      write(kept);
      await settle();
    });

    it('holds a broad discard (0.0.0.0/0) until confirmed, then announces it', async () => {
      const before = await snapshotCounters(rig());
      const held = rules;
      const mark = rig().stderrMark();
      writeFileAtomic(join(rig().routesDir, 'flows.yaml'), flowFile([...held, BROAD]));
      await rig().waitStderr(['broad-flow guard'], { since: mark });
      await settle(2_000);
      await waitForFlows(rig(), held, 5_000);
      expectNoChange(await countersSince(rig(), before));
      const starts = rig().processStarts();
      rig().setProcessArgs([...baseRunArgs(), '--confirm-withdraw']);
      signalPid(rig().processPid()!, 'SIGTERM', rig().dir);
      await rig().waitProcessStart(starts);
      rig().setProcessArgs(baseRunArgs());
      rules = [...held, BROAD];
      await waitForFlows(rig(), rules);
      write(held);
      await waitForFlows(rig(), rules);
    });

    it('converges exactly after kill -9 in the middle of 1500 rules, with rules removed while it was down', async () => {
      const [a] = rig().peers;
      const base = rules;
      const starts = rig().processStarts();
      const pid = rig().processPid()!;
      const importedBefore = (await rig().bird.stats(a.protocol)).routesImported;
      writeFileAtomic(join(rig().routesDir, 'flows.yaml'), flowFile([...base, ...bulk(1500)]));
      const seen = await waitFor(
        async () => {
          const n = (await rig().bird.stats(a.protocol)).routesImported - importedBefore;
          if (n >= 1500) throw new Error('every rule arrived before the kill');
          return n >= 100 ? n : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 10, what: 'part of the 1500 rules at the peer' },
      );
      rig().hold(true);
      expect(signalPid(pid, 'SIGKILL', rig().dir)).toBe(true);
      await waitFor(() => !isAlive(pid), {
        timeoutMs: 5_000,
        what: 'the killed process to be gone',
      });
      // while it is down: drop every third rule, among them rules already at the peer and in flight
      write([...base, ...bulk(1500, (i) => i % 3 === 0)]);
      process.stderr.write(`flows: kill -9 after ${seen} of 1500 rules at ${a.protocol}\n`);
      rig().hold(false);
      await rig().waitProcessStart(starts);
      await waitForFlows(rig(), rules, 120_000);
      await settle(2_000);
      await waitForFlows(rig(), rules, 5_000);
    });

    it('announces every rule to a restarted ExaBGP (it forgets them all)', async () => {
      const starts = rig().processStarts();
      await sessions().expectReset(async () => {
        await rig().exabgp.restart();
        await rig().waitProcessStart(starts);
      });
      await waitForFlows(rig(), rules, 120_000);
      await waitForPeers(rig(), UNICAST, 30_000);
    });

    it('--verify reads every flow back from ExaBGP: no drift, nothing sent', async () => {
      const before = await snapshotCounters(rig());
      const mark = rig().stderrMark();
      const starts = rig().processStarts();
      rig().setProcessArgs([...baseRunArgs(), '--verify']);
      signalPid(rig().processPid()!, 'SIGTERM', rig().dir);
      await rig().waitProcessStart(starts);
      rig().setProcessArgs(baseRunArgs());
      const line = await rig().waitStderr(['verify: exabgp matches the ledger'], {
        since: mark,
        timeoutMs: 90_000,
      });
      const { matched } = JSON.parse(line) as { matched: number };
      // every rule at every peer it is for, plus the unicast route at both peers
      const atPeers = rig().peers.reduce((n, p) => n + expectedFlows(rules, p.protocol).length, 0);
      expect(matched).toBe(atPeers + 2);
      expect(rig().stderrText(mark)).not.toContain('verify found drift');
      await settle();
      expectNoChange(await countersSince(rig(), before));
    });

    it('withdraws the bulk rules when their file entries go (the guard counts flows)', async () => {
      const mark = rig().stderrMark();
      const keep = rules.slice(0, 2);
      write(keep);
      await rig().waitStderr(['mass-withdraw guard'], { since: mark });
      const starts = rig().processStarts();
      rig().setProcessArgs([...baseRunArgs(), '--confirm-withdraw']);
      signalPid(rig().processPid()!, 'SIGTERM', rig().dir);
      await rig().waitProcessStart(starts);
      rig().setProcessArgs(baseRunArgs());
      await waitForFlows(rig(), keep, 60_000);
      removeRouteFile(rig().routesDir, 'unicast.yaml');
      await waitForPeers(rig(), [], 30_000);
    });
  },
);
