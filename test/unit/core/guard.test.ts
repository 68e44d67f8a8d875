import { describe, expect, it } from 'vitest';
import { diffRoutes } from '../../../src/core/diff.js';
import {
  DEFAULT_GUARD_POLICY,
  evaluateGuard,
  parseGuardLimit,
  type GuardPolicy,
} from '../../../src/core/guard.js';
import type { Plan } from '../../../src/core/plan.js';
import { ReconcilerError } from '../../../src/errors.js';
import { route, routeSet } from '../../helpers/routes.js';

function planWithdrawing(count: number): Plan {
  const routes = Array.from({ length: count }, (_, i) => route({ prefix: `10.0.${i}.0/24` }));
  return { announce: [], update: [], withdraw: routes, reassert: [], unchanged: 0 };
}

describe('evaluateGuard with the default policy', () => {
  it.each([
    { name: 'passes a plan that withdraws nothing', withdraw: 0, announced: 0, tripped: false },
    {
      name: 'trips when the only announced route is withdrawn',
      withdraw: 1,
      announced: 1,
      tripped: true,
    },
    {
      name: 'trips when every announced route is withdrawn',
      withdraw: 12,
      announced: 12,
      tripped: true,
    },
    {
      name: 'passes 9 of 10 announced routes (the share rule needs more than 10)',
      withdraw: 9,
      announced: 10,
      tripped: false,
    },
    {
      name: 'passes exactly half of twelve announced routes',
      withdraw: 6,
      announced: 12,
      tripped: false,
    },
    {
      name: 'trips on more than half of twelve announced routes',
      withdraw: 7,
      announced: 12,
      tripped: true,
    },
  ])('$name', ({ withdraw, announced, tripped }) => {
    const verdict = evaluateGuard(planWithdrawing(withdraw), announced);
    expect(verdict).toMatchObject({ tripped, withdrawCount: withdraw, announcedCount: announced });
  });

  it('names the numbers and the limit in the reason', () => {
    expect(evaluateGuard(planWithdrawing(7), 12).reason).toBe(
      'plan withdraws 7 of 12 announced routes (58.3%), more than the limit of 50%',
    );
    expect(evaluateGuard(planWithdrawing(3), 3).reason).toBe(
      'plan withdraws every announced route (3 of 3 announced routes)',
    );
  });

  it('does not count a neighbor route replaced by the all-neighbors value', () => {
    const announced = routeSet([{ prefix: '10.0.0.0/24', target: '192.0.2.1' }]);
    const plan = diffRoutes(routeSet([{ prefix: '10.0.0.0/24' }]), announced);
    expect(evaluateGuard(plan, announced.size)).toMatchObject({ tripped: false, withdrawCount: 0 });
  });
});

describe('evaluateGuard with explicit limits', () => {
  it.each<{
    name: string;
    policy: GuardPolicy;
    withdraw: number;
    announced: number;
    tripped: boolean;
  }>([
    {
      name: 'trips above a count limit',
      policy: parseGuardLimit('5'),
      withdraw: 6,
      announced: 100,
      tripped: true,
    },
    {
      name: 'passes at a count limit',
      policy: parseGuardLimit('5'),
      withdraw: 5,
      announced: 100,
      tripped: false,
    },
    {
      name: 'trips above a share limit on a small table',
      policy: parseGuardLimit('25%'),
      withdraw: 2,
      announced: 4,
      tripped: true,
    },
    {
      name: 'still trips when everything is withdrawn under a 100% limit',
      policy: parseGuardLimit('100%'),
      withdraw: 4,
      announced: 4,
      tripped: true,
    },
    {
      name: 'applies both limits of one policy',
      policy: { maxWithdrawCount: 10, maxWithdrawShare: 0.9, minAnnouncedForShare: 1 },
      withdraw: 11,
      announced: 100,
      tripped: true,
    },
  ])('$name', ({ policy, withdraw, announced, tripped }) => {
    expect(evaluateGuard(planWithdrawing(withdraw), announced, policy).tripped).toBe(tripped);
  });
});

describe('parseGuardLimit', () => {
  it.each([
    { text: '100', want: { maxWithdrawCount: 100, minAnnouncedForShare: 1 } },
    { text: '0', want: { maxWithdrawCount: 0, minAnnouncedForShare: 1 } },
    { text: '25%', want: { maxWithdrawShare: 0.25, minAnnouncedForShare: 1 } },
    { text: '12.5%', want: { maxWithdrawShare: 0.125, minAnnouncedForShare: 1 } },
  ])('parses "$text"', ({ text, want }) => {
    expect(parseGuardLimit(text)).toEqual(want);
  });

  it.each(['', 'abc', '-1', '101%', '5 %', '1e3', '%'])('rejects "%s" with E_USAGE', (text) => {
    expect(() => parseGuardLimit(text)).toThrow(ReconcilerError);
    try {
      parseGuardLimit(text);
    } catch (err) {
      expect((err as ReconcilerError).code).toBe('E_USAGE');
      expect((err as ReconcilerError).message).toContain(`"${text}"`);
    }
  });

  it('keeps the default policy as documented', () => {
    expect(DEFAULT_GUARD_POLICY).toEqual({ maxWithdrawShare: 0.5, minAnnouncedForShare: 11 });
  });
});
