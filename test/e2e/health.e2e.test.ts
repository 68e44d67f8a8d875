// Issue 12: health-gated announcements under a real ExaBGP (4.2 and 5.0) with two BIRD peers. A
// real TCP service and a real HTTP service on loopback, started and stopped by the test, gate
// routes: the peers' RIB follows within interval x fall + 1 s; a drain is one UPDATE that changes
// the MED; kill -9 of our process while a service is down does not re-announce its route; every
// check failing at once keeps the floor (--health-floor 2); a `dns` check against a real dnsmasq
// follows it (the README's walkthrough). No BGP session may reset.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.js';
import { baseRunArgs } from './harness/binaries.js';
import { isAlive, signalPid, waitFor } from './harness/processes.js';
import { writeFileAtomic, type E2eRoute } from './harness/routes.js';
import {
  countersSince,
  describeVersions,
  expectPeers,
  settle,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
} from './harness/scenario.js';

const SLOT = 10;
const INTERVAL_MS = 1000;
const FALL = 2;
/** The bound: interval x fall + 1 s (BIRD shows it a moment later: +0.5 s). */
const FOLLOW_MS = INTERVAL_MS * FALL + 1000 + 500;

const A: E2eRoute = { prefix: '10.110.1.0/24', nextHop: '192.0.2.1' };
const A2: E2eRoute = { prefix: '10.110.2.0/24', nextHop: '192.0.2.1' };
const B: E2eRoute = { prefix: '10.110.3.0/24', nextHop: '192.0.2.1', asPath: [65010], med: 10 };
const B_DRAINED: E2eRoute = { ...B, med: 500, communities: ['65535:0'] };
const C: E2eRoute = { prefix: '10.110.4.0/24', nextHop: '192.0.2.1' };
const D: E2eRoute = { prefix: '10.110.5.0/24', nextHop: '192.0.2.1' };

/** The route file plus a route gated by a `dns` check (the last scenario adds it). */
function withDns(tcpPort: number, httpPort: number, dnsServer: string): string {
  return routeFile(tcpPort, httpPort)
    .replace(
      'routes:\n',
      `  dns:
    kind: dns
    name: svc.example
    server: ${dnsServer}
    value: 192.0.2.1
    interval: 1s
    timeout: 500ms
    rise: 2
    fall: ${FALL}
routes:
`,
    )
    .concat(`  - prefix: ${D.prefix}\n    next-hop: 192.0.2.1\n    health: dns\n`);
}

function routeFile(tcpPort: number, httpPort: number): string {
  return `checks:
  svc:
    kind: tcp
    host: 127.0.0.1
    port: ${tcpPort}
    interval: 1s
    timeout: 500ms
    rise: 2
    fall: ${FALL}
    initial: up
  web:
    kind: http
    url: http://127.0.0.1:${httpPort}/health
    status: 200
    body: ok
    interval: 1s
    timeout: 500ms
    rise: 2
    fall: ${FALL}
routes:
  - prefix: ${A.prefix}
    next-hop: 192.0.2.1
    health: svc
  - prefix: ${A2.prefix}
    next-hop: 192.0.2.1
    health: web
  - prefix: ${B.prefix}
    next-hop: 192.0.2.1
    as-path: [65010]
    med: 10
    health: web
    on-down: {drain: {med: 500, community: 65535:0}}
  - prefix: ${C.prefix}
    next-hop: 192.0.2.1
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

class HttpService {
  private server: HttpServer | undefined;
  constructor(readonly port: number) {}
  start(): Promise<void> {
    const server = createHttpServer((_req, res) => res.end('ok'));
    this.server = server;
    return new Promise((resolve) => server.listen(this.port, '127.0.0.1', resolve));
  }
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

describeVersions(
  'health-gated announcements under ExaBGP and two BIRD peers',
  { needMain: true },
  (binaries, version) => {
    const slot = versionSlot(SLOT, version);
    // Beside the rig's ports (12000 + 10 x slot ...): a decade of our own.
    const tcp = new TcpService(13000 + 10 * slot);
    const http = new HttpService(13001 + 10 * slot);
    const rig = useRig(() => ({
      slot,
      name: `health-${version}`,
      binaries,
      respawn: true,
      process: {
        kind: 'reconciler',
        wrapper: 'exec',
        // the scenarios flip each check up to 6 times within a minute: no damping under test here
        args: [...baseRunArgs(), '--health-floor', '2', '--health-flap-limit', '20/60s'],
      },
      prepare: ({ routesDir }) =>
        writeFileAtomic(join(routesDir, 'anycast.yaml'), routeFile(tcp.port, http.port)),
    }));
    useSessionGuard(rig);
    const ALL = [A, A2, B, C];

    it('announces the gated routes once their services answer', async () => {
      await tcp.start();
      await http.start();
      await waitForPeers(rig(), ALL, 60_000);
    });

    it('withdraws a route when its TCP service stops, and announces it again when it starts', async () => {
      const before = await snapshotCounters(rig());
      const stopped = Date.now();
      await tcp.stop();
      await waitForPeers(rig(), [A2, B, C], 20_000);
      const took = Date.now() - stopped;
      expect(took).toBeLessThan(FOLLOW_MS);
      await tcp.start();
      await waitForPeers(rig(), ALL, 20_000);
      await settle();
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 1, withdraws: 1 });
      process.stderr.write(
        `health e2e ${version}: tcp service down -> withdrawn at BIRD in ${took} ms\n`,
      );
    });

    it('drains one route (one UPDATE: MED and community) and withdraws the other when HTTP stops', async () => {
      const before = await snapshotCounters(rig());
      const stopped = Date.now();
      await http.stop();
      await waitForPeers(rig(), [A, B_DRAINED, C], 20_000);
      const took = Date.now() - stopped;
      expect(took).toBeLessThan(FOLLOW_MS);
      await settle();
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 1, withdraws: 1 });
      const back = await snapshotCounters(rig());
      await http.start();
      await waitForPeers(rig(), ALL, 20_000);
      await settle();
      const again = await countersSince(rig(), back);
      for (const peer of rig().peers)
        expect(again[peer.protocol]).toEqual({ updates: 2, withdraws: 0 });
    });

    it('every check failing at once keeps the floor (2 gated routes) announced', async () => {
      const before = await snapshotCounters(rig());
      await Promise.all([tcp.stop(), http.stop()]);
      // Drained B counts as announced; the floor holds one of A and A2 (A, first in key order,
      // when both fall in one reconcile; else the one still announced when the second fell).
      const options = [
        [A, B_DRAINED, C],
        [A2, B_DRAINED, C],
      ];
      const matches = async (): Promise<E2eRoute[] | undefined> => {
        for (const o of options) {
          try {
            await expectPeers(rig(), o);
            return o;
          } catch {
            // not this one
          }
        }
        return undefined;
      };
      let held: E2eRoute[] | undefined;
      const deadline = Date.now() + 20_000;
      while ((held = await matches()) === undefined && Date.now() < deadline) await settle(200);
      expect(held).toBeDefined();
      await settle(INTERVAL_MS * FALL + 1000);
      await expectPeers(rig(), held ?? []);
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 1, withdraws: 1 });
      await Promise.all([tcp.start(), http.start()]);
      await waitForPeers(rig(), ALL, 20_000);
    });

    it('kill -9 while a service is down does not re-announce its route', async () => {
      await tcp.stop();
      await waitForPeers(rig(), [A2, B, C], 20_000);
      const before = await snapshotCounters(rig());
      const starts = rig().processStarts();
      const pid = rig().processPid()!;
      expect(signalPid(pid, 'SIGKILL', rig().dir)).toBe(true);
      await waitFor(() => !isAlive(pid), {
        timeoutMs: 5_000,
        what: 'the killed process to be gone',
      });
      await rig().waitProcessStart(starts);
      // Long enough for the restarted process to reconcile and run its checks a few times.
      await settle(INTERVAL_MS * 4);
      await expectPeers(rig(), [A2, B, C]);
      const delta = await countersSince(rig(), before);
      for (const peer of rig().peers)
        expect(delta[peer.protocol]).toEqual({ updates: 0, withdraws: 0 });
      await tcp.start();
      await waitForPeers(rig(), ALL, 20_000);
    });

    it('a dns check follows a real DNS server (dnsmasq): stopped, the route leaves; started, it returns', async () => {
      const dnsPort = 13002 + 10 * slot;
      let dns: Dnsmasq | undefined = await startDnsmasq(
        ['--address=/svc.example/192.0.2.1'],
        dnsPort,
      );
      try {
        const mark = rig().stderrMark();
        writeFileAtomic(
          join(rig().routesDir, 'anycast.yaml'),
          withDns(tcp.port, http.port, dns.server),
        );
        await waitForPeers(rig(), [...ALL, D], 20_000);
        await rig().waitStderr(['health check dns is up', 'dns answer 192.0.2.1'], { since: mark });
        const before = await snapshotCounters(rig());
        const stopped = Date.now();
        await dns.stop();
        dns = undefined;
        await waitForPeers(rig(), ALL, 20_000);
        const took = Date.now() - stopped;
        expect(took).toBeLessThan(FOLLOW_MS);
        await rig().waitStderr(['health check dns is down', 'dns ECONNREFUSED'], { since: mark });
        dns = await startDnsmasq(['--address=/svc.example/192.0.2.1'], dnsPort);
        await waitForPeers(rig(), [...ALL, D], 20_000);
        await settle();
        const delta = await countersSince(rig(), before);
        for (const peer of rig().peers)
          expect(delta[peer.protocol]).toEqual({ updates: 1, withdraws: 1 });
        process.stderr.write(
          `health e2e ${version}: dns server down -> withdrawn at BIRD in ${took} ms\n`,
        );
      } finally {
        await dns?.stop();
        await tcp.stop();
        await http.stop();
      }
    });
  },
);
