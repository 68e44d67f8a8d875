// The desired state `run` works from: the file source plus the api source (src/sources/), merged;
// the last good merge is kept whole while the input is invalid (design.md §6).
import type { Diagnostic, Result } from '../core/diagnostic.js';
import { compareDiagnostics, formatDiagnostic, hasErrors } from '../core/diagnostic.js';
import type { Route, RouteKey, RouteSet } from '../core/route.js';
import {
  keysOfSource,
  mergeSources,
  repeatedKeys,
  type SourceResult,
} from '../config/load-routes.js';
import { isReconcilerError } from '../errors.js';
import type { StoredSource } from '../ledger/ledger.js';
import { apiSourceResult } from '../sources/api.js';
import type { ApiSource, DesiredSource, ReplaceOutcome } from '../sources/source.js';
import { LogField, type Logger } from './logger.js';

/** What the merge reads of the file source (tests hand in a directory held in memory). */
export type DesiredLoader = Pick<DesiredSource, 'load'>;

function storedToResult(s: StoredSource): SourceResult {
  return { source: s.source, hash: s.hash, routes: s.routes, diagnostics: [] };
}

export interface ReloadOutcome {
  /** The merge of this load was good and is now in use. */
  readonly fresh: boolean;
  readonly diagnostics: readonly Diagnostic[];
}

/** A patch touching more routes than this share of the table is done as a full merge. */
const PATCH_MAX_SHARE = 0.25;

export class DesiredState {
  private desired: Map<RouteKey, Route> | null = null;
  /** File sources of the desired state in use, by name: a reload compares with them by identity. */
  private goodBySource = new Map<string, SourceResult>();
  /** Keys more than one route of the merge defines: a patch touching one merges in full. */
  private repeated: ReadonlySet<RouteKey> = new Set();
  /** Keys whose desired route may have changed since takeTouched(); null: any key may have. */
  private touched: Set<RouteKey> | null = null;
  private diagnostics: readonly Diagnostic[] = [];
  private stale = false;
  /** The api result the merge in use was built with: another one means a full merge. */
  private mergedApi: SourceResult | undefined;
  /** Reads the last applied state; called only if the files are invalid before any good load. */
  private lastApplied: (() => readonly StoredSource[]) | undefined;

  constructor(
    private readonly loader: DesiredLoader,
    private readonly apiSource: ApiSource,
    lastApplied: readonly StoredSource[] | (() => readonly StoredSource[]),
  ) {
    if (typeof lastApplied === 'function') this.lastApplied = lastApplied;
    else this.holdLastApplied(lastApplied);
  }

  /** Until the files load cleanly, the last applied state (if any) is what we hold to. */
  private holdLastApplied(lastApplied: readonly StoredSource[]): void {
    if (lastApplied.length === 0) return;
    const files = lastApplied.map(storedToResult);
    const merged = mergeSources([...files, this.apiSource.result]);
    if (merged.ok) {
      this.adoptMerge(files, merged.value);
      this.stale = true;
    }
  }

  /** A full merge of `files` and the api source is now the desired state. */
  private adoptMerge(files: readonly SourceResult[], merged: Map<RouteKey, Route>): void {
    this.desired = merged;
    this.goodBySource = new Map(files.map((f) => [f.source, f]));
    this.mergedApi = this.apiSource.result;
    this.repeated = repeatedKeys([...files, this.apiSource.result], merged.size);
    this.touched = null;
  }

  /**
   * The keys whose desired route may have changed since the last call, or null when any may have
   * (a full merge, new api routes, the first load). Lets the reconciler diff only those keys when
   * it knows everything else is converged.
   */
  takeTouched(): ReadonlySet<RouteKey> | null {
    const touched = this.touched;
    this.touched = new Set();
    return touched;
  }

  /** The desired state in use, or null when there has never been a valid one. */
  get current(): RouteSet | null {
    return this.desired;
  }

  get currentDiagnostics(): readonly Diagnostic[] {
    const store = this.apiSource.diagnostics ?? [];
    if (store.length === 0) return this.diagnostics;
    return [...this.diagnostics, ...store].sort(compareDiagnostics);
  }

  /** True while the input is invalid (or its store unreachable) and an older good state is in use. */
  get usingLastGood(): boolean {
    return this.stale || (this.apiSource.diagnostics ?? []).length > 0;
  }

  get api(): readonly Route[] {
    return this.apiSource.routes;
  }

  /** The api result the desired state in use was merged with (undefined: none yet). */
  get mergedApiResult(): SourceResult | undefined {
    return this.desired === null ? undefined : this.mergedApi;
  }

  /** The api source's own ETag (etcd revision), when it has one. */
  get apiEtag(): string | undefined {
    return this.apiSource.etag;
  }

  private get goodFiles(): SourceResult[] {
    return [...this.goodBySource.values()];
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
    // The api source moved by itself (etcd): only a full merge sees it.
    if (this.mergedApi === this.apiSource.result && this.patch(sources))
      return this.accept(sources.flatMap((s) => s.diagnostics));
    const merged = mergeSources([...sources, this.apiSource.result]);
    if (!merged.ok) return this.reject(merged.diagnostics);
    if (hasErrors(merged.warnings)) return this.reject(merged.warnings);
    this.adoptMerge(sources, merged.value);
    return this.accept(merged.warnings);
  }

  private accept(warnings: readonly Diagnostic[]): ReloadOutcome {
    this.stale = false;
    this.lastApplied = undefined;
    this.diagnostics = [...warnings].sort(compareDiagnostics);
    return { fresh: true, diagnostics: this.diagnostics };
  }

  /**
   * Patch the desired state in place with the sources that changed since the good state in use
   * (the loader hands back the same result object for an unchanged file). Gives exactly what a
   * full merge would, or declines (false) whenever it could differ: a source with errors (the
   * full merge reports them), a key that another source also defines (a conflict or a duplicate:
   * the full merge decides, with its diagnostics), or a large change.
   */
  private patch(sources: readonly SourceResult[]): boolean {
    const desired = this.desired;
    if (desired === null) return false;
    const before: SourceResult[] = [];
    const after: SourceResult[] = [];
    const names = new Set<string>();
    for (const s of sources) {
      names.add(s.source);
      if (hasErrors(s.diagnostics)) return false;
      const old = this.goodBySource.get(s.source);
      if (old === s) continue;
      after.push(s);
      if (old !== undefined) before.push(old);
    }
    for (const [name, old] of this.goodBySource) if (!names.has(name)) before.push(old);
    let volume = 0;
    for (const s of [...before, ...after]) volume += s.routes.length;
    if (volume > Math.max(1000, desired.size * PATCH_MAX_SHARE)) return false;
    const gone = new Set<RouteKey>();
    for (const s of before) {
      for (const key of keysOfSource(s)) {
        if (this.repeated.has(key)) return false;
        gone.add(key);
      }
    }
    const fresh = new Map<RouteKey, Route>();
    for (const s of after) {
      const keys = keysOfSource(s);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as RouteKey;
        if (fresh.has(key) || (!gone.has(key) && desired.has(key))) return false;
        fresh.set(key, s.routes[i] as Route);
      }
    }
    for (const key of gone) if (!fresh.has(key)) desired.delete(key);
    for (const [key, route] of fresh) desired.set(key, route);
    if (this.touched !== null) {
      for (const key of gone) this.touched.add(key);
      for (const key of fresh.keys()) this.touched.add(key);
    }
    for (const s of before) this.goodBySource.delete(s.source);
    for (const s of after) this.goodBySource.set(s.source, s);
    return true;
  }

  /** Merge the good file sources with candidate api routes (conflicts are E_CONFLICT diagnostics). */
  mergeWithApi(routes: readonly Route[]): Result<Map<RouteKey, Route>> {
    return mergeSources([...this.goodFiles, apiSourceResult(routes)]);
  }

  /** Store and adopt api routes already checked with mergeWithApi. */
  async replaceApi(
    routes: readonly Route[],
    merged: Map<RouteKey, Route>,
    now: number,
    expectEtag?: string,
  ): Promise<ReplaceOutcome> {
    const outcome = await this.apiSource.replace(routes, now, expectEtag);
    // Held by the fleet guard: stored, but the source keeps the document in use.
    if (outcome.held === undefined && this.desired !== null)
      this.adoptMerge(this.goodFiles, merged);
    return outcome;
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
