// The fleet floor's records in a real etcd: a speaker's gate states travel in its status record
// (format 1, optional `health`), a publish says when etcd holds the record, readers take only the
// states they know, and a speaker that stopped is no longer counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { decideFleetFloor } from '../../src/core/fleet-floor.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import {
  fleetPeers,
  healthOf,
  readSpeakerRecords,
  StatusPublisher,
  type SpeakerRecord,
} from '../../src/sources/etcd-fleet.js';
import { startEtcd, type EtcdCluster } from './etcd-harness.js';

let etcd: EtcdCluster;
let client: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd(23820, 1);
  client = etcd.client();
}, 30_000);

afterAll(async () => {
  client?.close();
  await etcd?.close();
});

const K = 'ipv4 unicast 192.0.2.0/24';

const record = (name: string, health?: SpeakerRecord['health']): SpeakerRecord => ({
  format: 1,
  name,
  labels: {},
  exabgp: { version: null, dialect: '4.2', instance: null },
  desiredRevision: null,
  heldRevision: null,
  desiredCount: 1,
  announcedCount: 1,
  pendingCount: 0,
  lastReconcile: null,
  diagnostics: 0,
  guard: { blocked: false },
  etcdConnected: true,
  ...(health === undefined ? {} : { health }),
  updatedAt: Date.now(),
});

describe('gate states in speaker records', () => {
  it('publishes them, reads them back, and stops counting a speaker that left', async () => {
    const a = new StatusPublisher(client, '/ff', 'a', createSilentLogger(), 2);
    const b = new StatusPublisher(client, '/ff', 'b', createSilentLogger(), 2);
    expect(await a.publish(record('a', { truncated: false, routes: { [K]: 'closed' } }))).toBe(
      true,
    );
    expect(await b.publish(record('b', { truncated: false, routes: { [K]: 'open' } }))).toBe(true);
    // unchanged: etcd already holds it
    expect(await b.publish(record('b', { truncated: false, routes: { [K]: 'open' } }))).toBe(true);
    const readAt = Date.now();
    const peers = fleetPeers(await readSpeakerRecords(client, '/ff'));
    expect(peers).toEqual([
      { name: 'a', live: true, health: { truncated: false, routes: { [K]: 'closed' } } },
      { name: 'b', live: true, health: { truncated: false, routes: { [K]: 'open' } } },
    ]);
    const input = {
      self: 'a',
      min: 1,
      now: readAt,
      fleet: { readAt, peers },
      maxAgeMs: 5000,
      settleMs: 0,
      intents: new Map([[K, readAt]]),
      selfTruncated: false,
    };
    expect(decideFleetFloor(K, input)).toBe('withdraw');
    await b.close();
    const after = fleetPeers(await readSpeakerRecords(client, '/ff'));
    expect(after.map((p) => p.name)).toEqual(['a']);
    expect(decideFleetFloor(K, { ...input, fleet: { readAt, peers: after } })).toBe('floor');
    await a.close();
  });

  it('reads a record without health, or with a malformed one, as announcing nothing open', async () => {
    const old = new StatusPublisher(client, '/ff2', 'old', createSilentLogger(), 2);
    await old.publish(record('old'));
    const odd = new StatusPublisher(client, '/ff2', 'odd', createSilentLogger(), 2);
    await odd.publish({ ...record('odd'), health: { routes: [K] } } as unknown as SpeakerRecord);
    const peers = fleetPeers(await readSpeakerRecords(client, '/ff2'));
    expect(peers).toEqual([
      { name: 'odd', live: true },
      { name: 'old', live: true },
    ]);
    await old.close();
    await odd.close();
  });

  it("leaves out a record whose name is not its key's (one speaker counted twice)", async () => {
    const a = new StatusPublisher(client, '/ff3', 'a', createSilentLogger(), 2);
    const open = { truncated: false, routes: { [K]: 'open' as const } };
    expect(await a.publish(record('a', open))).toBe(true);
    // a copy of a's record under b's key, and a record naming a speaker whose key is another
    await client.put('/ff3/status/b').value(JSON.stringify(record('a', open)));
    await client.put('/ff3/status/c').value(JSON.stringify(record('c/x', open)));
    const peers = fleetPeers(await readSpeakerRecords(client, '/ff3'));
    expect(peers.map((p) => p.name)).toEqual(['a']);
    await client.delete().prefix('/ff3/');
    await a.close();
  });
});

describe('healthOf', () => {
  it('keeps the known states and drops the rest', () => {
    const r = {
      ...record('x'),
      health: { truncated: true, routes: { [K]: 'open', b: 'sideways', c: 3 } },
    } as unknown as SpeakerRecord;
    expect(healthOf(r)).toEqual({ truncated: true, routes: { [K]: 'open' } });
  });

  it('does not count a speaker whose record says it lost etcd', () => {
    expect(fleetPeers([{ ...record('x'), etcdConnected: false }])[0]?.live).toBe(false);
  });
});
