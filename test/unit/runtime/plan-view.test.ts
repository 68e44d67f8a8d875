// computePlan: the guard counts pending keys (unknown state after a crash) as announced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_GUARD_POLICY } from '../../../src/core/guard.js';
import { routeKey } from '../../../src/core/route.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { computePlan } from '../../../src/runtime/plan-view.js';
import { route, routeSet } from '../../helpers/routes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'plan-view-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const routes = Array.from({ length: 20 }, (_, i) => route({ prefix: `10.0.${i}.0/24` }));

describe('computePlan after a kill -9 in the middle of an apply', () => {
  it('does not trip the guard when the plan withdraws a minority of the pending routes', () => {
    const ledger = Ledger.open(dir);
    ledger.settle(routes.slice(0, 2).map((r) => ({ kind: 'set' as const, route: r })));
    ledger.markPending(routes.slice(2).map((r) => ({ route: r, commit: 'set' as const })));
    // kill -9: nothing settled; 7 of the 20 routes were removed from the files meanwhile
    const desired = routeSet(routes.slice(0, 13));
    const { plan, view } = computePlan(desired, ledger, { guard: DEFAULT_GUARD_POLICY });
    expect(plan.withdraw.map(routeKey)).toEqual(routes.slice(13).map(routeKey));
    expect(view.guard.announcedCount).toBe(20);
    expect(view.guard.tripped).toBe(false);
    ledger.close();
  });

  it('still trips the guard when the plan would withdraw every acknowledged and pending route', () => {
    const ledger = Ledger.open(dir);
    ledger.settle(routes.slice(0, 2).map((r) => ({ kind: 'set' as const, route: r })));
    ledger.markPending(routes.slice(2).map((r) => ({ route: r, commit: 'set' as const })));
    const { view } = computePlan(routeSet([]), ledger, { guard: DEFAULT_GUARD_POLICY });
    expect(view.guard.tripped).toBe(true);
    expect(view.guard.withdrawCount).toBe(20);
    ledger.close();
  });
});
