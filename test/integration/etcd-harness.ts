// Real etcd members for the fleet tests: started on loopback ports 23790-23899 with data dirs in a
// tmp dir, stopped by pid (SIGTERM, then SIGKILL), with bounded waits. Never a service.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { Route } from '../../src/core/route.js';
import { systemClock } from '../../src/runtime/clock.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import type { ApiRouteStore } from '../../src/sources/api.js';
import { EtcdApiSource } from '../../src/sources/etcd.js';

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  proc: ChildProcess | undefined;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  readonly endpoints: string[];
  stop(member: EtcdMember): Promise<void>;
  start(member: EtcdMember): void;
  /** Stop every member and remove the data dirs. */
  close(): Promise<void>;
  /** A client on every endpoint. */
  client(): Etcd3;
}

/** `size` members on ports base..base+2*size-1 (client, peer per member). */
export async function startEtcd(base: number, size = 1): Promise<EtcdCluster> {
  if (base < 23790 || base + 2 * size - 1 > 23899) throw new Error(`ports ${base}+ out of range`);
  const dir = mkdtempSync(join(tmpdir(), 'etcd-test-'));
  const members: EtcdMember[] = Array.from({ length: size }, (_, i) => ({
    name: `m${i}`,
    clientUrl: `http://127.0.0.1:${base + 2 * i}`,
    peerUrl: `http://127.0.0.1:${base + 2 * i + 1}`,
    proc: undefined,
  }));
  const initial = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const start = (m: EtcdMember): void => {
    const proc = spawn(
      'etcd',
      [
        `--name=${m.name}`,
        `--data-dir=${join(dir, m.name)}`,
        `--listen-client-urls=${m.clientUrl}`,
        `--advertise-client-urls=${m.clientUrl}`,
        `--listen-peer-urls=${m.peerUrl}`,
        `--initial-advertise-peer-urls=${m.peerUrl}`,
        `--initial-cluster=${initial}`,
        '--initial-cluster-state=new',
        '--initial-cluster-token=exabgp-reconciler-test',
        '--heartbeat-interval=50',
        '--election-timeout=500',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc.stderr?.resume();
    m.proc = proc;
  };
  const stop = async (m: EtcdMember): Promise<void> => {
    const proc = m.proc;
    m.proc = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.pid === undefined) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    process.kill(proc.pid, 'SIGTERM');
    const timer = setTimeout(
      () => proc.pid !== undefined && process.kill(proc.pid, 'SIGKILL'),
      3000,
    );
    await exited;
    clearTimeout(timer);
  };
  members.forEach(start);
  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.clientUrl),
    stop,
    start,
    close: async () => {
      await Promise.all(members.map(stop));
      rmSync(dir, { recursive: true, force: true });
    },
    client: () => new Etcd3({ hosts: members.map((m) => m.clientUrl), dialTimeout: 2000 }),
  };
  await waitHealthy(cluster, 20_000);
  return cluster;
}

/** Resolves once a put and a get succeed through every endpoint (bounded). */
export async function waitHealthy(cluster: EtcdCluster, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const client = cluster.client();
    try {
      await client.put('/health-probe').value('1');
      await client.get('/health-probe').string();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`etcd not healthy in ${ms} ms`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      client.close();
    }
  }
}

/** Poll `check` every 50 ms until it is true (bounded). */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The member the others follow (asked of each running member in turn). */
export async function leaderOf(cluster: EtcdCluster): Promise<EtcdMember> {
  for (const m of cluster.members) {
    if (m.proc === undefined) continue;
    const c = new Etcd3({ hosts: m.clientUrl, dialTimeout: 1000 });
    try {
      const s = await c.maintenance.status();
      if (s.header.member_id === s.leader) return m;
    } catch {
      // not answering: not a leader we can stop
    } finally {
      c.close();
    }
  }
  throw new Error('no etcd leader found');
}

/** The api source's local store, in memory (counts its writes). */
export class MemoryStore implements ApiRouteStore {
  routes: readonly Route[] = [];
  writes = 0;
  getApiRoutes(): readonly Route[] {
    return this.routes;
  }
  setApiRoutes(routes: readonly Route[]): void {
    this.routes = routes;
    this.writes += 1;
  }
}

/** An etcd api source under `prefix` with short test timings. */
export function testApiSource(
  client: Etcd3,
  prefix: string,
  speaker: string,
  store: ApiRouteStore = new MemoryStore(),
): EtcdApiSource {
  return new EtcdApiSource({
    client,
    prefix,
    speaker,
    store,
    clock: systemClock,
    logger: createSilentLogger(),
    resyncMs: 500,
    retryInitialMs: 100,
    retryMaxMs: 500,
  });
}
