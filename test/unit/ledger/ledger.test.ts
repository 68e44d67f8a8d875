import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffRoutes } from '../../../src/core/diff.js';
import { routeKey } from '../../../src/core/route.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { readLedgerSnapshot } from '../../../src/ledger/snapshot.js';
import { route, routeSet } from '../../helpers/routes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const a = route({ prefix: '10.0.0.0/24', med: 1 });
const b = route({ prefix: '10.0.1.0/24' });

describe('Ledger', () => {
  it('commits acknowledged routes and clears their pending marks durably', () => {
    const ledger = Ledger.open(dir);
    ledger.markPending([{ route: a, commit: 'set' }]);
    expect(ledger.pendingKeys).toEqual(new Set([routeKey(a)]));
    ledger.settle([
      { kind: 'set', route: a },
      { kind: 'clear', key: routeKey(a) },
    ]);
    ledger.close();
    const reopened = Ledger.open(dir);
    expect([...reopened.announced.keys()]).toEqual([routeKey(a)]);
    expect(reopened.announced.get(routeKey(a))?.value).toBe(a.value);
    expect(reopened.pending.size).toBe(0);
    reopened.close();
  });

  it('removes withdrawn keys', () => {
    const ledger = Ledger.open(dir);
    ledger.settle([
      { kind: 'set', route: a },
      { kind: 'set', route: b },
    ]);
    ledger.settle([{ kind: 'remove', key: routeKey(a) }]);
    expect([...ledger.announced.keys()]).toEqual([routeKey(b)]);
    ledger.close();
  });

  it('after a crash with a pending announce, the next plan withdraws the route if it is no longer desired', () => {
    const crashed = Ledger.open(dir);
    crashed.markPending([{ route: a, commit: 'set' }]);
    // kill -9 here: no settle, no close
    const ledger = Ledger.open(dir);
    expect(ledger.pendingKeys).toEqual(new Set([routeKey(a)]));
    const plan = diffRoutes(routeSet([]), ledger.announcedForDiff(), {
      unknown: ledger.pendingKeys,
    });
    expect(plan.withdraw.map(routeKey)).toEqual([routeKey(a)]);
    crashed.close();
    ledger.close();
  });

  it('after a crash with a pending key that is still desired, the next plan announces it again', () => {
    const crashed = Ledger.open(dir);
    crashed.settle([{ kind: 'set', route: a }]);
    crashed.markPending([{ route: a, commit: 'set' }]);
    const ledger = Ledger.open(dir);
    const plan = diffRoutes(routeSet([a]), ledger.announcedForDiff(), {
      unknown: ledger.pendingKeys,
    });
    expect(plan.announce.map(routeKey)).toEqual([routeKey(a)]);
    crashed.close();
    ledger.close();
  });

  it('keeps an unsettled announce when a re-assert of the same key is marked', () => {
    const ledger = Ledger.open(dir);
    ledger.markPending([{ route: a, commit: 'set' }]);
    ledger.markPending([{ route: route({ prefix: '10.0.0.0/24', med: 9 }), commit: 'none' }]);
    expect(ledger.pending.get(routeKey(a))?.commit).toBe('set');
    expect(ledger.announcedForDiff().get(routeKey(a))?.value).toBe(a.value);
    ledger.close();
  });

  it('forgets every route when reset for a new ExaBGP instance and records the instance', () => {
    const ledger = Ledger.open(dir);
    ledger.settle([{ kind: 'set', route: a }]);
    ledger.markPending([{ route: b, commit: 'set' }]);
    ledger.resetForInstance({ pid: 42, startTime: '1234' });
    expect(ledger.announced.size).toBe(0);
    expect(ledger.pending.size).toBe(0);
    expect(ledger.getInstance()).toEqual({ pid: 42, startTime: '1234' });
    ledger.close();
  });

  it('stores the last applied desired sources and the api routes', () => {
    const ledger = Ledger.open(dir);
    ledger.saveDesiredSources([{ source: 'routes.d/a.yaml', hash: 'h1', routes: [a] }]);
    ledger.saveDesiredSources([{ source: 'routes.d/b.yaml', hash: 'h2', routes: [b] }]);
    ledger.setApiRoutes([b], 1);
    ledger.close();
    const reopened = Ledger.open(dir);
    expect(reopened.loadDesiredSources().map((s) => s.source)).toEqual(['routes.d/b.yaml']);
    expect(reopened.getApiRoutes().map(routeKey)).toEqual([routeKey(b)]);
    reopened.close();
  });

  it('is readable read-only while a writer holds it open', () => {
    const ledger = Ledger.open(dir);
    ledger.settle([{ kind: 'set', route: a }]);
    ledger.markPending([{ route: b, commit: 'set' }]);
    const snapshot = readLedgerSnapshot(dir);
    expect([...snapshot.announced.keys()]).toEqual([routeKey(a)]);
    expect(snapshot.pending).toEqual(new Set([routeKey(b)]));
    expect([...snapshot.announcedForDiff.keys()].sort()).toEqual([routeKey(a), routeKey(b)].sort());
    ledger.settle([{ kind: 'set', route: b }]);
    expect(readLedgerSnapshot(dir).announced.size).toBe(2);
    ledger.close();
  });

  it('reports a missing ledger as E_STATE', () => {
    expect(() => readLedgerSnapshot(join(dir, 'nope'))).toThrow(
      expect.objectContaining({ code: 'E_STATE' }),
    );
  });

  it('reports an unwritable state directory as E_STATE', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(() => Ledger.open(join(dir, 'file', 'state'))).toThrow(
      expect.objectContaining({ code: 'E_STATE' }),
    );
  });
});
