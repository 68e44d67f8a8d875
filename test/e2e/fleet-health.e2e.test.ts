// Issue 12's fleet floor: three speakers (real ExaBGP 4.2 or 5.0, our `run`, two BIRD peers each)
// on one etcd, each announcing the same anycast prefix gated by a tcp check on its own local
// service, with the fleet floor at 1 (its default in a fleet). One service stops: that speaker's
// peers lose the prefix, the others keep it. Every service stops at once (the Meta 2021 shape):
// at least one speaker's peers keep it. They all start: every peer has it again. etcd stopped
// while a service stops: that speaker holds the prefix (fleet view unknown), and withdraws it once
// etcd is back and the others are seen open. No BGP session resets anywhere.
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { healthOf, readSpeakerRecords } from '../../src/sources/etcd-fleet.js';
import { DEFAULT_ETCD_PREFIX } from '../../src/sources/fleet-settings.js';
import { startEtcd, waitHealthy, type EtcdCluster } from '../integration/etcd-harness.js';
import { baseRunArgs } from './harness/binaries.js';
import { waitFor } from './harness/processes.js';
import { slotSpeakerPeers, type Rig } from './harness/rig.js';
import { writeFileAtomic, type E2eRoute } from './harness/routes.js';
import {
  describeVersions,
  expectPeers,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';

const SLOT = 11;
const P: E2eRoute = { prefix: '10.111.0.0/24', nextHop: '192.0.2.11' };
/** Each speaker's own ungated route (withdrawing P is then not "every route": no guard). */
const own = (k: number): E2eRoute => ({ prefix: `10.111.${10 + k}.0/24`, nextHop: '192.0.2.11' });

function routeFile(port: number, k: number): string {
  return `checks:
  svc:
    kind: tcp
    host: 127.0.0.1
    port: ${port}
    interval: 1s
    timeout: 500ms
    rise: 2
    fall: 2
    initial: up
routes:
  - prefix: ${P.prefix}
    next-hop: ${P.nextHop}
    health: svc
  - prefix: ${own(k).prefix}
    next-hop: ${own(k).nextHop}
`;
}

/** A TCP service the test starts and stops (connections are closed at once). */
class TcpService {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}
  start(): Promise<void> {
    const server = createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.end();
    });
    this.server = server;
    return new Promise((resolve) => server.listen(this.port, '127.0.0.1', resolve));
  }
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) =>
      server === undefined ? resolve() : server.close(() => resolve()),
    );
  }
}

interface ChecksStatus {
  routes: Record<string, number>;
  fleet_floor?: { min: number; view: string; peers: number; held: Record<string, number> };
}

describeVersions('the fleet floor on three speakers', { needMain: true }, (binaries, version) => {
  const slot = versionSlot(SLOT, version);
  let etcd: EtcdCluster | undefined;
  const listen = (k: number): string => `127.0.${slot}.${20 * k + 5}:${12_000 + slot * 10 + 6 + k}`;
  const services = [0, 1, 2].map((k) => new TcpService(13_000 + 10 * slot + k));

  beforeAll(async () => {
    etcd = await startEtcd(version === '4.2' ? 23860 : 23870, 1);
    await Promise.all(services.map((s) => s.start()));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await etcd?.close();
  });

  const rigs = [0, 1, 2].map((k) => {
    const rig = useRig(() => ({
      slot,
      name: `fleet-health${k}-${version}`,
      binaries,
      peers: slotSpeakerPeers(slot, k),
      respawn: true,
      process: {
        kind: 'reconciler',
        wrapper: 'exec',
        args: [
          ...baseRunArgs().filter((a, i, all) => a !== '--listen' && all[i - 1] !== '--listen'),
          '--listen',
          listen(k),
          '--speaker',
          `s${k}`,
          '--etcd-endpoints',
          (etcd as EtcdCluster).endpoints.join(','),
          // only the fleet floor under test (the per-speaker floor of 1 gated route is 0 anyway)
          '--health-floor',
          '0',
          '--health-flap-limit',
          '20/60s',
        ],
      },
      prepare: ({ routesDir }) =>
        writeFileAtomic(join(routesDir, 'anycast.yaml'), routeFile(13_000 + 10 * slot + k, k)),
    }));
    useSessionGuard(rig);
    return rig;
  });
  const all = (): Rig[] => rigs.map((r) => r());
  const checks = async (k: number): Promise<ChecksStatus> =>
    ((await (await fetch(`http://${listen(k)}/v1/status`)).json()) as { checks: ChecksStatus })
      .checks;
  const metric = async (k: number): Promise<string> =>
    (await fetch(`http://${listen(k)}/metrics`)).text();
  /** Which speakers' peers have P now (both peers of a speaker agree, or this throws). */
  const announcing = async (): Promise<number[]> => {
    const out: number[] = [];
    for (const [k, r] of all().entries()) {
      try {
        await expectPeers(r, [P, own(k)]);
        out.push(k);
      } catch {
        await expectPeers(r, [own(k)]);
      }
    }
    return out;
  };
  const hold = async (ms: number, expected: number[]): Promise<void> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      expect(await announcing()).toEqual(expected);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  it('announces the anycast prefix from every speaker while every service answers', async () => {
    for (const [k, r] of all().entries()) await waitForPeers(r, [P, own(k)], 60_000);
    // every speaker sees the two others live (their records are in etcd)
    for (const k of [0, 1, 2])
      await waitFor(async () => ((await checks(k)).fleet_floor?.peers === 2 ? true : undefined), {
        timeoutMs: 20_000,
        what: `speaker ${k} sees 2 other speakers`,
      });
    expect((await checks(0)).fleet_floor?.min).toBe(1);
  }, 90_000);

  it('withdraws from one speaker whose service died while the others announce it', async () => {
    const stopped = Date.now();
    await services[1]!.stop();
    const [r0, r1, r2] = all() as [Rig, Rig, Rig];
    await waitForPeers(r1, [own(1)], 20_000);
    const took = Date.now() - stopped;
    await expectPeers(r0, [P, own(0)]);
    await expectPeers(r2, [P, own(2)]);
    await hold(3000, [0, 2]);
    process.stderr.write(
      `fleet-health e2e ${version}: one service down -> withdrawn at its BIRD in ${took} ms\n`,
    );
  }, 60_000);

  it('keeps at least one speaker announcing when every service fails at once', async () => {
    const marks = all().map((r) => r.stderrMark());
    await Promise.all(services.map((s) => s.stop()));
    // fall (2 x 1 s) + settle (1 s) + publish and read ticks; then it must stay
    await new Promise((r) => setTimeout(r, 6000));
    const left = await announcing();
    expect(left.length).toBeGreaterThanOrEqual(1);
    expect(left).not.toContain(1);
    await hold(5000, left);
    for (const k of left) {
      const c = await checks(k);
      expect(c.routes['held_by_fleet_floor']).toBe(1);
      expect(c.fleet_floor?.held['floor']).toBe(1);
      expect(await metric(k)).toContain(
        'exabgp_reconciler_health_gated_routes{outcome="held_by_fleet_floor"} 1',
      );
      await all()[k]!.waitStderr(['health fleet floor', '"held":1'], {
        since: marks[k]!,
        timeoutMs: 5000,
      });
    }
    process.stderr.write(
      `fleet-health e2e ${version}: every service down -> still announced by speakers ${left.join(',')}\n`,
    );
  }, 60_000);

  it('announces from every speaker again once the services start', async () => {
    await Promise.all(services.map((s) => s.start()));
    for (const [k, r] of all().entries()) await waitForPeers(r, [P, own(k)], 20_000);
    // every gate open again (rise: 2): nothing held any more. A speaker whose check rises last
    // may withdraw meanwhile (another one is open) and announce again once it rises.
    for (const k of [0, 1, 2])
      await waitFor(
        async () => {
          const r = (await checks(k)).routes;
          return r['announced'] === 1 && r['held_by_fleet_floor'] === 0 ? true : undefined;
        },
        { timeoutMs: 20_000, what: `speaker ${k}'s gate open` },
      );
    for (const [k, r] of all().entries()) await waitForPeers(r, [P, own(k)], 20_000);
  }, 60_000);

  it('holds a failing route while etcd is unreachable, and withdraws it once etcd is back', async () => {
    const cluster = etcd as EtcdCluster;
    // Every speaker's record in etcd says P is open again. A gate that opened locally but whose
    // `open` was not yet published keeps its earlier intent (the others never saw it open), so a
    // close now would be decided on the last read (up to 5 s old) and withdraw: not the case here.
    const client = cluster.client();
    try {
      await waitFor(
        async () => {
          const records = await readSpeakerRecords(client, DEFAULT_ETCD_PREFIX);
          const open = records.filter(
            (r) => healthOf(r)?.routes[`ipv4 unicast ${P.prefix}`] === 'open',
          );
          return open.length === 3 ? true : undefined;
        },
        { timeoutMs: 20_000, what: 'every speaker publishes P open' },
      );
    } finally {
      client.close();
    }
    await Promise.all(cluster.members.map((m) => cluster.stop(m)));
    await services[2]!.stop();
    // fall (2 s) and more than the view's 5 s age: the view is unknown, so the route is held
    await new Promise((r) => setTimeout(r, 8000));
    await hold(2000, [0, 1, 2]);
    const c = await checks(2);
    expect(c.routes['held_by_fleet_floor']).toBe(1);
    expect(c.fleet_floor?.view).toBe('unknown');
    for (const m of cluster.members) cluster.start(m);
    await waitHealthy(cluster, 30_000);
    await waitForPeers(all()[2]!, [own(2)], 40_000);
    await expectPeers(all()[0]!, [P, own(0)]);
    await expectPeers(all()[1]!, [P, own(1)]);
    await services[2]!.start();
    await waitForPeers(all()[2]!, [P, own(2)], 20_000);
  }, 120_000);
});
