// The fleet-wide guard against a real etcd (one member on loopback): a revision of the shared api
// source that would withdraw more than the guard's share of every speaker's announced routes (as
// their published records say) is stored but adopted by no speaker; one confirmation in etcd
// releases it on every speaker at once; an edit that drops little, or undoes the held one, applies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { routeKey, type Route } from '../../src/core/route.js';
import type { EtcdApiSource } from '../../src/sources/etcd.js';
import {
  readFleet,
  StatusPublisher,
  writeConfirm,
  type SpeakerRecord,
} from '../../src/sources/etcd-fleet.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import { route } from '../helpers/routes.js';
import { startEtcd, testApiSource, until, type EtcdCluster } from './etcd-harness.js';

const keys = (routes: readonly Route[]): string[] => routes.map(routeKey).sort();
const twelve = Array.from({ length: 12 }, (_, i) =>
  route({ prefix: `100.64.${i}.0/24`, nextHop: '10.0.0.2' }),
);
const one = [route({ prefix: '100.65.0.0/24', nextHop: '10.0.0.2' })];

let etcd: EtcdCluster;
let client: Etcd3;
const publishers: StatusPublisher[] = [];

beforeAll(async () => {
  etcd = await startEtcd(23810, 1);
  client = etcd.client();
}, 30_000);

afterAll(async () => {
  await Promise.all(publishers.map((p) => p.close()));
  client?.close();
  await etcd?.close();
});

function record(name: string, announcedCount: number): SpeakerRecord {
  return {
    format: 1,
    name,
    labels: {},
    exabgp: { version: '4.2.21', dialect: '4.2', instance: null },
    desiredRevision: null,
    heldRevision: null,
    desiredCount: announcedCount,
    announcedCount,
    pendingCount: 0,
    lastReconcile: null,
    diagnostics: 0,
    guard: { blocked: false },
    etcdConnected: true,
    updatedAt: Date.now(),
  };
}

/** Two speakers on `prefix` whose records say they announce `counts` routes. */
async function fleet(
  prefix: string,
  counts: readonly [number, number],
): Promise<{ a: EtcdApiSource; b: EtcdApiSource; close: () => Promise<void> }> {
  for (const [i, name] of ['a', 'b'].entries()) {
    const p = new StatusPublisher(client, prefix, name, createSilentLogger());
    publishers.push(p);
    await p.publish(record(name, counts[i] ?? 0));
  }
  const a = testApiSource(client, prefix, 'a');
  const b = testApiSource(client, prefix, 'b');
  const wa = a.watch(() => undefined);
  const wb = b.watch(() => undefined);
  await Promise.all([wa.ready, wb.ready]);
  return { a, b, close: () => Promise.all([wa.close(), wb.close()]).then(() => undefined) };
}

describe('the fleet-wide mass-withdraw guard', () => {
  it('holds a revision that withdraws more than half of the fleet on every speaker, until one confirmation', async () => {
    // a announces 32 routes (20 of its own files), b 13: dropping the 12 api routes withdraws
    // 12 + 12 = 24 of 45 (53%); a alone would withdraw 12 of 32 (37.5%) and apply it.
    const { a, b, close } = await fleet('/g1', [32, 13]);
    expect(await a.replace(twelve, Date.now())).toEqual({});
    await until(() => b.routes.length === 12, 5000, 'b to adopt the 12 routes');
    const outcome = await a.replace(one, Date.now(), a.etag);
    expect(outcome.held?.reason).toBe(
      "the revision withdraws 24 of 45 routes the fleet's 2 speakers announce (53.3%), more than the limit of 50%",
    );
    const revision = outcome.held!.revision;
    expect(a.etag).toBe(`"etcd-r${revision}"`); // an edit replaces the held revision
    expect(keys(a.routes)).toEqual(keys(twelve)); // stored, not adopted
    await until(() => b.held?.revision === revision, 5000, 'b to see the held revision');
    expect(keys(b.routes)).toEqual(keys(twelve));
    expect(b.diagnostics.map((d) => [d.code, d.severity])).toEqual([['W_FLEET_HELD', 'warning']]);
    expect(b.diagnostics[0]!.message).toContain(`fleet confirm --revision ${revision}`);
    const view = await readFleet(client, '/g1');
    expect(view.held).toMatchObject({ revision });
    await writeConfirm(client, '/g1', revision, 'test', Date.now());
    await until(
      () =>
        keys(a.routes).join() === keys(one).join() && keys(b.routes).join() === keys(one).join(),
      5000,
      'both speakers to adopt the confirmed revision',
    );
    expect(a.held).toBeNull();
    expect(b.diagnostics).toEqual([]);
    expect((await readFleet(client, '/g1')).held).toBeNull();
    await close();
  });

  it('applies an edit that undoes a held revision, and one that withdraws little of the fleet', async () => {
    const { a, b, close } = await fleet('/g2', [13, 13]);
    await a.replace(twelve, Date.now());
    await until(() => b.routes.length === 12, 5000, 'b to adopt the 12 routes');
    const held = await a.replace(one, Date.now(), a.etag);
    expect(held.held).toBeDefined();
    await until(() => b.held !== null, 5000, 'b to see the held revision');
    // 11 of the 12: one dropped against the document in use (2 of 26 fleet routes): applies
    expect(await a.replace(twelve.slice(0, 11), Date.now(), a.etag)).toEqual({});
    await until(
      () => b.routes.length === 11 && b.held === null,
      5000,
      'b to adopt the edit and drop the hold',
    );
    expect(a.held).toBeNull();
    await close();
  });

  it('does not hold what the fleet can lose (2 of 2000 announced), nor anything with no speaker published', async () => {
    const { a, b, close } = await fleet('/g3', [1000, 1000]);
    await a.replace(twelve, Date.now());
    expect(await a.replace(twelve.slice(1), Date.now(), a.etag)).toEqual({});
    await until(() => b.routes.length === 11, 5000, 'b to adopt');
    await close();
    const lone = testApiSource(client, '/g4', 'lone');
    const w = lone.watch(() => undefined);
    await w.ready;
    await lone.replace(twelve, Date.now());
    expect(await lone.replace([], Date.now(), lone.etag)).toEqual({});
    expect(lone.routes).toEqual([]);
    await w.close();
  });
});
