// A shared api source (etcd) changes under the merge by itself: the next reload must see it (a
// full merge), a conflict with a file keeps the last good state whole (naming both places), and a
// store that is unreachable degrades the state without changing a route.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/core/diagnostic.js';
import { routeKey, type Route } from '../../../src/core/route.js';
import type { SourceResult } from '../../../src/config/load-routes.js';
import { DesiredState } from '../../../src/runtime/desired-state.js';
import { apiSourceResult } from '../../../src/sources/api.js';
import type { ApiSource, ReplaceOutcome, SourceWatch } from '../../../src/sources/source.js';
import { route } from '../../helpers/routes.js';

/** An api source that another speaker edits: `set` replaces it without going through replace(). */
class MovingApiSource implements ApiSource {
  routes: readonly Route[] = [];
  result: SourceResult = apiSourceResult([]);
  diagnostics: readonly Diagnostic[] = [];
  set(routes: readonly Route[]): void {
    this.routes = routes;
    this.result = apiSourceResult(routes);
  }
  replace(routes: readonly Route[]): Promise<ReplaceOutcome> {
    this.set(routes);
    return Promise.resolve({});
  }
  watch(): SourceWatch {
    return { ready: Promise.resolve(), close: () => Promise.resolve() };
  }
}

const fileRoute = route({ prefix: '10.0.0.0/24' });
const files = {
  load: () =>
    Promise.resolve({
      sources: [{ source: '/r/a.yaml', hash: 'a', routes: [fileRoute], diagnostics: [] }],
    }),
};

describe('a desired state over an api source that moves by itself', () => {
  it('merges the moved api source at the next reload', async () => {
    const api = new MovingApiSource();
    const state = new DesiredState(files, api, []);
    await state.reload();
    expect(state.current?.size).toBe(1);
    const extra = route({ prefix: '192.0.2.0/24' });
    api.set([extra]);
    expect((await state.reload()).fresh).toBe(true);
    expect([...(state.current?.keys() ?? [])].sort()).toEqual(
      [routeKey(fileRoute), routeKey(extra)].sort(),
    );
    expect(state.mergedApiResult).toBe(api.result);
  });

  it('keeps the last good state whole when the moved api source conflicts with a file', async () => {
    const api = new MovingApiSource();
    const state = new DesiredState(files, api, []);
    await state.reload();
    const before = state.mergedApiResult;
    api.set([route({ prefix: '10.0.0.0/24', med: 9 })]);
    const outcome = await state.reload();
    expect(outcome.fresh).toBe(false);
    expect(outcome.diagnostics.map((d) => d.code)).toEqual(['E_CONFLICT']);
    expect(state.current?.get(routeKey(fileRoute))).toBe(fileRoute);
    expect(state.mergedApiResult).toBe(before);
  });

  it('reports an unreachable store as degraded, with the routes unchanged', async () => {
    const api = new MovingApiSource();
    api.set([route({ prefix: '192.0.2.0/24' })]);
    const state = new DesiredState(files, api, []);
    await state.reload();
    api.diagnostics = [
      {
        code: 'E_STORE_UNAVAILABLE',
        severity: 'error',
        file: 'etcd',
        line: 0,
        col: 0,
        path: '',
        message: 'down',
      },
    ];
    expect((await state.reload()).fresh).toBe(true);
    expect(state.usingLastGood).toBe(true);
    expect(state.currentDiagnostics.map((d) => d.code)).toEqual(['E_STORE_UNAVAILABLE']);
    expect(state.current?.size).toBe(2);
  });
});
