// The fleet floor across a whole fleet: every speaker publishes, reads and decides on its own
// schedule against one linearizable store (etcd). For any fleet size, any N, any subset of gates
// closing at any instants (all at once: the Meta 2021 shape), after everyone decided at least
// min(N, speakers) still announce, no healthy speaker withdraws, and when at least N gates stay
// open every failing speaker ends up withdrawn. With etcd failing publishes and reads at random, the
// floor still holds.
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import {
  decideFleetFloor,
  fleetRecord,
  nextIntents,
  type FleetGateState,
  type FleetHealthRecord,
  type FleetObservation,
} from '../../src/core/fleet-floor.js';

const K = 'ipv4 unicast 192.0.2.0/24';
const INTERVAL = 500;
const SETTLE = 2 * INTERVAL;

interface Speaker {
  readonly name: string;
  readonly failAt: number | undefined;
  readonly phase: number;
  announcing: boolean;
  intents: ReadonlyMap<string, number>;
  observation: FleetObservation | undefined;
}

/** Runs the fleet for `until` ms; returns which speakers still announce. */
function simulate(
  n: number,
  min: number,
  fails: readonly (number | undefined)[],
  phases: readonly number[],
  until = 12_000,
  /** Per tick (cycled): false = etcd failed this tick's publish and read (the speaker keeps its last). */
  reachable: readonly boolean[] = [true],
): Speaker[] {
  const speakers: Speaker[] = Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    failAt: fails[i],
    phase: phases[i] ?? 0,
    announcing: true,
    intents: new Map(),
    observation: undefined,
  }));
  const store = new Map<string, FleetHealthRecord>();
  const ticks: { t: number; s: Speaker }[] = [];
  for (const s of speakers) for (let t = s.phase; t < until; t += INTERVAL) ticks.push({ t, s });
  ticks.sort((a, b) => a.t - b.t || a.s.name.localeCompare(b.s.name));
  for (const [i, { t, s }] of ticks.entries()) {
    const ok = reachable[i % reachable.length] ?? true;
    const open = s.failAt === undefined || t < s.failAt;
    // A withdrawn speaker whose gate opens again announces again.
    if (open) s.announcing = true;
    let state: FleetGateState | undefined;
    if (!s.announcing) state = undefined;
    else if (open) state = 'open';
    else {
      const d = decideFleetFloor(K, {
        self: s.name,
        min,
        now: t,
        fleet: s.observation,
        maxAgeMs: 10 * INTERVAL,
        settleMs: SETTLE,
        intents: s.intents,
        selfTruncated: false,
      });
      if (d === 'withdraw') s.announcing = false;
      else state = 'closed';
    }
    if (!ok) continue;
    const record = fleetRecord(state === undefined ? [] : [[K, state]]);
    store.set(s.name, record);
    s.intents = nextIntents(s.intents, record, t);
    s.observation = {
      readAt: t,
      peers: [...store].map(([name, health]) => ({ name, live: true, health })),
    };
  }
  return speakers;
}

const fleetArb = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    min: fc.integer({ min: 1, max: 3 }),
    fails: fc.array(fc.option(fc.integer({ min: 0, max: 3_000 }), { nil: undefined }), {
      minLength: n,
      maxLength: n,
    }),
    phases: fc.array(fc.integer({ min: 0, max: INTERVAL - 1 }), { minLength: n, maxLength: n }),
  }),
);

test.prop([fleetArb], { numRuns: 300 })(
  'at least min(N, speakers) announce after any subset of gates closes',
  ({ n, min, fails, phases }) => {
    const end = simulate(n, min, fails, phases);
    const announcing = end.filter((s) => s.announcing).length;
    expect(announcing).toBeGreaterThanOrEqual(Math.min(min, n));
    for (const s of end) if (s.failAt === undefined) expect(s.announcing).toBe(true);
    const healthy = end.filter((s) => s.failAt === undefined).length;
    if (healthy >= min)
      for (const s of end) if (s.failAt !== undefined) expect(s.announcing).toBe(false);
  },
);

test.prop(
  [
    fc.integer({ min: 1, max: 7 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 0, max: 3_000 }),
  ],
  { numRuns: 100 },
)(
  'every gate closing at the same instant (the Meta 2021 shape) withdraws nothing',
  (n, min, at) => {
    const phases = Array.from({ length: n }, (_, i) => (i * 97) % INTERVAL);
    const end = simulate(
      n,
      min,
      Array.from({ length: n }, () => at),
      phases,
    );
    expect(end.every((s) => s.announcing)).toBe(true);
  },
);

test.prop([fleetArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 64 })], { numRuns: 300 })(
  'etcd failing publishes and reads at random never drops below min(N, speakers)',
  ({ n, min, fails, phases }, reachable) => {
    const end = simulate(n, min, fails, phases, 12_000, reachable);
    expect(end.filter((s) => s.announcing).length).toBeGreaterThanOrEqual(Math.min(min, n));
    for (const s of end) if (s.failAt === undefined) expect(s.announcing).toBe(true);
  },
);
