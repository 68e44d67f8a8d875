// Properties of diffRoutes/applyPlan (style.md B11): round trip, idempotence, disjointness and
// counts, order independence, unknown keys, and sortRoutesBy agreeing with compareRoutes.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { applyPlan } from '../../src/core/apply.js';
import { diffRoutes, diffRoutesAt } from '../../src/core/diff.js';
import { isEmptyPlan } from '../../src/core/plan.js';
import {
  compareRoutes,
  routeKey,
  sortRoutesBy,
  type Route,
  type RouteSet,
} from '../../src/core/route.js';
import { layeredSetArb, routeArb, routeSetArb } from '../helpers/arbitraries.js';

/** Both generators: wide (any prefix, every family) and layered (few prefixes, so keys collide). */
const setArb = fc.oneof(routeSetArb(), layeredSetArb());
const pairArb = fc.oneof(
  fc.tuple(routeSetArb(), routeSetArb()),
  fc.tuple(layeredSetArb(), layeredSetArb()),
);

const entries = (set: RouteSet): [string, string][] =>
  [...set].map(([k, r]): [string, string] => [k, r.value]).sort((a, b) => (a[0] < b[0] ? -1 : 1));

describe('diffRoutes properties', () => {
  test.prop([pairArb])('applying the plan to announced yields desired', ([desired, announced]) => {
    expect(entries(applyPlan(announced, diffRoutes(desired, announced)))).toEqual(entries(desired));
  });

  test.prop([setArb])('diffing a set with itself is empty', (set) => {
    const plan = diffRoutes(set, set);
    expect(isEmptyPlan(plan)).toBe(true);
    expect(plan.reassert).toEqual([]);
    expect(plan.unchanged).toBe(set.size);
  });

  test.prop([pairArb])('diffing again after applying is empty', ([desired, announced]) => {
    const applied = applyPlan(announced, diffRoutes(desired, announced));
    expect(isEmptyPlan(diffRoutes(desired, applied))).toBe(true);
  });

  test.prop([pairArb])(
    'announce, update and withdraw keys are disjoint and add up',
    ([desired, announced]) => {
      const plan = diffRoutes(desired, announced);
      const a = plan.announce.map(routeKey);
      const u = plan.update.map((x) => routeKey(x.after));
      const w = plan.withdraw.map(routeKey);
      expect(new Set([...a, ...u, ...w]).size).toBe(a.length + u.length + w.length);
      expect(a.length + u.length + plan.unchanged).toBe(desired.size);
      expect(w.length).toBe([...announced.keys()].filter((k) => !desired.has(k)).length);
      plan.update.forEach((x) => expect(routeKey(x.before)).toBe(routeKey(x.after)));
    },
  );

  test.prop([pairArb, fc.infiniteStream(fc.integer())])(
    'the plan does not depend on insertion order',
    ([desired, announced], noise) => {
      const shuffle = (set: RouteSet): RouteSet => {
        const it = noise[Symbol.iterator]();
        const tagged = [...set].map((e) => ({ e, k: it.next().value as number }));
        return new Map(tagged.sort((x, y) => x.k - y.k).map((t) => t.e));
      };
      expect(diffRoutes(shuffle(desired), shuffle(announced))).toEqual(
        diffRoutes(desired, announced),
      );
    },
  );

  test.prop([pairArb, fc.func(fc.boolean())])(
    'unknown keys are announced when desired and withdrawn when not',
    ([desired, announced], pick) => {
      const unknown = new Set([...desired.keys(), ...announced.keys()].filter((k) => pick(k)));
      const plan = diffRoutes(desired, announced, { unknown });
      const sent = new Set([...plan.announce, ...plan.update.map((u) => u.after)].map(routeKey));
      const gone = new Set(plan.withdraw.map(routeKey));
      for (const k of unknown) {
        if (desired.has(k)) expect(sent.has(k)).toBe(true);
        else if (announced.has(k)) expect(gone.has(k)).toBe(true);
      }
    },
  );

  test.prop([pairArb])('every list is in compareRoutes order', ([desired, announced]) => {
    const plan = diffRoutes(desired, announced);
    const sorted = (rs: readonly Route[]): boolean =>
      rs.every((r, i) => i === 0 || compareRoutes(rs[i - 1] as Route, r) < 0);
    expect(sorted(plan.announce)).toBe(true);
    expect(sorted(plan.update.map((u) => u.after))).toBe(true);
    expect(sorted(plan.withdraw)).toBe(true);
    expect(sorted(plan.reassert.map((r) => r.route))).toBe(true);
  });
});

describe('diffRoutesAt', () => {
  /**
   * `announced` made converged outside the picked keys (it holds desired's route there), and the
   * picked keys: the precondition under which diffRoutesAt must equal diffRoutes.
   */
  const convergedOutside = (
    desired: RouteSet,
    announced: RouteSet,
    pick: (key: string) => boolean,
  ): { announced: RouteSet; keys: Set<string> } => {
    const keys = new Set([...desired.keys(), ...announced.keys()].filter((k) => pick(k)));
    const view = new Map<string, Route>();
    for (const [k, r] of announced) if (keys.has(k)) view.set(k, r);
    for (const [k, r] of desired) if (!keys.has(k)) view.set(k, r);
    return { announced: view, keys };
  };

  test.prop([pairArb, fc.func(fc.boolean()), fc.func(fc.boolean())])(
    'equals the full diff when every other key is converged',
    ([desired, base], pick, pickUnknown) => {
      const { announced, keys } = convergedOutside(desired, base, pick);
      const unknown = new Set([...keys].filter((k) => pickUnknown(k)));
      expect(diffRoutesAt(desired, announced, keys, { unknown })).toEqual(
        diffRoutes(desired, announced, { unknown }),
      );
    },
  );

  test.prop([pairArb, fc.func(fc.boolean()), fc.array(fc.string(), { maxLength: 5 })])(
    'extra keys, unknown keys outside the set and repeated keys change nothing',
    ([desired, base], pick, strangers) => {
      const { announced, keys } = convergedOutside(desired, base, pick);
      const more = [...keys, ...keys, ...desired.keys(), ...strangers];
      const unknown = new Set([...desired.keys()].filter((k) => !keys.has(k) && pick(`${k}!`)));
      expect(diffRoutesAt(desired, announced, more, { unknown })).toEqual(
        diffRoutes(desired, announced, { unknown }),
      );
    },
  );
});

describe('sortRoutesBy', () => {
  test.prop([fc.array(routeArb(), { maxLength: 60 })])(
    'sorts exactly as compareRoutes does',
    (routes) => {
      const expected = [...routes].sort(compareRoutes).map(routeKey);
      expect(sortRoutesBy(routes, (r) => r).map(routeKey)).toEqual(expected);
    },
  );
});
