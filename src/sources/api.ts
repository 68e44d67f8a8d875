// The api source kept on this speaker: the last accepted PUT or form edit, stored in the ledger
// (table api_source) before the HTTP response, and held in memory for every merge.
import { createHash } from 'node:crypto';
import type { Route } from '../core/route.js';
import type { SourceResult } from '../config/load-routes.js';
import { routesJson } from '../config/route-json.js';
import type { ApiSource, OnSourceChange, SourceWatch, ReplaceOutcome } from './source.js';

/** The name the conflict rule gives the api source. */
export const API_SOURCE = 'api';

export function apiSourceResult(routes: readonly Route[]): SourceResult {
  const hash = createHash('sha256').update(routesJson(routes)).digest('hex');
  return { source: API_SOURCE, hash, routes, diagnostics: [] };
}

/** Where the api routes are stored durably: structurally the ledger. */
export interface ApiRouteStore {
  getApiRoutes(): readonly Route[];
  setApiRoutes(routes: readonly Route[], now: number): void;
}

const NO_WATCH: SourceWatch = { ready: Promise.resolve(), close: () => Promise.resolve() };

export class LocalApiSource implements ApiSource {
  private current: readonly Route[];
  private currentResult: SourceResult;

  constructor(private readonly store: ApiRouteStore | null) {
    this.current = store?.getApiRoutes() ?? [];
    this.currentResult = apiSourceResult(this.current);
  }

  /** Not stored anywhere (tests, `plan`): holds `routes` in memory only. */
  static inMemory(routes: readonly Route[] = []): LocalApiSource {
    const source = new LocalApiSource(null);
    source.hold(routes);
    return source;
  }

  get routes(): readonly Route[] {
    return this.current;
  }

  get result(): SourceResult {
    return this.currentResult;
  }

  replace(routes: readonly Route[], now: number): Promise<ReplaceOutcome> {
    this.store?.setApiRoutes(routes, now);
    this.hold(routes);
    return Promise.resolve({});
  }

  /** Only this speaker's HTTP API edits a local api source: nothing to watch. */
  watch(_onChange: OnSourceChange): SourceWatch {
    return NO_WATCH;
  }

  private hold(routes: readonly Route[]): void {
    this.current = routes;
    this.currentResult = apiSourceResult(routes);
  }
}
