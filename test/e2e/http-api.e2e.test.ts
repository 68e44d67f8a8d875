// Issue 4 e2e: the HTTP API of `run` under a real ExaBGP (4.2 and 5.0) with two BIRD peers. A PUT
// (and the classic form endpoint) changes the peers' RIB; the api source survives kill -9 and an
// ExaBGP restart; no session resets except at that restart.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { baseRunArgs } from './harness/binaries.js';
import { isAlive, signalPid, waitFor } from './harness/processes.js';
import { slotPeers, type Rig, type RigPeer } from './harness/rig.js';
import {
  expectedPeerRoutes,
  readRouteDocument,
  renderRouteFile,
  writeRouteFile,
  type E2eRoute,
} from './harness/routes.js';
import {
  countersSince,
  describeVersions,
  expectNoChange,
  expectPeers,
  settle,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
  waitForPeers,
  type CounterSnapshot,
} from './harness/scenario.js';

const SLOT = 7;
const ETAG = /^"[0-9a-f]{32}"$/;

/** The harness's run flags with our listener instead of `--listen none` (loopback: no token). */
function runArgs(listen: string): string[] {
  const args = baseRunArgs();
  const at = args.indexOf('--listen');
  if (at >= 0) args.splice(at, 2);
  return [...args, '--listen', listen];
}

const FILE: E2eRoute[] = [
  { prefix: '203.0.113.0/24', nextHop: '192.0.2.1', med: 10, communities: ['65000:1'] },
  { prefix: '198.51.100.0/24', nextHop: '192.0.2.2', localPref: 200 },
  { prefix: '2001:db8:700::/48', nextHop: '2001:db8::7' },
];

const apiRoutes = (peerA: RigPeer): E2eRoute[] => [
  { prefix: '100.70.1.0/24', nextHop: '192.0.2.71', med: 71, communities: ['65000:71'] },
  { prefixes: ['100.70.2.0/24', '100.70.3.0/24'], nextHop: '192.0.2.72', asPath: [65010] },
  { prefix: '2001:db8:701::/48', nextHop: '2001:db8::71', largeCommunities: ['65000:7:1'] },
  { prefix: '100.70.4.0/24', nextHop: '192.0.2.74', localPref: 300, neighbors: [peerA.address] },
];

/** Sent as `command=announce route <prefix> next-hop <nextHop> med 5`. */
const CLASSIC = [
  { encoding: 'multipart', route: { prefix: '100.70.10.0/24', nextHop: '192.0.2.80', med: 5 } },
  { encoding: 'urlencoded', route: { prefix: '100.70.11.0/24', nextHop: '192.0.2.81', med: 5 } },
] as const;

const REFUSED = [
  { encoding: 'multipart', command: 'shutdown', reason: /shutdown/ },
  { encoding: 'urlencoded', command: 'shutdown', reason: /shutdown/ },
  {
    encoding: 'multipart',
    command: 'announce route 100.70.12.0/24 next-hop 192.0.2.82\nshutdown',
    reason: /line break/,
  },
] as const;

function isRefused(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET';
}

async function body(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

/** The HTTP client of one rig's listener (`listen`), and the api source read back for its peers. */
function apiClient(listen: string, peers: readonly RigPeer[]) {
  /** One request; retried (bounded) only while nothing listens yet (start-up, respawn). */
  async function http(path: string, init: RequestInit = {}, timeoutMs = 20_000): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const signal = AbortSignal.timeout(10_000);
        return await fetch(`http://${listen}${path}`, { ...init, signal });
      } catch (error) {
        if (!isRefused(error) || Date.now() >= deadline) throw error;
        await sleep(200);
      }
    }
  }

  function putDesired(
    routes: readonly E2eRoute[],
    options: { query?: string; ifMatch?: string } = {},
  ): Promise<Response> {
    const ifMatch = options.ifMatch === undefined ? {} : { 'if-match': options.ifMatch };
    return http(`/v1/desired${options.query ?? ''}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml', ...ifMatch },
      body: renderRouteFile(routes),
    });
  }

  /** POST / as `curl --form` (multipart) or `curl --data-urlencode` sends it. */
  function postClassic(encoding: 'multipart' | 'urlencoded', command: string): Promise<Response> {
    const form = new FormData();
    form.append('command', command);
    const payload = encoding === 'multipart' ? form : new URLSearchParams({ command });
    return http('/', { method: 'POST', body: payload });
  }

  /** GET /v1/desired?source=api, read back with the harness's independent reader. */
  async function servedApiSource(): Promise<{ etag: string | null; routes: E2eRoute[] }> {
    const response = await http('/v1/desired?source=api');
    expect(response.status).toBe(200);
    const { routes, skipped } = readRouteDocument(JSON.stringify(await response.json()));
    expect(skipped).toBe(0);
    return { etag: response.headers.get('etag'), routes };
  }

  /** The served api source holds exactly `expected`, attributes and targets included. */
  async function expectApiSource(expected: readonly E2eRoute[]): Promise<string | null> {
    const served = await servedApiSource();
    for (const peer of peers) {
      expect(Object.fromEntries(expectedPeerRoutes(served.routes, peer.address))).toEqual(
        Object.fromEntries(expectedPeerRoutes(expected, peer.address)),
      );
    }
    return served.etag;
  }
  return { http, putDesired, postClassic, servedApiSource, expectApiSource };
}

/** Nothing reached the peers since `before`: same RIB, no UPDATE, no withdraw. */
async function expectPeersUntouched(
  rig: Rig,
  desired: readonly E2eRoute[],
  before: CounterSnapshot,
): Promise<void> {
  await settle(1_000);
  await expectPeers(rig, desired);
  expectNoChange(await countersSince(rig, before));
}

/** kill -9 our process and wait for ExaBGP to respawn it; returns the new pid. */
async function killAndRespawn(rig: Rig): Promise<number> {
  const starts = rig.processStarts();
  const pid = rig.processPid()!;
  expect(signalPid(pid, 'SIGKILL', rig.dir)).toBe(true);
  await waitFor(() => !isAlive(pid), { timeoutMs: 5_000, what: 'the killed process to be gone' });
  return rig.waitProcessStart(starts);
}

/** The command lines ExaBGP logged from our process (DEBUG + processes), after `since`. */
function linesWritten(rig: Rig, since = 0): string[] {
  return rig.exabgp
    .logText()
    .slice(since)
    .split('\n')
    .filter((l) => l.includes('command from process reconciler'));
}

describeVersions(
  'run --listen under ExaBGP and two BIRD peers',
  { needMain: true },
  (binaries, version) => {
    const PEERS = slotPeers(versionSlot(SLOT, version));
    const LISTEN = `${PEERS[0].address}:12075`;
    const API = apiRoutes(PEERS[0]);
    const { http, putDesired, postClassic, expectApiSource } = apiClient(LISTEN, PEERS);
    const rig = useRig({
      slot: versionSlot(SLOT, version),
      name: `http-api-${version}`,
      binaries,
      process: { kind: 'reconciler', wrapper: 'exec', args: runArgs(LISTEN) },
      // ExaBGP logs every line our process writes: proof that a refused command never reached it
      env: { 'exabgp.log': { level: 'DEBUG', processes: 'true' } },
      prepare: ({ routesDir }) => writeRouteFile(routesDir, 'routes.yaml', FILE),
    });
    const sessions = useSessionGuard(rig);
    let api: E2eRoute[] = [];
    let firstEtag = '';
    const desired = () => [...FILE, ...api];

    it('adds the routes of a YAML PUT next to the file routes and answers with the plan', async () => {
      await waitForPeers(rig(), FILE, 60_000);
      const before = await snapshotCounters(rig());
      const response = await putDesired(API);
      const plan = await body(response);
      expect(response.status).toBe(200);
      firstEtag = response.headers.get('etag') ?? '';
      expect(firstEtag).toMatch(ETAG);
      expect(plan['format_version']).toBe('1');
      expect(plan['summary']).toEqual({
        announce: 5,
        update: 0,
        withdraw: 0,
        unchanged: 3,
        reassert: 0,
      });
      const changes = plan['changes'] as { action: string; prefix: string; target: string }[];
      expect(changes.map((c) => `${c.action} ${c.target} ${c.prefix}`).sort()).toEqual([
        'announce * 100.70.1.0/24',
        'announce * 100.70.2.0/24',
        'announce * 100.70.3.0/24',
        'announce * 2001:db8:701::/48',
        `announce ${PEERS[0].address} 100.70.4.0/24`,
      ]);
      api = [...API];
      await waitForPeers(rig(), desired(), 20_000);
      await settle(1_000);
      // one UPDATE per route at each peer (the neighbor-targeted one only at peer A), no withdraw
      expect(await countersSince(rig(), before)).toEqual({
        peer_a: { updates: 5, withdraws: 0 },
        peer_b: { updates: 4, withdraws: 0 },
      });
      const merged = (await body(await http('/v1/desired')))['routes'] as {
        prefix: string;
        source: { file: string };
      }[];
      const declared = (routes: readonly E2eRoute[], file: string) =>
        routes.flatMap((r) => (r.prefixes ?? [r.prefix]).map((p) => `${p} ${file}`));
      expect(merged.map((r) => `${r.prefix} ${r.source.file.split('/').pop()}`).sort()).toEqual(
        [...declared(FILE, 'routes.yaml'), ...declared(API, 'api')].sort(),
      );
    });

    it.each(CLASSIC)(
      'applies a classic $encoding POST / announce as an edit of the api source',
      async ({ encoding, route }) => {
        const before = await snapshotCounters(rig());
        const command = `announce route ${route.prefix} next-hop ${route.nextHop} med ${route.med}`;
        const response = await postClassic(encoding, command);
        const plan = await body(response);
        expect(response.status).toBe(200);
        expect(response.headers.get('etag')).toMatch(ETAG);
        expect(plan['summary']).toMatchObject({ announce: 1, update: 0, withdraw: 0 });
        api = [...api, route];
        await waitForPeers(rig(), desired(), 20_000);
        await settle(1_000);
        const delta = await countersSince(rig(), before);
        for (const peer of PEERS)
          expect(delta[peer.protocol]).toEqual({ updates: 1, withdraws: 0 });
        await expectApiSource(api);
      },
    );

    it('withdraws a route with a classic urlencoded withdraw command', async () => {
      const before = await snapshotCounters(rig());
      const response = await postClassic('urlencoded', 'withdraw route 100.70.10.0/24');
      const plan = await body(response);
      expect(response.status).toBe(200);
      expect(plan['summary']).toMatchObject({ announce: 0, update: 0, withdraw: 1 });
      api = api.filter((r) => r.prefix !== '100.70.10.0/24');
      await waitForPeers(rig(), desired(), 20_000);
      await settle(1_000);
      const delta = await countersSince(rig(), before);
      for (const peer of PEERS) expect(delta[peer.protocol]).toEqual({ updates: 0, withdraws: 1 });
      await expectApiSource(api);
    });

    it.each(REFUSED)(
      'refuses $command ($encoding) with 400 and ExaBGP keeps running with the sessions up',
      async ({ encoding, command, reason }) => {
        const before = await snapshotCounters(rig());
        const response = await postClassic(encoding, command);
        const error = await body(response);
        expect(response.status).toBe(400);
        expect(error['code']).toBe('E_COMMAND');
        expect(String(error['message'])).toMatch(reason);
        await expectPeersUntouched(rig(), desired(), before);
        expect(rig().exabgp.isRunning()).toBe(true);
        for (const peer of PEERS)
          expect((await rig().bird.stats(peer.protocol)).bgpState).toBe('Established');
      },
    );

    it('never wrote a refused command to ExaBGP (its log of every line our process wrote)', () => {
      const written = linesWritten(rig());
      // positive control: the accepted classic announce is there, written by the reconciler
      expect(written.some((l) => l.includes('100.70.11.0/24'))).toBe(true);
      expect(written.filter((l) => /shutdown|100\.70\.12\.0/.test(l))).toEqual([]);
    });

    it('refuses a PUT conflicting with a file route with 409 naming the file and line', async () => {
      const before = await snapshotCounters(rig());
      const etag = await expectApiSource(api);
      const conflict: E2eRoute = { prefix: '203.0.113.0/24', nextHop: '192.0.2.99', med: 99 };
      const response = await putDesired([...api, conflict]);
      const error = await body(response);
      expect(response.status).toBe(409);
      expect(error['code']).toBe('E_CONFLICT');
      expect(String(error['message'])).toMatch(/routes\.yaml:2\b/);
      await expectPeersUntouched(rig(), desired(), before);
      expect(await expectApiSource(api)).toBe(etag);
    });

    it('answers a stale If-Match with 412 and a dry run with the plan, changing nothing', async () => {
      const before = await snapshotCounters(rig());
      const etag = await expectApiSource(api);
      expect(etag).not.toBe(firstEtag);
      const edited = [...api.slice(1), { prefix: '100.70.20.0/24', nextHop: '192.0.2.90' }];
      const stale = await putDesired(edited, { ifMatch: firstEtag });
      expect(stale.status).toBe(412);
      expect((await body(stale))['code']).toBe('E_PRECONDITION_FAILED');
      expect(stale.headers.get('etag')).toBe(etag);
      const dry = await putDesired(edited, { query: '?dry_run=true', ifMatch: etag ?? '' });
      const plan = await body(dry);
      expect(dry.status).toBe(200);
      expect(plan['summary']).toMatchObject({ announce: 1, update: 0, withdraw: 1 });
      await expectPeersUntouched(rig(), desired(), before);
      expect(await expectApiSource(api)).toBe(etag);
    });

    it('keeps the api routes at the peers without a message across kill -9 of our process', async () => {
      await waitForPeers(rig(), desired(), 20_000);
      const before = await snapshotCounters(rig());
      const respawned = await killAndRespawn(rig());
      await expectApiSource(api);
      // the respawned process trusted the ledger and its start-up reconcile had nothing to send
      const status = await waitFor(
        async () => {
          const s = await body(await http('/v1/status'));
          return s['last_reconcile'] === null ? undefined : s;
        },
        { timeoutMs: 10_000, what: 'the start-up reconcile of the respawned process' },
      );
      expect(status['ledger_trusted']).toBe(true);
      expect(status['last_reconcile']).toMatchObject({ outcome: 'no-changes' });
      await expectPeersUntouched(rig(), desired(), before);
      expect(rig().processPid()).toBe(respawned);
    });

    it('applies an accepted PUT after kill -9 right after the response', async () => {
      const next = [...api, { prefix: '100.70.30.0/24', nextHop: '192.0.2.93', med: 30 }];
      const response = await putDesired(next);
      await killAndRespawn(rig());
      expect(response.status).toBe(200);
      api = next;
      await expectApiSource(api);
      await waitForPeers(rig(), desired(), 20_000);
      await settle(1_000);
      await expectPeers(rig(), desired());
    });

    it('announces the file and api routes to a restarted ExaBGP', async () => {
      const starts = rig().processStarts();
      const mark = rig().stderrMark();
      const logMark = rig().exabgp.logText().length;
      await sessions().expectReset(async () => {
        await rig().exabgp.restart();
        await rig().waitProcessStart(starts);
      });
      await rig().waitStderr(['new exabgp instance'], { since: mark });
      await waitForPeers(rig(), desired(), 30_000);
      // the new instance (empty RIB) got both sources from our process
      const written = linesWritten(rig(), logMark).join('\n');
      for (const prefix of ['203.0.113.0/24', '100.70.1.0/24', '100.70.4.0/24', '100.70.11.0/24'])
        expect(written).toContain(prefix);
      await expectApiSource(api);
      expect((await body(await http('/v1/status')))['ledger_trusted']).toBe(false);
    });
  },
);
