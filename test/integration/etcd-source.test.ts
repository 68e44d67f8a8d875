// The etcd api source against a real etcd (one member on loopback): the document layout (sharded,
// one compare-and-swap flip, readers never see a mix), If-Match as a revision, watch-driven
// convergence of two speakers, and fail static: etcd stopped keeps every route, a source created
// while etcd is down holds the persisted state, and both resync when etcd is back.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { routeKey, type Route } from '../../src/core/route.js';
import { isReconcilerError } from '../../src/errors.js';
import { EtcdApiSource } from '../../src/sources/etcd.js';
import { EtcdDocumentStore, SHARD_BYTES } from '../../src/sources/etcd-store.js';
import { route } from '../helpers/routes.js';
import { MemoryStore, startEtcd, testApiSource, until, type EtcdCluster } from './etcd-harness.js';

const keys = (routes: readonly Route[]): string[] => routes.map(routeKey).sort();

let etcd: EtcdCluster;
let client: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd(23800, 1);
  client = etcd.client();
}, 30_000);

afterAll(async () => {
  client?.close();
  await etcd?.close();
});

function source(prefix: string, store = new MemoryStore(), c = client): EtcdApiSource {
  return testApiSource(c, prefix, 'test', store);
}

describe('the etcd document store', () => {
  it('reads back exactly what it wrote, and 0 before any write', async () => {
    const docs = new EtcdDocumentStore(client, '/t1');
    expect((await docs.read()).revision).toBe(0);
    const rev = await docs.write({ format: 1, routes: [], extra: 'kept' }, { by: 'a', now: 1 });
    const got = await docs.read();
    expect(got.revision).toBe(rev);
    expect(got.document).toEqual({ format: 1, routes: [], extra: 'kept' });
  });

  it('refuses a write whose expected revision moved, storing nothing', async () => {
    const docs = new EtcdDocumentStore(client, '/t2');
    const r1 = await docs.write({ n: 1 }, { by: 'a', now: 1 });
    const r2 = await docs.write({ n: 2 }, { by: 'b', now: 2, expectRevision: r1 });
    const stale = docs.write({ n: 3 }, { by: 'c', now: 3, expectRevision: r1 });
    await expect(stale).rejects.toSatisfy(
      (e: unknown) => isReconcilerError(e) && e.code === 'E_PRECONDITION_FAILED',
    );
    expect(await docs.read()).toMatchObject({ revision: r2, document: { n: 2 } });
    // the loser's blobs are gone; only the winner's generation is left
    const blobKeys = await client.getAll().prefix('/t2/desired/api/blobs/').keys();
    expect(new Set(blobKeys.map((k) => k.split('/')[5])).size).toBe(1);
  });

  it('shards a document larger than an etcd value, and readers see old or new, never a mix', async () => {
    const docs = new EtcdDocumentStore(client, '/t3');
    // incompressible: ~3 MiB gzipped, so at least 3 shards per generation
    const big = (tag: string) => ({ tag, blob: randomBytes(3 * SHARD_BYTES).toString('base64') });
    const versions = [big('a'), big('b'), big('c')];
    await docs.write(versions[0], { by: 'w', now: Date.now() });
    const seen = new Set<string>();
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const got = (await docs.read()).document as { tag: string; blob: string };
        const match = versions.find((v) => v.tag === got.tag);
        expect(got.blob).toBe(match?.blob);
        seen.add(got.tag);
      }
    })();
    for (const v of versions.slice(1)) await docs.write(v, { by: 'w', now: Date.now() });
    reading = false;
    await reader;
    expect(seen.has('a') || seen.has('b') || seen.has('c')).toBe(true);
    const head = (await docs.read()).head;
    expect(head?.shards).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe('the etcd api source', () => {
  it('converges a second speaker to a replace made on the first, through the watch', async () => {
    const a = source('/s1');
    const bStore = new MemoryStore();
    const b = source('/s1', bStore);
    const changes: string[] = [];
    const wa = a.watch(() => undefined);
    const wb = b.watch((reason) => changes.push(reason));
    await Promise.all([wa.ready, wb.ready]);
    const routes = [route({ prefix: '192.0.2.0/24', nextHop: '10.0.0.1' })];
    await a.replace(routes, Date.now());
    await until(() => b.routes.length === 1, 5000, 'speaker b to see the put');
    expect(keys(b.routes)).toEqual(keys(routes));
    expect(b.etag).toBe(a.etag);
    expect(bStore.routes).toEqual(b.routes); // persisted before use (fail static)
    expect(changes).toContain('etcd api source changed');
    await Promise.all([wa.close(), wb.close()]);
  });

  it('maps If-Match to the revision: the second of two controllers with the same tag loses', async () => {
    const a = source('/s2');
    const b = source('/s2');
    const wa = a.watch(() => undefined);
    const wb = b.watch(() => undefined);
    await Promise.all([wa.ready, wb.ready]);
    const tag = a.etag!;
    expect(b.etag).toBe(tag);
    const one = [route({ prefix: '198.51.100.0/24', nextHop: '10.0.0.1' })];
    const two = [route({ prefix: '203.0.113.0/24', nextHop: '10.0.0.2' })];
    const results = await Promise.allSettled([
      a.replace(one, Date.now(), tag),
      b.replace(two, Date.now(), tag),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isReconcilerError(lost.reason) && lost.reason.code).toBe('E_PRECONDITION_FAILED');
    const winner = results[0].status === 'fulfilled' ? one : two;
    await until(
      () => keys(a.routes)[0] === keys(winner)[0] && keys(b.routes)[0] === keys(winner)[0],
      5000,
      'both speakers on the winner',
    );
    await Promise.all([wa.close(), wb.close()]);
  });

  it('keeps every route while etcd is down, holds the persisted state when started then, and resyncs', async () => {
    const prefix = '/s3';
    const store = new MemoryStore();
    const a = source(prefix, store);
    const wa = a.watch(() => undefined);
    await wa.ready;
    const routes = [route({ prefix: '192.0.2.0/24', nextHop: '10.0.0.9' })];
    await a.replace(routes, Date.now());
    const member = etcd.members[0]!;
    await etcd.stop(member);
    await until(() => a.diagnostics.length > 0, 10_000, 'the source to notice etcd is down');
    expect(a.diagnostics[0]!.code).toBe('E_STORE_UNAVAILABLE');
    expect(keys(a.routes)).toEqual(keys(routes));
    // a speaker (re)started while etcd is down: the persisted state, untouched by etcd's absence
    const restartedClient = etcd.client();
    const restarted = source(prefix, store, restartedClient);
    const wr = restarted.watch(() => undefined);
    await wr.ready;
    expect(keys(restarted.routes)).toEqual(keys(routes));
    expect(restarted.diagnostics.length).toBe(1);
    await expect(restarted.replace([], Date.now())).rejects.toSatisfy(
      (e: unknown) => isReconcilerError(e) && e.code === 'E_STORE_UNAVAILABLE',
    );
    expect(keys(restarted.routes)).toEqual(keys(routes));
    etcd.start(member);
    await until(
      () => a.diagnostics.length === 0 && restarted.diagnostics.length === 0,
      20_000,
      'both sources to reconnect',
    );
    expect(restarted.etag).toBe(a.etag);
    expect(keys(restarted.routes)).toEqual(keys(routes));
    await Promise.all([wa.close(), wr.close()]);
    restartedClient.close();
  }, 60_000);
});
