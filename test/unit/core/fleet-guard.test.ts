// The fleet-wide share (pure): each live speaker withdraws at most the dropped api keys and never
// more than it announces; the guard's limits apply to the fleet's sums.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { droppedKeys, evaluateFleetGuard } from '../../../src/core/fleet-guard.js';
import { DEFAULT_GUARD_POLICY, parseGuardLimit } from '../../../src/core/guard.js';
import { route } from '../../helpers/routes.js';

const r = (prefix: string, nextHop = '10.0.0.1') => route({ prefix, nextHop });

describe('droppedKeys', () => {
  it('counts the keys of the document before that the one after no longer has (a new value is no drop)', () => {
    const before = [r('192.0.2.0/24'), r('198.51.100.0/24'), r('203.0.113.0/24')];
    const after = [r('192.0.2.0/24', '10.0.0.9'), r('100.64.0.0/24')];
    expect(droppedKeys(before, after)).toBe(2);
    expect(droppedKeys(before, before)).toBe(0);
    expect(droppedKeys([], after)).toBe(0);
  });
});

describe('evaluateFleetGuard', () => {
  it("judges the fleet's sums, not one speaker's share", () => {
    const v = evaluateFleetGuard(
      12,
      [
        { name: 'a', announced: 32 },
        { name: 'b', announced: 13 },
      ],
      DEFAULT_GUARD_POLICY,
    );
    expect(v).toMatchObject({ tripped: true, withdrawCount: 24, announcedCount: 45, speakers: 2 });
    const wide = evaluateFleetGuard(
      12,
      [
        { name: 'a', announced: 32 },
        { name: 'b', announced: 13 },
        { name: 'c', announced: 40 },
      ],
      DEFAULT_GUARD_POLICY,
    );
    expect(wide).toMatchObject({ tripped: false, withdrawCount: 36, announcedCount: 85 });
    expect(wide.reason).toBe(
      "the revision withdraws 36 of 85 routes the fleet's 3 speakers announce, within the limits",
    );
  });

  it('applies an explicit count limit to the fleet total, and trips when everything goes', () => {
    const fleet = [
      { name: 'a', announced: 5 },
      { name: 'b', announced: 5 },
    ];
    expect(evaluateFleetGuard(3, fleet, parseGuardLimit('5')).tripped).toBe(true);
    expect(evaluateFleetGuard(2, fleet, parseGuardLimit('5')).tripped).toBe(false);
    expect(evaluateFleetGuard(5, fleet, { minAnnouncedForShare: 1 }).reason).toBe(
      "the revision withdraws every route the fleet's 2 speakers announce (10 of 10 routes the fleet's 2 speakers announce)",
    );
  });

  const fleets = fc.array(
    fc.record({ name: fc.string({ maxLength: 3 }), announced: fc.nat({ max: 10_000 }) }),
    { maxLength: 20 },
  );

  it('never trips when nothing is dropped, nor with no speaker', () => {
    fc.assert(
      fc.property(fleets, fc.nat({ max: 10_000 }), (speakers, dropped) => {
        expect(evaluateFleetGuard(0, speakers, DEFAULT_GUARD_POLICY).tripped).toBe(false);
        expect(evaluateFleetGuard(dropped, [], DEFAULT_GUARD_POLICY).tripped).toBe(false);
      }),
    );
  });

  it('counts min(dropped, announced) per speaker, and dropping more never releases a hold', () => {
    fc.assert(
      fc.property(fleets, fc.nat({ max: 10_000 }), fc.nat({ max: 100 }), (speakers, d, more) => {
        const v = evaluateFleetGuard(d, speakers, DEFAULT_GUARD_POLICY);
        const expected = speakers.reduce((n, s) => n + Math.min(d, s.announced), 0);
        expect(v.withdrawCount).toBe(expected);
        expect(v.withdrawCount).toBeLessThanOrEqual(v.announcedCount);
        if (v.tripped)
          expect(evaluateFleetGuard(d + more, speakers, DEFAULT_GUARD_POLICY).tripped).toBe(true);
      }),
    );
  });
});
