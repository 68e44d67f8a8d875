// The desired-state seam: every place desired routes come from (route files, the api source kept
// locally, later etcd) implements one of these interfaces; runtime/desired-state.ts merges them
// under one conflict rule. A source only loads and signals; it never diffs or writes to ExaBGP.
import type { Diagnostic } from '../core/diagnostic.js';
import type { Route } from '../core/route.js';
import type { SourceResult } from '../config/load-routes.js';

/** A running change signal. Level-based: it means "load again", nothing more. */
export interface SourceWatch {
  /** Resolves once the source is watching (tests wait for it). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** What became of a replaced api source: stored and in use, or stored and held (fleet guard). */
export interface ReplaceOutcome {
  /** The fleet guard holds the stored revision: nothing of it is in use until confirmed. */
  readonly held?: {
    readonly revision: number;
    readonly reason: string;
    readonly withdrawCount: number;
    readonly announcedCount: number;
  };
}

/** Signals that a source changed; `reason` is for the log only. */
export type OnSourceChange = (reason: string) => void;

/**
 * A source read in full on every reconcile (the route files): each result is one place the
 * conflict rule can name (a file path).
 */
export interface DesiredSource {
  load(): Promise<{ readonly sources: readonly SourceResult[] }>;
  watch(onChange: OnSourceChange): SourceWatch;
}

/**
 * The api source: one document that `PUT /v1/desired` and the classic endpoint replace whole.
 * It is held in memory (read on every reconcile) and stored durably before a write resolves.
 */
export interface ApiSource {
  /** The api routes as stored (empty when never set). */
  readonly routes: readonly Route[];
  /** The routes as a merge input, hashed once per change (not per reload). */
  readonly result: SourceResult;
  /**
   * The api source's own ETag when it has one (etcd: its revision); undefined: the HTTP layer
   * derives one from the content.
   */
  readonly etag?: string | undefined;
  /** Problems of the store itself (etcd unreachable): reported, never a reason to change routes. */
  readonly diagnostics?: readonly Diagnostic[];
  /**
   * Store `routes` durably, then hold them. With `expectEtag`, only if the stored state is still
   * that one (else throws ReconcilerError E_PRECONDITION_FAILED, nothing stored).
   */
  replace(routes: readonly Route[], now: number, expectEtag?: string): Promise<ReplaceOutcome>;
  watch(onChange: OnSourceChange): SourceWatch;
}
