// Pure gate logic: rise/fall, flap damping, any/all, drain vs withdraw, and the floor.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyHealth,
  effectiveState,
  floorCount,
  initialMachine,
  parseHealthFloor,
  stepCheck,
  type CheckMachine,
  type CheckSpec,
  type CheckState,
  type HealthGate,
} from '../../../src/core/health.js';
import { encodeAttributes, routeKey, type Route, type RouteKey } from '../../../src/core/route.js';

const SPEC: CheckSpec = {
  name: 'dns',
  kind: 'tcp',
  intervalMs: 1000,
  timeoutMs: 500,
  fastIntervalMs: 1000,
  rise: 2,
  fall: 3,
  initial: 'down',
  host: '127.0.0.1',
  port: 53,
};

function run(m: CheckMachine, oks: readonly boolean[], start = 0, step = 1000): CheckMachine {
  let cur = m;
  oks.forEach((ok, i) => {
    cur = stepCheck(cur, SPEC, { ok, at: start + i * step, latencyMs: 1, reason: ok ? 'ok' : 'x' });
  });
  return cur;
}

function route(prefix: string, health?: HealthGate, asPath?: number[]): Route {
  const attributes = {
    nextHop: '192.0.2.1',
    ...(asPath === undefined ? {} : { asPath: { sequence: asPath } }),
  };
  const r: Route = {
    target: '*',
    afi: 'ipv4',
    safi: 'unicast',
    prefix,
    attributes,
    value: encodeAttributes(attributes),
  };
  return health === undefined ? r : { ...r, health };
}

function set(routes: Route[]): Map<RouteKey, Route> {
  return new Map(routes.map((r) => [routeKey(r), r]));
}

const gate = (checks: string[], op: 'all' | 'any' = 'all'): HealthGate => ({
  op,
  checks,
  specs: checks.map((name) => ({ ...SPEC, name })),
  text: checks.join(','),
});
const states = (o: Record<string, CheckState>) => new Map(Object.entries(o));
const none = (): boolean => false;
const all = (): boolean => true;

describe('rise and fall', () => {
  it('a down check needs rise successes in a row, an up one fall failures in a row', () => {
    const m = initialMachine(SPEC, undefined);
    expect(m).toMatchObject({ state: 'down', origin: 'initial' });
    expect(run(m, [true]).state).toBe('down');
    expect(run(m, [true, false, true]).state).toBe('down');
    const up = run(m, [true, true]);
    expect(up).toMatchObject({ state: 'up', transitions: 1 });
    expect(run(up, [false, false]).state).toBe('up');
    expect(run(up, [false, false, true, false, false]).state).toBe('up');
    expect(run(up, [false, false, false]).state).toBe('down');
  });

  it('a persisted up state survives a restart until fall failures', () => {
    const m = initialMachine(SPEC, 'up');
    expect(m.origin).toBe('persisted');
    expect(run(m, [false, false]).state).toBe('up');
    expect(run(m, [true]).state).toBe('up');
  });

  it('property: the state changes only after rise or fall agreeing results in a row', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (oks) => {
        let m = initialMachine(SPEC, undefined);
        let run = 0;
        let last: boolean | undefined;
        oks.forEach((ok, i) => {
          const before = m.state;
          m = stepCheck(m, SPEC, { ok, at: i * 100_000, latencyMs: 0, reason: '' });
          run = ok === last ? run + 1 : 1;
          last = ok;
          if (m.state !== before) {
            expect(m.state).toBe(ok ? 'up' : 'down');
            expect(run).toBeGreaterThanOrEqual(ok ? SPEC.rise : SPEC.fall);
          }
        });
      }),
    );
  });
});

describe('flap damping', () => {
  it('more than maxFlaps changes in the window hold the check down, and say so', () => {
    const damping = { windowMs: 60_000, maxFlaps: 2 };
    const fast = { ...SPEC, rise: 1, fall: 1 };
    let m = initialMachine(fast, 'up');
    const flip = (ok: boolean, at: number) => {
      m = stepCheck(m, fast, { ok, at, latencyMs: 0, reason: '' }, damping);
    };
    flip(false, 1000);
    flip(true, 2000);
    expect(m.damped).toBe(false);
    flip(false, 3000);
    flip(true, 4000);
    expect(m).toMatchObject({ state: 'up', damped: true });
    expect(effectiveState(m)).toBe('down');
    // Steady for a whole window: released.
    for (let t = 5000; t <= 70_000; t += 5000) flip(true, t);
    expect(m.damped).toBe(false);
    expect(effectiveState(m)).toBe('up');
  });
});

describe('applyHealth', () => {
  const a = route('192.0.2.1/32', gate(['a']));
  const b = route('192.0.2.2/32', gate(['b']));
  const plain = route('198.51.100.0/24');
  const floor0 = { count: 0 };

  it('withdraws a route whose gate is closed; ungated routes pass', () => {
    const v = applyHealth(set([a, b, plain]), states({ a: 'up', b: 'down' }), floor0, all);
    expect([...v.active.keys()].sort()).toEqual([routeKey(a), routeKey(plain)].sort());
    expect(v.gated.get(routeKey(b))?.outcome).toBe('withdrawn');
    expect(v.gated.get(routeKey(a))?.outcome).toBe('announced');
  });

  it('all needs every check up, any one of them; an unknown check is down', () => {
    const both = route('192.0.2.3/32', gate(['a', 'b']));
    const either = route('192.0.2.4/32', gate(['a', 'b'], 'any'));
    const v = applyHealth(set([both, either]), states({ a: 'up' }), floor0, all);
    expect(v.gated.get(routeKey(both))?.outcome).toBe('withdrawn');
    expect(v.gated.get(routeKey(either))?.outcome).toBe('announced');
  });

  it('drain keeps the key and announces worse attributes (one new value)', () => {
    const g = { ...gate(['a']), drain: { prepend: 2, med: 500, community: ['65535:0'] } };
    const r = route('192.0.2.5/32', g, [65001]);
    const v = applyHealth(set([r]), states({ a: 'down' }), floor0, all);
    const d = v.active.get(routeKey(r));
    expect(d?.value).toBe(
      'next-hop 192.0.2.1 as-path [ 65001 65001 65001 ] med 500 community [ 65535:0 ]',
    );
    expect(v.gated.get(routeKey(r))?.outcome).toBe('drained');
    expect(applyHealth(set([r]), states({ a: 'up' }), floor0, all).active.get(routeKey(r))).toBe(r);
  });

  it('the Meta 2021 shape: every check failing at once keeps the floor announced', () => {
    const routes = Array.from({ length: 10 }, (_x, i) => route(`192.0.2.${i}/32`, gate([`c${i}`])));
    const down = states({});
    const v = applyHealth(set(routes), down, { percent: 50 }, all);
    expect(v.active.size).toBe(5);
    expect(v.held).toBe(5);
    expect([...v.gated.values()].filter((g) => g.outcome === 'held-by-floor')).toHaveLength(5);
  });

  it('one service dying among many still withdraws its route', () => {
    const routes = Array.from({ length: 10 }, (_x, i) => route(`192.0.2.${i}/32`, gate([`c${i}`])));
    const up: Record<string, CheckState> = {};
    for (let i = 1; i < 10; i++) up[`c${i}`] = 'up';
    const v = applyHealth(set(routes), states(up), { percent: 50 }, all);
    expect(v.active.size).toBe(9);
    expect(v.held).toBe(0);
  });

  it('a mass recovery keeps held routes whose checks are rising (one result short of up)', () => {
    // 10 routes, every check failed (5 held by the floor); 6 checks are up again, 4 rising
    const routes = Array.from({ length: 10 }, (_x, i) => route(`192.0.2.${i}/32`, gate([`c${i}`])));
    const now: Record<string, CheckState> = {};
    for (let i = 0; i < 6; i++) now[`c${i}`] = 'up';
    const rising = new Set(['c6', 'c7', 'c8', 'c9']);
    const v = applyHealth(set(routes), states(now), { percent: 50 }, all, undefined, rising);
    expect(v.active.size).toBe(10); // without it: 6, then 4 re-announced a second later
    expect(v.held).toBe(4);
    // a check still failing (not rising) is withdrawn once the floor is met
    const failing = applyHealth(
      set(routes),
      states(now),
      { percent: 50 },
      all,
      undefined,
      new Set(['c6']),
    );
    expect(failing.active.size).toBe(7);
    // the floor off: gates act alone; and a route not announced is never held
    expect(
      applyHealth(set(routes), states(now), { count: 0 }, all, undefined, rising).active.size,
    ).toBe(6);
    expect(
      applyHealth(set(routes), states(now), { percent: 50 }, none, undefined, rising).active.size,
    ).toBe(6);
  });

  it('the floor never announces a route that is not announced already', () => {
    const v = applyHealth(set([a, b]), states({}), { count: 2 }, none);
    expect(v.active.size).toBe(0);
  });

  it('property: the floor holds, never exceeds the announced, and nothing but gated routes change', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ up: fc.boolean(), announced: fc.boolean(), drain: fc.boolean() }), {
          maxLength: 40,
        }),
        fc.integer({ min: 0, max: 100 }),
        (specs, percent) => {
          const routes = specs.map((s, i) =>
            route(`10.0.${i}.0/24`, {
              ...gate([`c${i}`]),
              ...(s.drain ? { drain: { med: 9 } } : {}),
            }),
          );
          const st = new Map(specs.map((s, i) => [`c${i}`, s.up ? 'up' : 'down'] as const));
          const announcedNow = new Set(
            routes.filter((_r, i) => specs[i]?.announced).map((r) => routeKey(r)),
          );
          const v = applyHealth(set(routes), st, { percent }, (k) => announcedNow.has(k));
          const stay = specs.filter((s) => s.up || s.drain).length;
          const candidates = specs.filter((s) => !s.up && !s.drain && s.announced).length;
          const min = floorCount({ percent }, specs.length);
          expect(v.active.size).toBe(stay + Math.min(candidates, Math.max(0, min - stay)));
          for (const [k, g] of v.gated)
            if (g.outcome === 'held-by-floor') expect(announcedNow.has(k)).toBe(true);
        },
      ),
    );
  });
});

describe('parseHealthFloor', () => {
  it.each([
    ['3', { count: 3 }],
    ['50%', { percent: 50 }],
    ['0', { count: 0 }],
    ['101%', undefined],
    ['x', undefined],
  ])('%s', (text, want) => {
    expect(parseHealthFloor(text)).toEqual(want);
  });
});
