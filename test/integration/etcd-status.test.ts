// Speaker status in a real etcd: a record published under a lease is what `fleet status` reads,
// republished only when it changes, gone at once when the speaker stops cleanly (revoke), and gone
// within the lease TTL when the speaker dies without a word (keepalives stop).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { createSilentLogger } from '../../src/runtime/logger.js';
import { readFleet, StatusPublisher, type SpeakerRecord } from '../../src/sources/etcd-fleet.js';
import { EtcdDocumentStore } from '../../src/sources/etcd-store.js';
import { REPO } from '../helpers/spawn-cli.js';
import { startEtcd, until, type EtcdCluster } from './etcd-harness.js';

let etcd: EtcdCluster;
let client: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd(23850, 1);
  client = etcd.client();
}, 30_000);

afterAll(async () => {
  client?.close();
  await etcd?.close();
});

const record = (name: string, desiredRevision: number | null): SpeakerRecord => ({
  format: 1,
  name,
  labels: {},
  exabgp: { version: null, dialect: '4.2', instance: null },
  desiredRevision,
  heldRevision: desiredRevision,
  desiredCount: 1,
  announcedCount: 1,
  pendingCount: 0,
  lastReconcile: null,
  diagnostics: 0,
  guard: { blocked: false },
  etcdConnected: true,
  updatedAt: Date.now(),
});

describe('speaker status under a lease', () => {
  it('shows who converged to the current revision, and forgets a speaker that stopped', async () => {
    const rev = await new EtcdDocumentStore(client, '/st').write(
      { format: 1, routes: [] },
      { by: 't', now: 1 },
    );
    const a = new StatusPublisher(client, '/st', 'a', createSilentLogger(), 2);
    const b = new StatusPublisher(client, '/st', 'b', createSilentLogger(), 2);
    await a.publish(record('a', rev));
    await b.publish(record('b', rev - 1));
    let view = await readFleet(client, '/st');
    expect(view.revision).toBe(rev);
    expect(view.speakers.map((s) => [s.record.name, s.converged])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(view.converged).toBe(false);
    await b.close();
    view = await readFleet(client, '/st');
    expect(view.speakers.map((s) => s.record.name)).toEqual(['a']);
    expect(view.converged).toBe(true);
    await a.close();
  });

  it('loses the record of a speaker killed with SIGKILL within the lease TTL', async () => {
    // a real process publishes (from dist/: `npm run build` first, as the CLI tests) and is killed
    const script = `
      import { Etcd3 } from 'etcd3';
      import { StatusPublisher } from './dist/sources/etcd-fleet.js';
      const c = new Etcd3({ hosts: ${JSON.stringify(etcd.endpoints[0])} });
      const log = { debug() {}, child() { return log; } };
      await new StatusPublisher(c, '/st2', 'dead', log, 2).publish(${JSON.stringify(record('dead', 1))});
      process.stdout.write('published\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect((await readFleet(client, '/st2')).speakers.map((s) => s.record.name)).toEqual(['dead']);
    child.kill('SIGKILL');
    const killedAt = Date.now();
    await until(
      async () => (await readFleet(client, '/st2')).speakers.length === 0,
      10_000,
      'the lease to expire',
    );
    expect(Date.now() - killedAt).toBeLessThan(6000);
  }, 20_000);
});
