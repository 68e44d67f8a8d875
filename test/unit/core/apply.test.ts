import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/core/apply.js';
import { diffRoutes } from '../../../src/core/diff.js';
import { routeSet } from '../../helpers/routes.js';

describe('applyPlan', () => {
  it.each([
    { name: 'adds announced routes', announced: [], desired: [{ prefix: '10.0.0.0/24' }] },
    { name: 'removes withdrawn routes', announced: [{ prefix: '10.0.0.0/24' }], desired: [] },
    {
      name: 'replaces updated values',
      announced: [{ prefix: '10.0.0.0/24', med: 1 }],
      desired: [{ prefix: '10.0.0.0/24', med: 2 }],
    },
    {
      name: 'ignores re-asserts and drops a replaced neighbor route',
      announced: [
        { prefix: '10.0.0.0/24' },
        { prefix: '10.0.0.0/24', target: '192.0.2.1', med: 2 },
      ],
      desired: [{ prefix: '10.0.0.0/24' }],
    },
  ])('$name', ({ announced, desired }) => {
    const before = routeSet(announced);
    const after = applyPlan(before, diffRoutes(routeSet(desired), before));
    expect([...after].map(([k, r]) => [k, r.value]).sort()).toEqual(
      [...routeSet(desired)].map(([k, r]) => [k, r.value]).sort(),
    );
  });

  it('does not modify the announced set it is given', () => {
    const before = routeSet([{ prefix: '10.0.0.0/24' }]);
    applyPlan(before, diffRoutes(new Map(), before));
    expect(before.size).toBe(1);
  });
});
