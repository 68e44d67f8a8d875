// The fleet floor's pure decision: settle, N other live open speakers, unknown view, truncation,
// and the published record (one state per rib key, bounded).
import { describe, expect, it } from 'vitest';
import {
  decideFleetFloor,
  fleetRecord,
  nextIntents,
  openElsewhere,
  type FleetFloorInput,
  type FleetGateState,
  type FleetPeer,
} from '../../../src/core/fleet-floor.js';

const K = 'ipv4 unicast 192.0.2.0/24';

function peer(name: string, state?: FleetGateState, live = true, truncated = false): FleetPeer {
  return {
    name,
    live,
    health: { truncated, routes: state === undefined ? {} : { [K]: state } },
  };
}

function input(peers: FleetPeer[], over: Partial<FleetFloorInput> = {}): FleetFloorInput {
  return {
    self: 's0',
    min: 1,
    now: 10_000,
    fleet: { readAt: 9_900, peers },
    maxAgeMs: 5_000,
    settleMs: 1_000,
    intents: new Map([[K, 8_000]]),
    selfTruncated: false,
    ...over,
  };
}

describe('decideFleetFloor', () => {
  it('withdraws when another live speaker announces the prefix with an open gate', () => {
    expect(decideFleetFloor(K, input([peer('s0', 'closed'), peer('s1', 'open')]))).toBe('withdraw');
  });

  it('holds when no other speaker has an open gate (every check failing at once)', () => {
    const peers = [peer('s0', 'closed'), peer('s1', 'closed'), peer('s2', 'held')];
    expect(decideFleetFloor(K, input(peers))).toBe('floor');
  });

  it('does not count its own record', () => {
    expect(decideFleetFloor(K, input([peer('s0', 'open')]))).toBe('floor');
  });

  it('does not count drained, held or absent prefixes as open', () => {
    const peers = [
      peer('s1', 'drained'),
      peer('s2', 'held'),
      peer('s3'),
      { name: 's4', live: true },
    ];
    expect(decideFleetFloor(K, input(peers))).toBe('floor');
  });

  it('does not count a speaker whose record says it does not reach etcd', () => {
    expect(decideFleetFloor(K, input([peer('s1', 'open', false)]))).toBe('floor');
  });

  it('needs N other open speakers', () => {
    const peers = [peer('s1', 'open'), peer('s2', 'open'), peer('s3', 'closed')];
    expect(decideFleetFloor(K, input(peers, { min: 2 }))).toBe('withdraw');
    expect(decideFleetFloor(K, input(peers, { min: 3 }))).toBe('floor');
  });

  it('withdraws at once when the floor is 0, whatever the view', () => {
    expect(decideFleetFloor(K, input([], { min: 0, fleet: undefined }))).toBe('withdraw');
  });

  it('holds while its intent is not published', () => {
    expect(decideFleetFloor(K, input([peer('s1', 'open')], { intents: new Map() }))).toBe(
      'settling',
    );
  });

  it('holds until a read started a settle time after the intent was published', () => {
    const peers = [peer('s1', 'open')];
    const intents = new Map([[K, 9_000]]);
    expect(decideFleetFloor(K, input(peers, { intents }))).toBe('settling');
    const later = { readAt: 10_000, peers };
    expect(decideFleetFloor(K, input(peers, { intents, fleet: later }))).toBe('withdraw');
  });

  it('holds when the fleet was never read or the last read is too old (etcd unreachable)', () => {
    const peers = [peer('s1', 'open')];
    expect(decideFleetFloor(K, input(peers, { fleet: undefined }))).toBe('unknown');
    expect(decideFleetFloor(K, input(peers, { now: 9_900 + 5_001 }))).toBe('unknown');
    expect(decideFleetFloor(K, input(peers, { now: 9_900 + 5_000 }))).toBe('withdraw');
  });

  it('holds a key its own truncated record could not carry', () => {
    const peers = [peer('s1', 'open')];
    const over = { intents: new Map<string, number>(), selfTruncated: true };
    expect(decideFleetFloor(K, input(peers, over))).toBe('truncated');
  });

  it('counts an open key of a truncated peer, and nothing it left out', () => {
    expect(decideFleetFloor(K, input([peer('s1', 'open', true, true)]))).toBe('withdraw');
    expect(decideFleetFloor(K, input([peer('s1', undefined, true, true)]))).toBe('floor');
  });
});

describe('openElsewhere', () => {
  it('counts the other live open speakers of one key', () => {
    const fleet = {
      readAt: 0,
      peers: [peer('s0', 'open'), peer('s1', 'open'), peer('s2', 'open', false)],
    };
    expect(openElsewhere(fleet, 's0', K)).toBe(1);
  });
});

describe('fleetRecord', () => {
  it('keeps one state per rib key, open first', () => {
    const r = fleetRecord([
      [K, 'closed'],
      [K, 'open'],
      ['ipv4 unicast 10.0.0.0/24', 'held'],
      ['ipv4 unicast 10.0.0.0/24', 'closed'],
    ]);
    expect(r).toEqual({
      truncated: false,
      routes: { [K]: 'open', 'ipv4 unicast 10.0.0.0/24': 'held' },
    });
  });

  it('keeps the first keys in order and says truncated beyond the bound', () => {
    const r = fleetRecord(
      [
        ['c', 'open'],
        ['a', 'closed'],
        ['b', 'open'],
      ],
      2,
    );
    expect(r).toEqual({ truncated: true, routes: { a: 'closed', b: 'open' } });
  });
});

describe('nextIntents', () => {
  it('keeps the first acknowledgement of a closing and forgets reopened or gone keys', () => {
    const first = nextIntents(
      new Map(),
      { truncated: false, routes: { a: 'closed', b: 'open' } },
      100,
    );
    expect([...first]).toEqual([['a', 100]]);
    const again = nextIntents(first, { truncated: false, routes: { a: 'held', c: 'closed' } }, 200);
    expect([...again]).toEqual([
      ['a', 100],
      ['c', 200],
    ]);
    const reopened = nextIntents(again, { truncated: false, routes: { a: 'open' } }, 300);
    expect(reopened.size).toBe(0);
  });
});
