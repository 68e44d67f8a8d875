// Route documents → canonical Routes with positioned diagnostics; merging sources; the per-file
// cached directory loader. Reads files only in RouteDirLoader (read-file.ts); never writes anything.
import { createHash } from 'node:crypto';
import { readdirSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import {
  clipText,
  compareDiagnostics,
  hasErrors,
  type Diagnostic,
  type Result,
} from '../core/diagnostic.js';
import { routeKey, type Route, type RouteKey, type RouteSet } from '../core/route.js';
import { routeKeysOf, type FleetScope } from './entries.js';
import {
  DEFAULT_MAX_ALIAS_COUNT,
  DEFAULT_MAX_BYTES,
  MAX_DIR_BYTES,
  MAX_DIR_ROUTES,
  MAX_ROUTE_FILES,
} from './limits.js';
import { checkDocument, diagnostic, failed } from './parse-paths.js';
import { readDocument } from './read-document.js';
import { readRouteFile } from './read-file.js';

export { DEFAULT_MAX_ALIAS_COUNT, DEFAULT_MAX_BYTES } from './limits.js';

/** One parsed source: routes are empty when any error was found; warnings stay in diagnostics. */
export interface SourceResult {
  readonly source: string;
  readonly hash: string;
  readonly routes: readonly Route[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface ParseOptions {
  /** Largest accepted document in bytes (default DEFAULT_MAX_BYTES, 32 MiB). */
  readonly maxBytes?: number;
  /** yaml's maxAliasCount: bound on alias expansion (default 100). */
  readonly maxAliasCount?: number;
  /**
   * `json`: strict JSON (JSON.parse semantics; a repeated key is an error). `yaml` (the default):
   * YAML 1.2, of which JSON text is a part.
   */
  readonly format?: 'yaml' | 'json';
  /** Fleet: keep only this speaker's entries; check every selection against the inventory. */
  readonly fleet?: FleetScope;
}

/** sha256 of the document bytes: the cache key of a parsed source. */
export function hashText(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

function sizeDiagnostic(source: string, bytes: number, maxBytes: number): Diagnostic {
  return diagnostic(
    source,
    'E_FILE_TOO_LARGE',
    { line: 0, col: 0 },
    '',
    `${bytes} bytes exceeds the limit of ${maxBytes} bytes`,
  );
}

/**
 * Parse, validate and canonicalise one route document. Never throws for bad input.
 * @example parseRouteDocument('routes.d/a.yaml', 'routes: []').routes // []
 */
export function parseRouteDocument(
  source: string,
  text: string,
  options: ParseOptions = {},
): SourceResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const hash = hashText(text);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return failed(source, hash, [sizeDiagnostic(source, bytes, maxBytes)]);
  const doc = readDocument(source, text, {
    format: options.format ?? 'yaml',
    maxAliasCount: options.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT,
    bytes,
  });
  if (Array.isArray(doc)) return failed(source, hash, doc);
  return checkDocument(source, hash, doc, bytes, options.fleet);
}

function place(r: Route): string {
  const s = r.source;
  if (s === undefined) return 'unknown source';
  return s.line > 0 ? `${s.source}:${s.line}` : s.source;
}

/**
 * Union of sources. Identical duplicates across sources are fine; the same key with another
 * value is an E_CONFLICT naming both places. Carries every source's own diagnostics.
 */
export function mergeSources(results: readonly SourceResult[]): Result<Map<RouteKey, Route>> {
  const ordered = [...results].sort((a, b) =>
    a.source < b.source ? -1 : a.source > b.source ? 1 : 0,
  );
  const diagnostics: Diagnostic[] = ordered.flatMap((r) => r.diagnostics);
  const merged = new Map<RouteKey, Route>();
  for (const result of ordered) {
    const keys = routeKeysOf(result.routes);
    for (let i = 0; i < result.routes.length; i++) {
      const route = result.routes[i] as Route;
      const key = keys?.[i] ?? routeKey(route);
      const first = merged.get(key);
      if (first === undefined) merged.set(key, route);
      else if (first.value !== route.value)
        diagnostics.push(conflict(result.source, key, first, route));
    }
  }
  diagnostics.sort(compareDiagnostics);
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  return { ok: true, value: merged, warnings: diagnostics };
}

/** The route keys of a source, in route order (computed once by the parser, reused here). */
export function keysOfSource(result: SourceResult): readonly RouteKey[] {
  return routeKeysOf(result.routes) ?? result.routes.map(routeKey);
}

/**
 * Keys that more than one route of `results` defines (identical duplicates across or within
 * sources), given the size of their merge: empty at once when no key repeats, the common case.
 */
export function repeatedKeys(results: readonly SourceResult[], mergedSize: number): Set<RouteKey> {
  const repeated = new Set<RouteKey>();
  let total = 0;
  for (const r of results) total += r.routes.length;
  if (total === mergedSize) return repeated;
  const seen = new Set<RouteKey>();
  for (const r of results) {
    for (const key of keysOfSource(r)) {
      if (seen.has(key)) repeated.add(key);
      else seen.add(key);
    }
  }
  return repeated;
}

function conflict(source: string, key: RouteKey, first: Route, second: Route): Diagnostic {
  const pos = { line: second.source?.line ?? 0, col: second.source?.col ?? 0 };
  const msg = `${key}: conflicts with ${place(first)} (${clipText(first.value, 256)} here: ${clipText(second.value, 256)})`;
  return diagnostic(second.source?.source ?? source, 'E_CONFLICT', pos, '', msg);
}

/** Files a routes directory loads: `*.yaml`/`*.yml`, no dotfiles or editor temp files. */
export function isRouteFileName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('#') || name.endsWith('~')) return false;
  return /\.ya?ml$/.test(name);
}

export interface DirLoad {
  readonly sources: SourceResult[];
  readonly parsed: number;
  readonly reused: number;
  /**
   * Sources whose result is not the one the previous load returned (new or edited files), and
   * sources that are gone: what a caller keeping a merged state needs to patch it.
   */
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

interface CachedFile {
  readonly result: SourceResult;
  /** Identity, size and times of the file when read; undefined when too recent to trust. */
  readonly stamp: string | undefined;
  /** Bytes read (0 when unreadable or too large: nothing was kept). */
  readonly bytes: number;
}

/** What a routes directory may hold in all (limits.ts). */
export interface DirBounds {
  readonly files: number;
  readonly bytes: number;
  readonly routes: number;
}

export const DIR_BOUNDS: DirBounds = Object.freeze({
  files: MAX_ROUTE_FILES,
  bytes: MAX_DIR_BYTES,
  routes: MAX_DIR_ROUTES,
});

/** Longest stretch of a directory load without a turn of the event loop. */
const LOAD_SLICE_MS = 50;

/** A stamp older than this (ns) before the read cannot hide a later write in the same tick. */
const RACY_NS = 1_000_000_000n;

function stampOf(info: BigIntStats, readAtNs: bigint): string | undefined {
  if (info.mtimeNs >= readAtNs - RACY_NS || info.ctimeNs >= readAtNs - RACY_NS) return undefined;
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

function sameStamp(info: BigIntStats, stamp: string | undefined): boolean {
  return stamp === `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

/**
 * Loads a routes directory, re-parsing only files whose content hash changed since the last load.
 * A file whose inode, size, mtime and ctime are unchanged is not even read, unless it was written
 * within a second of the last read (racy: a second write in the same clock tick keeps the stamp).
 * I/O is synchronous: a thousand stats take a few milliseconds, where awaiting each costs ten times that;
 * but the event loop gets a turn between files every LOAD_SLICE_MS (a directory of many files does not
 * hold /healthz or a signal for the whole load; one large file still takes its own parse time).
 * The directory is bounded as a whole (MAX_ROUTE_FILES, MAX_DIR_BYTES, MAX_DIR_ROUTES): beyond, the
 * load fails with one error at the directory and the caller keeps its last good state.
 */
export class RouteDirLoader {
  private cache = new Map<string, CachedFile>();
  /** Loads run one at a time (each replaces the cache). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly options: ParseOptions = {},
    /** Called after each file (`plan`'s progress on a terminal). */
    private readonly onFile?: (done: number, total: number) => void,
    private readonly bounds: DirBounds = DIR_BOUNDS,
  ) {}

  load(): Promise<DirLoad> {
    const run = this.queue.then(() => this.loadNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async loadNow(): Promise<DirLoad> {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter(isRouteFileName).sort();
    } catch (err) {
      return this.failDir(this.unreadable(this.dir, 'routes directory', err));
    }
    if (names.length > this.bounds.files)
      return this.failDir(
        this.dirTooLarge(`${names.length} route files, more than ${this.bounds.files}`),
      );
    const next = new Map<string, CachedFile>();
    let parsed = 0;
    let reused = 0;
    let routes = 0;
    let bytes = 0;
    const changed: string[] = [];
    let slice = performance.now();
    for (const [i, name] of names.entries()) {
      const path = join(this.dir, name);
      const { file, fresh } = this.loadFile(path);
      this.onFile?.(i + 1, names.length);
      if (file === undefined) continue;
      if (fresh) parsed++;
      else reused++;
      if (this.cache.get(path)?.result !== file.result) changed.push(path);
      next.set(path, file);
      routes += file.result.routes.length;
      bytes += file.bytes;
      // Each file is bounded (maxBytes), so at most one file's worth is read past the bound.
      if (bytes > this.bounds.bytes)
        return this.failDir(
          this.dirTooLarge(
            `more than ${this.bounds.bytes} bytes of route files (${bytes} by ${name})`,
          ),
        );
      if (routes > this.bounds.routes)
        return this.failDir(
          this.dirTooLarge(`more than ${this.bounds.routes} routes in all (${routes} by ${name})`),
        );
      if (performance.now() - slice > LOAD_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
    }
    const removed = [...this.cache.keys()].filter((path) => !next.has(path));
    this.cache = next;
    const sources = [...next.values()].map((f) => f.result);
    return { sources, parsed, reused, changed, removed };
  }

  private loadFile(path: string): { file: CachedFile | undefined; fresh: boolean } {
    const maxBytes = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    const cached = this.cache.get(path);
    const readAtNs = BigInt(Date.now()) * 1_000_000n;
    const read = readRouteFile(
      path,
      maxBytes,
      (info) => cached !== undefined && sameStamp(info, cached.stamp),
    );
    switch (read.kind) {
      case 'unchanged':
        return { file: cached, fresh: false };
      case 'unreadable':
        return {
          file: {
            result: this.unreadable(path, 'route file', read.why),
            stamp: undefined,
            bytes: 0,
          },
          fresh: true,
        };
      case 'too-large': {
        const result = failed(path, `size:${read.size}`, [
          sizeDiagnostic(path, read.size, maxBytes),
        ]);
        return { file: { result, stamp: undefined, bytes: 0 }, fresh: true };
      }
      case 'read': {
        const stamp = stampOf(read.info, readAtNs);
        const hash = hashText(read.bytes);
        if (cached !== undefined && cached.result.hash === hash)
          return {
            file: { result: cached.result, stamp, bytes: read.bytes.length },
            fresh: false,
          };
        const text = read.bytes.toString('utf8');
        const result = { ...parseRouteDocument(path, text, this.options), hash };
        return { file: { result, stamp, bytes: read.bytes.length }, fresh: true };
      }
    }
  }

  /** One error for the whole directory: the cache is dropped (every file is read again next time). */
  private failDir(source: SourceResult): DirLoad {
    const removed = [...this.cache.keys()];
    this.cache.clear();
    return { sources: [source], parsed: 0, reused: 0, changed: [this.dir], removed };
  }

  private dirTooLarge(why: string): SourceResult {
    return failed(this.dir, '', [
      diagnostic(
        this.dir,
        'E_DIR_TOO_LARGE',
        { line: 0, col: 0 },
        '',
        `routes directory holds ${why}: split the routes across speakers or directories`,
      ),
    ]);
  }

  private unreadable(path: string, what: string, err: unknown): SourceResult {
    const code = (err as { code?: unknown }).code;
    const why =
      typeof err === 'string'
        ? err
        : code === 'ENOENT'
          ? 'not found'
          : err instanceof Error
            ? err.message
            : String(err);
    return failed(path, '', [
      diagnostic(path, 'E_IO_READ', { line: 0, col: 0 }, '', `cannot read ${what}: ${why}`),
    ]);
  }
}

/** Load and merge a routes directory in one go. */
export async function loadRouteDir(
  dir: string,
  options: ParseOptions = {},
  onFile?: (done: number, total: number) => void,
): Promise<Result<RouteSet>> {
  const { sources } = await new RouteDirLoader(dir, options, onFile).load();
  return mergeSources(sources);
}
