// The desired state `run` works from: route files (through the per-file cached loader) plus the api
// source, merged; the last good merge is kept whole while the input is invalid (design.md §6).
import { createHash } from 'node:crypto';
import type { Diagnostic, Result } from '../core/diagnostic.js';
import { compareDiagnostics, formatDiagnostic, hasErrors } from '../core/diagnostic.js';
import type { Route, RouteSet } from '../core/route.js';
import { mergeSources, type SourceResult } from '../config/load-routes.js';
import { isReconcilerError } from '../errors.js';
import type { StoredSource } from './ledger.js';
import { LogField, type Logger } from './logger.js';

/** Structurally config/load-routes.ts's RouteDirLoader. */
export interface DesiredLoader {
  load(): Promise<{ readonly sources: readonly SourceResult[] }>;
}

export const API_SOURCE = 'api';

export function apiSourceResult(routes: readonly Route[]): SourceResult {
  const hash = createHash('sha256').update(JSON.stringify(routes)).digest('hex');
  return { source: API_SOURCE, hash, routes, diagnostics: [] };
}

function storedToResult(s: StoredSource): SourceResult {
  return { source: s.source, hash: s.hash, routes: s.routes, diagnostics: [] };
}

export interface ReloadOutcome {
  /** The merge of this load was good and is now in use. */
  readonly fresh: boolean;
  readonly diagnostics: readonly Diagnostic[];
}

export class DesiredState {
  private desired: RouteSet | null = null;
  /** File sources of the desired state in use. */
  private goodFiles: readonly SourceResult[] = [];
  private apiRoutes: readonly Route[];
  private diagnostics: readonly Diagnostic[] = [];
  private stale = false;
  /** Reads the last applied state; called only if the files are invalid before any good load. */
  private lastApplied: (() => readonly StoredSource[]) | undefined;

  constructor(
    private readonly loader: DesiredLoader,
    apiRoutes: readonly Route[],
    lastApplied: readonly StoredSource[] | (() => readonly StoredSource[]),
  ) {
    this.apiRoutes = apiRoutes;
    if (typeof lastApplied === 'function') this.lastApplied = lastApplied;
    else this.holdLastApplied(lastApplied);
  }

  /** Until the files load cleanly, the last applied state (if any) is what we hold to. */
  private holdLastApplied(lastApplied: readonly StoredSource[]): void {
    if (lastApplied.length === 0) return;
    const merged = mergeSources([
      ...lastApplied.map(storedToResult),
      apiSourceResult(this.apiRoutes),
    ]);
    if (merged.ok) {
      this.desired = merged.value;
      this.goodFiles = lastApplied.map(storedToResult);
      this.stale = true;
    }
  }

  /** The desired state in use, or null when there has never been a valid one. */
  get current(): RouteSet | null {
    return this.desired;
  }

  get currentDiagnostics(): readonly Diagnostic[] {
    return this.diagnostics;
  }

  /** True while the input is invalid and an older good state is in use. */
  get usingLastGood(): boolean {
    return this.stale;
  }

  get api(): readonly Route[] {
    return this.apiRoutes;
  }

  /** File sources of the state in use, for the ledger's "last applied desired state". */
  fileSourcesForLedger(): StoredSource[] {
    return this.goodFiles.map((s) => ({ source: s.source, hash: s.hash, routes: s.routes }));
  }

  /** Reload the files (only changed files are parsed) and merge with the api source. */
  async reload(): Promise<ReloadOutcome> {
    let sources: readonly SourceResult[];
    try {
      sources = (await this.loader.load()).sources;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = isReconcilerError(err) ? err.code : 'E_IO_READ';
      const d: Diagnostic = {
        code,
        severity: 'error',
        file: '',
        line: 0,
        col: 0,
        path: '',
        message,
      };
      return this.reject([d]);
    }
    const merged = mergeSources([...sources, apiSourceResult(this.apiRoutes)]);
    if (!merged.ok) return this.reject(merged.diagnostics);
    if (hasErrors(merged.warnings)) return this.reject(merged.warnings);
    this.desired = merged.value;
    this.goodFiles = sources;
    this.stale = false;
    this.lastApplied = undefined;
    this.diagnostics = [...merged.warnings].sort(compareDiagnostics);
    return { fresh: true, diagnostics: this.diagnostics };
  }

  /** Merge the good file sources with candidate api routes (conflicts are E_CONFLICT diagnostics). */
  mergeWithApi(routes: readonly Route[]): Result<RouteSet> {
    return mergeSources([...this.goodFiles, apiSourceResult(routes)]);
  }

  /** Adopt api routes already checked with mergeWithApi. */
  adoptApi(routes: readonly Route[], merged: RouteSet): void {
    this.apiRoutes = routes;
    if (this.desired !== null) this.desired = merged;
  }

  private reject(diagnostics: readonly Diagnostic[]): ReloadOutcome {
    const readLastApplied = this.lastApplied;
    this.lastApplied = undefined;
    if (this.desired === null && readLastApplied !== undefined)
      this.holdLastApplied(readLastApplied());
    this.diagnostics = [...diagnostics].sort(compareDiagnostics);
    this.stale = this.desired !== null;
    return { fresh: false, diagnostics: this.diagnostics };
  }
}

/** Log a rejected reload's diagnostics (file:line:col) and what is kept instead. */
export function logInvalidInput(log: Logger, desired: DesiredState, count: number): void {
  const diagnostics = desired.currentDiagnostics.map(formatDiagnostic);
  const kept = desired.current === null ? 'nothing applied' : 'keeping the last good desired state';
  log.warn(
    { [LogField.diagnostics]: diagnostics, [LogField.count]: count },
    `invalid routes: ${kept}`,
  );
}
