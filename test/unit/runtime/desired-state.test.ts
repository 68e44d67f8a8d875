// DesiredState patches its merged routes in place when a few files change; the result must be
// exactly what a full merge gives (or the last good state when the input is invalid), and the
// keys it reports as touched must cover every key whose route moved.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/core/diagnostic.js';
import { hasErrors } from '../../../src/core/diagnostic.js';
import { routeKey, type Route, type RouteSet } from '../../../src/core/route.js';
import { mergeSources, type SourceResult } from '../../../src/config/load-routes.js';
import { DesiredState } from '../../../src/runtime/desired-state.js';
import { apiSourceResult, LocalApiSource } from '../../../src/sources/api.js';
import { layeredRouteArb } from '../../helpers/arbitraries.js';
import { route } from '../../helpers/routes.js';

/** A routes directory in memory: an unchanged file keeps its result object, as the loader does. */
class FakeDir {
  readonly files = new Map<string, SourceResult>();
  load(): Promise<{ sources: SourceResult[] }> {
    const sources = [...this.files.values()].sort((a, b) => (a.source < b.source ? -1 : 1));
    return Promise.resolve({ sources });
  }
  set(name: string, routes: readonly Route[]): void {
    const hash = `${name}:${routes.map((r) => `${routeKey(r)}=${r.value}`).join(',')}`;
    this.files.set(name, { source: name, hash, routes, diagnostics: [] });
  }
  broken(name: string): void {
    const d: Diagnostic = {
      code: 'E_SCHEMA',
      severity: 'error',
      file: name,
      line: 1,
      col: 1,
      path: '',
      message: 'broken',
    };
    this.files.set(name, { source: name, hash: `${name}:broken`, routes: [], diagnostics: [d] });
  }
}

const entries = (set: RouteSet | null): [string, Route][] =>
  [...(set ?? new Map<string, Route>())].sort((a, b) => (a[0] < b[0] ? -1 : 1));

const FILES = ['/r/a.yaml', '/r/b.yaml', '/r/c.yaml', '/r/d.yaml'];

type Step =
  | { kind: 'set'; file: number; routes: Route[] }
  | { kind: 'remove'; file: number }
  | { kind: 'broken'; file: number };

const routesArb = fc.uniqueArray(layeredRouteArb(), { maxLength: 6, selector: routeKey });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('set' as const), file: fc.nat(3), routes: routesArb }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), file: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('broken' as const), file: fc.nat(3) }) },
);

describe('DesiredState reload', () => {
  test.prop([routesArb, fc.array(stepArb, { minLength: 1, maxLength: 12 })])(
    'equals a full merge (or keeps the last good state) after every step, and reports every moved key',
    async (api, steps) => {
      const dir = new FakeDir();
      const state = new DesiredState(dir, LocalApiSource.inMemory(api), []);
      let expected: RouteSet | null = null;
      for (const step of steps) {
        const name = FILES[step.file] as string;
        if (step.kind === 'set') dir.set(name, step.routes);
        else if (step.kind === 'remove') dir.files.delete(name);
        else dir.broken(name);
        const before = entries(state.current);
        state.takeTouched();
        const outcome = await state.reload();
        const sources = (await dir.load()).sources;
        const full = mergeSources([...sources, apiSourceResult(api)]);
        const good = full.ok && !hasErrors(full.warnings);
        if (good) expected = full.value;
        expect(outcome.fresh).toBe(good);
        expect(outcome.diagnostics).toEqual(full.ok ? full.warnings : full.diagnostics);
        expect(entries(state.current)).toEqual(entries(expected));
        const touched = state.takeTouched();
        if (touched === null) continue;
        const after = new Map(entries(state.current));
        const moved = new Set<string>();
        for (const [k, r] of before) if (after.get(k) !== r) moved.add(k);
        for (const k of after.keys()) if (!before.some(([b]) => b === k)) moved.add(k);
        for (const k of moved) expect(touched.has(k), k).toBe(true);
      }
    },
  );

  it('patches a one-file edit and reports only its keys', async () => {
    const dir = new FakeDir();
    const a = [route({ prefix: '10.0.0.0/24' }), route({ prefix: '10.0.1.0/24' })];
    dir.set('/r/a.yaml', a);
    dir.set('/r/b.yaml', [route({ prefix: '10.0.2.0/24' })]);
    const state = new DesiredState(dir, LocalApiSource.inMemory(), []);
    await state.reload();
    expect(state.takeTouched()).toBeNull();
    dir.set('/r/a.yaml', [a[0] as Route, route({ prefix: '10.0.1.0/24', med: 5 })]);
    await state.reload();
    expect([...(state.takeTouched() ?? [])].sort()).toEqual(a.map(routeKey).sort());
    expect(state.current?.get(routeKey(a[1] as Route))?.value).toContain('med 5');
    await state.reload();
    expect(state.takeTouched()).toEqual(new Set());
  });

  it('merges in full when an edited file defines a key another file also defines', async () => {
    const dir = new FakeDir();
    const shared = route({ prefix: '10.0.0.0/24' });
    dir.set('/r/a.yaml', [route({ prefix: '10.0.1.0/24' })]);
    dir.set('/r/b.yaml', [shared]);
    const state = new DesiredState(dir, LocalApiSource.inMemory(), []);
    await state.reload();
    state.takeTouched();
    dir.set('/r/a.yaml', [route({ prefix: '10.0.1.0/24' }), shared]);
    expect((await state.reload()).fresh).toBe(true);
    expect(state.takeTouched()).toBeNull();
    dir.set('/r/a.yaml', [
      route({ prefix: '10.0.1.0/24' }),
      route({ prefix: '10.0.0.0/24', med: 1 }),
    ]);
    const outcome = await state.reload();
    expect(outcome.fresh).toBe(false);
    expect(outcome.diagnostics.map((d) => d.code)).toEqual(['E_CONFLICT']);
    expect(state.current?.get(routeKey(shared))).toBe(shared);
  });
});
