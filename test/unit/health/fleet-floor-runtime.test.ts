// The fleet floor in applyHealth (`mayWithdraw`) and in the health runtime: a closed gate is held
// while settling, withdrawn once a later read shows another speaker open, held (and warned about
// once) when none is, and a read that changes a held route's decision asks for a reconcile.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FleetPeer } from '../../../src/core/fleet-floor.js';
import {
  applyHealth,
  type CheckSpec,
  type CheckState,
  type HealthGate,
} from '../../../src/core/health.js';
import { encodeAttributes, routeKey, type Route, type RouteKey } from '../../../src/core/route.js';
import type { Clock, TimerHandle } from '../../../src/runtime/clock.js';
import { FleetFloorLink } from '../../../src/runtime/checks/fleet-floor-link.js';
import { HealthRuntime } from '../../../src/runtime/checks/health-runtime.js';
import { createLogger, createSilentLogger } from '../../../src/runtime/logger.js';

const SPEC: CheckSpec = {
  name: 'svc',
  kind: 'tcp',
  intervalMs: 1000,
  timeoutMs: 500,
  fastIntervalMs: 1000,
  rise: 1,
  fall: 1,
  initial: 'down',
  host: '127.0.0.1',
  port: 9,
};
const GATE: HealthGate = { op: 'all', checks: ['svc'], specs: [SPEC], text: 'svc' };

function route(prefix: string, health?: HealthGate, drain = false): Route {
  const attributes = { nextHop: '192.0.2.1' };
  const r: Route = {
    target: '*',
    afi: 'ipv4',
    safi: 'unicast',
    prefix,
    attributes,
    value: encodeAttributes(attributes),
  };
  if (health === undefined) return r;
  return { ...r, health: drain ? { ...health, drain: { med: 500 } } : health };
}
const set = (routes: Route[]): Map<RouteKey, Route> => new Map(routes.map((r) => [routeKey(r), r]));
const down = new Map<string, CheckState>([['svc', 'down']]);

describe('applyHealth with the fleet floor', () => {
  const a = route('192.0.2.0/24', GATE);
  const drained = route('192.0.2.1/32', GATE, true);
  const plain = route('198.51.100.0/24');

  it('holds a closed, announced route the fleet floor does not release', () => {
    const v = applyHealth(
      set([a, plain]),
      down,
      { count: 0 },
      () => true,
      () => false,
    );
    expect(v.gated.get(routeKey(a))?.outcome).toBe('held-by-fleet-floor');
    expect(v.active.get(routeKey(a))).toBe(a);
    expect(v.active.has(routeKey(plain))).toBe(true);
  });

  it('withdraws it when the fleet floor releases it', () => {
    const v = applyHealth(
      set([a]),
      down,
      { count: 0 },
      () => true,
      () => true,
    );
    expect(v.gated.get(routeKey(a))?.outcome).toBe('withdrawn');
    expect(v.active.size).toBe(0);
  });

  it('never holds (or asks about) a route not announced now, nor a drain', () => {
    const asked: string[] = [];
    const ask = (key: RouteKey): boolean => {
      asked.push(key);
      return false;
    };
    const v = applyHealth(set([a, drained]), down, { count: 0 }, () => false, ask);
    expect(v.gated.get(routeKey(a))?.outcome).toBe('withdrawn');
    expect(v.gated.get(routeKey(drained))?.outcome).toBe('drained');
    expect(asked).toEqual([]);
  });

  it('asks only about the routes the per-speaker floor would withdraw', () => {
    const b = route('192.0.2.128/25', GATE);
    const asked: string[] = [];
    const v = applyHealth(
      set([a, b]),
      down,
      { count: 1 },
      () => true,
      (key) => {
        asked.push(key);
        return true;
      },
    );
    expect(v.gated.get(routeKey(a))?.outcome).toBe('held-by-floor');
    expect(v.gated.get(routeKey(b))?.outcome).toBe('withdrawn');
    expect(asked).toEqual([routeKey(b)]);
  });
});

const K = 'ipv4 unicast 192.0.2.0/24';
const peers = (state: 'open' | 'closed'): FleetPeer[] => [
  { name: 's0', live: true, health: { truncated: false, routes: { [K]: 'closed' } } },
  { name: 's1', live: true, health: { truncated: false, routes: { [K]: state } } },
];

function fakeClock(): Clock & { t: number } {
  const c = {
    t: 1_000_000,
    now: () => c.t,
    setTimeout: () => 0 as unknown as TimerHandle,
    clearTimeout: () => undefined,
  };
  return c;
}

function runtime(min = 1) {
  const clock = fakeClock();
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = createLogger({ level: 'info', stream, format: 'json' });
  const link = new FleetFloorLink({ self: 's0', min, settleMs: 1000, maxAgeMs: 5000 }, clock);
  const ledger = { getHealthStates: () => new Map<string, CheckState>(), setHealthState: () => {} };
  const health = new HealthRuntime(ledger, clock, log, {
    floor: { count: 0 },
    fleetFloor: link,
    probe: () => new Promise(() => undefined),
  });
  // the fleet as read before the gate closed: the other speaker open
  link.observed({ readAt: clock.t, peers: peers('open') });
  const reasons: string[] = [];
  health.onChange((r) => reasons.push(r));
  return { clock, link, health, reasons, lines };
}

describe('the health runtime with the fleet floor', () => {
  const a = route('192.0.2.0/24', GATE);
  const desired = set([a, route('198.51.100.0/24')]);

  it('publishes its intent, settles, then withdraws when another speaker is open', () => {
    const { clock, link, health, reasons } = runtime();
    const first = health.view(desired, () => true, true);
    expect(first.gated.get(routeKey(a))?.outcome).toBe('held-by-fleet-floor');
    expect(link.record()).toEqual({ truncated: false, routes: { [K]: 'closed' } });
    expect(health.status().fleetFloor?.held.settling).toBe(1);
    link.published(link.record(), clock.t);
    // a read right after the publish is too early: still settling, nothing to reconcile
    link.observed({ readAt: clock.t + 500, peers: peers('open') });
    expect(reasons).toEqual([]);
    clock.t += 1000;
    link.observed({ readAt: clock.t, peers: peers('open') });
    expect(reasons).toEqual(['fleet floor']);
    const next = health.view(desired, () => true, true);
    expect(next.gated.get(routeKey(a))?.outcome).toBe('withdrawn');
    expect(link.record()).toEqual({ truncated: false, routes: {} });
    expect(health.status().routes['held-by-fleet-floor']).toBe(0);
  });

  it('publishes an open gate only for a route it announces now, and again once the plan is applied', () => {
    const clock = fakeClock();
    const link = new FleetFloorLink({ self: 's0', min: 1, settleMs: 1000, maxAgeMs: 5000 }, clock);
    const states = new Map<string, CheckState>([['svc', 'up']]);
    const written: string[] = [];
    const ledger = {
      getHealthStates: () => states,
      setHealthState: (name: string) => void written.push(name),
    };
    const health = new HealthRuntime(ledger, clock, createSilentLogger(), {
      floor: { count: 0 },
      fleetFloor: link,
      probe: () => new Promise(() => undefined),
    });
    // a new route (or a plan the guard holds): open, but not announced yet: not counted
    health.view(desired, () => false, true);
    expect(link.record()).toEqual({ truncated: false, routes: {} });
    health.refreshFleet(() => true);
    expect(link.record()).toEqual({ truncated: false, routes: { [K]: 'open' } });
  });

  it('holds when no other speaker is open, says why, and warns once', () => {
    const { clock, link, health, lines } = runtime();
    health.view(desired, () => true, true);
    link.published(link.record(), clock.t);
    clock.t += 1000;
    link.observed({ readAt: clock.t, peers: peers('closed') });
    const v = health.view(desired, () => true, true);
    health.view(desired, () => true, true);
    expect(v.gated.get(routeKey(a))?.outcome).toBe('held-by-fleet-floor');
    const s = health.status();
    expect(s.routes['held-by-fleet-floor']).toBe(1);
    expect(s.fleetFloor).toMatchObject({ min: 1, view: 'known', peers: 1, held: { floor: 1 } });
    expect(lines.filter((l) => l.includes('health fleet floor: 1 gated routes'))).toHaveLength(1);
  });

  it('holds when the fleet view is unknown (etcd unreachable)', () => {
    const { clock, link, health } = runtime();
    health.view(desired, () => true, true);
    link.published(link.record(), clock.t);
    clock.t += 1000;
    link.observed({ readAt: clock.t, peers: peers('open') });
    clock.t += 6000;
    const v = health.view(desired, () => true, true);
    expect(v.gated.get(routeKey(a))?.outcome).toBe('held-by-fleet-floor');
    expect(health.status().fleetFloor).toMatchObject({ view: 'unknown', held: { unknown: 1 } });
  });

  it('publishes an open gate as open, and has no fleet section without the link', () => {
    const { link, health } = runtime();
    const up = new Map<RouteKey, Route>([
      [routeKey(a), { ...a, health: { ...GATE, specs: [{ ...SPEC, initial: 'up' }] } }],
    ]);
    health.view(up, () => true, true);
    expect(link.record().routes[K]).toBe('open');
    const ledger = {
      getHealthStates: () => new Map<string, CheckState>(),
      setHealthState: () => {},
    };
    const plain = new HealthRuntime(
      ledger,
      fakeClock(),
      createLogger({ level: 'silent', stream: process.stderr, format: 'json' }),
      {
        probe: () => new Promise(() => undefined),
      },
    );
    plain.view(desired, () => true, true);
    expect(plain.status().fleetFloor).toBeUndefined();
    plain.stop();
  });

  it('reads the fleet every tick while holding, every idle period while gated, never without', () => {
    const { clock, link, health } = runtime();
    const read = (): void => link.observed({ readAt: clock.t, peers: peers('open') });
    expect(link.readDue(clock.t, 2000)).toBe(false); // nothing gated yet
    health.view(desired, () => true, true); // the gate closes: settling
    expect(link.readDue(clock.t, 2000)).toBe(true);
    read();
    expect(link.readDue(clock.t, 2000)).toBe(true);
    const up = new Map<RouteKey, Route>([
      [routeKey(a), { ...a, health: { ...GATE, specs: [{ ...SPEC, initial: 'up' }] } }],
    ]);
    const fresh = runtime();
    fresh.health.view(up, () => true, true); // open: nothing waits on a read
    expect(fresh.link.readDue(fresh.clock.t, 2000)).toBe(false);
    expect(fresh.link.readDue(fresh.clock.t + 2000, 2000)).toBe(true);
  });
});
