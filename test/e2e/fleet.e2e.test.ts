// Issue 11 e2e: a fleet of three speakers, each a real ExaBGP (4.2 or 5.0) with its reconciler and
// two BIRD peers, sharing one 3-member etcd cluster. A PUT to speaker 0 reaches all six peers'
// RIBs; a file entry with a selector reaches one site only; two controllers racing with the same
// If-Match on different speakers: one wins everywhere; every etcd member stopped: every route stays
// (no withdraw at any peer), a speaker's process killed and respawned then keeps announcing its last
// known state, and the fleet converges once etcd is back; a PUT withdrawing most of the fleet's
// routes is held on every speaker (no UPDATE at any peer) until one confirmation. No session resets.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { leaderOf, startEtcd, waitHealthy, type EtcdCluster } from '../integration/etcd-harness.js';
import { baseRunArgs } from './harness/binaries.js';
import { signalPid, waitFor } from './harness/processes.js';
import { slotSpeakerPeers, type Rig } from './harness/rig.js';
import { renderRouteFile, type E2eRoute } from './harness/routes.js';
import {
  countersSince,
  describeVersions,
  expectNoChange,
  expectPeers,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
  type CounterSnapshot,
} from './harness/scenario.js';

const SLOT = 19;
const SITE_FILE = `routes:
  - prefix: 198.51.100.0/24
    next-hop: 192.0.2.9
    speaker-selector: {site: scrub}
`;
const SITE_ROUTE: E2eRoute = { prefix: '198.51.100.0/24', nextHop: '192.0.2.9' };

describeVersions('a fleet of three speakers on etcd', { needMain: true }, (binaries, version) => {
  const slot = versionSlot(SLOT, version);
  let etcd: EtcdCluster | undefined;
  const endpoints = (): string => (etcd === undefined ? '' : etcd.endpoints.join(','));
  const listen = (k: number): string => `127.0.${slot}.${20 * k + 5}:${12_000 + slot * 10 + 6 + k}`;

  beforeAll(async () => {
    etcd = await startEtcd(version === '4.2' ? 23884 : 23890, 3);
  }, 60_000);
  afterAll(async () => {
    await etcd?.close();
  });

  const rigs = [0, 1, 2].map((k) => {
    const rig = useRig(() => ({
      slot,
      name: `fleet${k}-${version}`,
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
          '--speaker-label',
          `site=${k === 2 ? 'scrub' : 'pop'}`,
          '--etcd-endpoints',
          endpoints(),
        ],
      },
      prepare: ({ routesDir }) => {
        writeFileSync(join(routesDir, 'site.yaml'), SITE_FILE);
      },
    }));
    useSessionGuard(rig);
    return rig;
  });
  const all = (): Rig[] => rigs.map((r) => r());
  const url = (k: number, path: string): string => `http://${listen(k)}${path}`;
  const put = (k: number, routes: readonly E2eRoute[], ifMatch?: string): Promise<Response> =>
    fetch(url(k, '/v1/desired'), {
      method: 'PUT',
      headers: {
        'content-type': 'application/yaml',
        ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
      },
      body: renderRouteFile(routes),
    });
  const healthy = async (k: number): Promise<string> =>
    ((await (await fetch(url(k, '/healthz'))).json()) as { status: string }).status;

  /** The api routes the fleet announces after the leader-kill scenario. */
  let lastApi: E2eRoute[] = [];
  const API: E2eRoute[] = [
    { prefix: '100.71.1.0/24', nextHop: '192.0.2.71', med: 71, communities: ['65000:71'] },
    { prefix: '2001:db8:711::/48', nextHop: '2001:db8::71' },
  ];

  it('routes the selector entry to the scrubbing site only', async () => {
    const [r0, r1, r2] = all() as [Rig, Rig, Rig];
    await waitForPeers(r2, [SITE_ROUTE]);
    await expectPeers(r0, []);
    await expectPeers(r1, []);
  });

  it('applies one PUT to speaker 0 on all three speakers’ peers', async () => {
    await waitFor(async () => ((await healthy(0)) === 'ok' ? true : undefined), {
      timeoutMs: 20_000,
      what: 'speaker 0 healthy',
    });
    const res = await put(0, API);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^"etcd-r\d+"$/);
    const [r0, r1, r2] = all() as [Rig, Rig, Rig];
    await waitForPeers(r0, API, 20_000);
    await waitForPeers(r1, API, 20_000);
    await waitForPeers(r2, [...API, SITE_ROUTE], 20_000);
  });

  it('lets one of two controllers racing with the same If-Match win, on every speaker', async () => {
    const etag = (await fetch(url(0, '/v1/desired'))).headers.get('etag') ?? '';
    expect(etag).toMatch(/^"etcd-r\d+"$/);
    const one: E2eRoute[] = [{ prefix: '100.71.2.0/24', nextHop: '192.0.2.72' }];
    const two: E2eRoute[] = [{ prefix: '100.71.3.0/24', nextHop: '192.0.2.73' }];
    const [a, b] = await Promise.all([
      put(1, [...API, ...one], etag),
      put(2, [...API, ...two], etag),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const winner = a.status === 200 ? one : two;
    const [r0, r1, r2] = all() as [Rig, Rig, Rig];
    await waitForPeers(r0, [...API, ...winner], 20_000);
    await waitForPeers(r1, [...API, ...winner], 20_000);
    await waitForPeers(r2, [...API, ...winner, SITE_ROUTE], 20_000);
  });

  it('keeps every route with all etcd members down, across a respawn, and converges when back', async () => {
    const cluster = etcd!;
    const rigsNow = all();
    const desired = (k: number, extra: readonly E2eRoute[]): E2eRoute[] => [
      ...API,
      ...extra,
      ...(k === 2 ? [SITE_ROUTE] : []),
    ];
    // what the race left (one of two extra routes): read it from speaker 0's RIB expectation
    const stored = (await (await fetch(url(0, '/v1/desired?source=api'))).text()).includes(
      '100.71.2.0/24',
    )
      ? [{ prefix: '100.71.2.0/24', nextHop: '192.0.2.72' }]
      : [{ prefix: '100.71.3.0/24', nextHop: '192.0.2.73' }];
    const before: CounterSnapshot[] = [];
    for (const r of rigsNow) before.push(await snapshotCounters(r));
    await Promise.all(cluster.members.map((m) => cluster.stop(m)));
    await waitFor(async () => ((await healthy(1)) === 'degraded' ? true : undefined), {
      timeoutMs: 20_000,
      what: 'speaker 1 degraded',
    });
    // speaker 1's process killed: ExaBGP respawns it; it must hold its last known state
    const r1 = rigsNow[1]!;
    const pid = r1.processPid();
    expect(pid).toBeDefined();
    signalPid(pid!, 'SIGKILL', r1.dir);
    await r1.waitProcessStart([pid!]);
    await r1.waitStderr(['etcd unreachable'], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 3000));
    for (const [k, r] of rigsNow.entries()) {
      await expectPeers(r, desired(k, stored));
      expectNoChange(await countersSince(r, before[k]!));
    }
    for (const m of cluster.members) cluster.start(m);
    await waitFor(async () => ((await healthy(1)) === 'ok' ? true : undefined), {
      timeoutMs: 40_000,
      what: 'speaker 1 healthy again',
    });
    const next: E2eRoute[] = [{ prefix: '100.71.9.0/24', nextHop: '192.0.2.79' }];
    await waitFor(
      async () => ((await put(1, [...API, ...next])).status === 200 ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'a PUT accepted once etcd is back',
      },
    );
    for (const [k, r] of rigsNow.entries()) await waitForPeers(r, desired(k, next), 30_000);
  }, 180_000);

  it('commits a PUT during which the etcd leader is killed on every speaker or on none', async () => {
    const cluster = etcd!;
    const big: E2eRoute[] = [
      {
        prefixes: Array.from({ length: 2000 }, (_, i) => `100.72.${i >> 8}.${i & 255}/32`),
        nextHop: '192.0.2.80',
      },
    ];
    const victim = await leaderOf(cluster);
    // SIGKILL as the request leaves: the PUT's blob writes and its head flip race the kill
    const sent = put(0, [...API, ...big]);
    process.kill(victim.proc!.pid!, 'SIGKILL');
    await cluster.stop(victim);
    const status = (await sent).status;
    cluster.start(victim);
    await waitHealthy(cluster, 30_000);
    // 200: stored; 503: refused, or stored with its answer lost. The fleet follows etcd either way.
    expect([200, 503]).toContain(status);
    const client = cluster.client();
    const { EtcdDocumentStore } = await import('../../src/sources/etcd-store.js');
    const doc = (await new EtcdDocumentStore(client, '/exabgp-reconciler').read()).document as {
      routes: unknown[];
    };
    client.close();
    const committed = doc.routes.length === API.length + 2000;
    if (status === 200) expect(committed).toBe(true);
    const expected = committed
      ? [...API, ...big]
      : [...API, { prefix: '100.71.9.0/24', nextHop: '192.0.2.79' }];
    for (const [k, r] of all().entries())
      await waitForPeers(r, [...expected, ...(k === 2 ? [SITE_ROUTE] : [])], 60_000);
    lastApi = expected;
    process.stderr.write(
      `fleet e2e ${version}: leader killed mid-PUT: HTTP ${status}, committed ${committed}\n`,
    );
  }, 180_000);

  it('holds a PUT that withdraws most of the fleet on every speaker, until one confirmation', async () => {
    const site = (k: number): E2eRoute[] => (k === 2 ? [SITE_ROUTE] : []);
    const twenty: E2eRoute[] = [
      {
        prefixes: Array.from({ length: 20 }, (_, i) => `100.73.${i}.0/24`),
        nextHop: '192.0.2.81',
      },
    ];
    const grown = await put(0, [...lastApi, ...twenty]);
    expect(grown.status, await grown.clone().text()).toBe(200);
    for (const [k, r] of all().entries())
      await waitForPeers(r, [...lastApi, ...twenty, ...site(k)], 60_000);
    // let every speaker publish what it announces now (the fleet guard reads the records)
    await new Promise((r) => setTimeout(r, 1500));
    const before: CounterSnapshot[] = [];
    for (const r of all()) before.push(await snapshotCounters(r));
    const shrink = await put(1, API);
    expect(shrink.status).toBe(202);
    const answer = (await shrink.json()) as { guard: { kind?: string; reason: string } };
    expect(answer.guard.kind).toBe('fleet');
    const revision = Number(/"etcd-r(\d+)"/.exec(shrink.headers.get('etag') ?? '')?.[1]);
    expect(answer.guard.reason).toContain(`fleet confirm --revision ${revision}`);
    await new Promise((r) => setTimeout(r, 3000));
    for (const [k, r] of all().entries()) {
      await expectPeers(r, [...lastApi, ...twenty, ...site(k)]);
      expectNoChange(await countersSince(r, before[k]!));
    }
    const view = (await (await fetch(url(2, '/v1/fleet'))).json()) as {
      held: { revision: number } | null;
      speakers: { record: { guard: { blocked: boolean } } }[];
    };
    expect(view.held?.revision).toBe(revision);
    expect(view.speakers.map((s) => s.record.guard.blocked)).toEqual([true, true, true]);
    const confirm = await fetch(url(2, '/v1/fleet/confirm'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revision }),
    });
    expect(confirm.status).toBe(200);
    for (const [k, r] of all().entries()) await waitForPeers(r, [...API, ...site(k)], 60_000);
  }, 180_000);
});
