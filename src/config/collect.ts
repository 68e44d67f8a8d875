// Collects the problems of one document: keeps the first MAX_DIAGNOSTICS, counts the rest up to
// MAX_COUNTED_PROBLEMS (then checking stops), and locates what it keeps in one pass over the
// document at the end, so a million bad items cost a counter, not a million positions.
import type { ErrorCode } from '../errors.js';
import {
  clipText,
  compareDiagnostics,
  MAX_MESSAGE_CHARS,
  type Diagnostic,
  type Severity,
} from '../core/diagnostic.js';
import { MAX_COUNTED_PROBLEMS, MAX_DIAGNOSTICS } from './limits.js';
import {
  toDotPath,
  type LocatedDocument,
  type LocateRequest,
  type PathSegment,
  type Position,
} from './locate.js';

/** A problem before it has a position. A message naming other places takes their positions. */
export interface Problem {
  readonly code: ErrorCode;
  readonly severity: Severity;
  readonly path: readonly PathSegment[];
  /** Point at the mapping key rather than its value (unknown keys). */
  readonly atKey?: boolean;
  readonly message: string | ((refs: readonly Position[]) => string);
  readonly refs?: readonly (readonly PathSegment[])[];
}

/** The one constructor of a Diagnostic: every message and path goes through the clipping here. */
export function diagnostic(
  file: string,
  code: ErrorCode,
  pos: Position,
  path: string,
  message: string,
  severity: Severity = 'error',
): Diagnostic {
  return {
    code,
    severity,
    file,
    line: pos.line,
    col: pos.col,
    path: clipText(path, MAX_MESSAGE_CHARS / 4),
    message: clipText(message, MAX_MESSAGE_CHARS),
  };
}

export class ProblemCollector {
  private readonly kept: Problem[] = [];
  private firstDropped: Problem | undefined;
  private droppedErrors = 0;
  private droppedWarnings = 0;
  errors = 0;

  constructor(readonly source: string) {}

  add(p: Problem): void {
    if (p.severity === 'error') this.errors++;
    if (this.kept.length < MAX_DIAGNOSTICS) {
      this.kept.push(p);
      return;
    }
    this.firstDropped ??= p;
    if (p.severity === 'error') this.droppedErrors++;
    else this.droppedWarnings++;
  }

  /** So many errors that checking further is not worth it (the report says it stopped). */
  get exhausted(): boolean {
    return this.errors >= MAX_COUNTED_PROBLEMS;
  }

  /**
   * The diagnostics, positioned through `doc` (or at 0:0 without one), sorted, then at most one
   * summary of what was not kept; `stopped` says checking ended before the document did.
   */
  finish(doc: LocatedDocument | undefined, stopped = this.exhausted): Diagnostic[] {
    const requests: LocateRequest[] = [];
    for (const p of this.kept) {
      requests.push({ path: p.path, key: p.atKey === true });
      for (const r of p.refs ?? []) requests.push({ path: r });
    }
    if (this.firstDropped !== undefined) requests.push({ path: this.firstDropped.path });
    const none = { line: 0, col: 0 };
    const at = requests.length === 0 ? [] : (doc?.locate(requests) ?? requests.map(() => none));
    let next = 0;
    const out: Diagnostic[] = this.kept.map((p) => {
      const pos = at[next++] ?? none;
      const refs = (p.refs ?? []).map(() => at[next++] ?? none);
      const message = typeof p.message === 'string' ? p.message : p.message(refs);
      return diagnostic(this.source, p.code, pos, toDotPath(p.path), message, p.severity);
    });
    out.sort(compareDiagnostics);
    const summary = this.summary(at[next] ?? none, stopped);
    if (summary !== undefined) out.push(summary);
    return out;
  }

  private summary(pos: Position, stopped: boolean): Diagnostic | undefined {
    const more = stopped ? 'at least ' : '';
    if (this.droppedErrors > 0) {
      const warnings = this.droppedWarnings > 0 ? ` and ${this.droppedWarnings} warnings` : '';
      const msg = `${more}${this.droppedErrors} more errors${warnings} not shown (the first ${MAX_DIAGNOSTICS} problems are)`;
      return diagnostic(this.source, 'E_TOO_MANY_ERRORS', pos, '', msg);
    }
    if (this.droppedWarnings === 0) return undefined;
    const msg = `${this.droppedWarnings} more warnings not shown (the first ${MAX_DIAGNOSTICS} are)`;
    return diagnostic(this.source, 'W_TOO_MANY_WARNINGS', pos, '', msg, 'warning');
  }
}

/** Positioned diagnostics (syntax problems) cut to MAX_DIAGNOSTICS, sorted, plus a summary. */
export function capDiagnostics(source: string, all: readonly Diagnostic[]): Diagnostic[] {
  const sorted = [...all].sort(compareDiagnostics);
  if (sorted.length <= MAX_DIAGNOSTICS) return sorted;
  const kept = sorted.slice(0, MAX_DIAGNOSTICS);
  const first = sorted[MAX_DIAGNOSTICS] ?? kept[0];
  const pos = { line: first?.line ?? 0, col: first?.col ?? 0 };
  const msg = `${sorted.length - MAX_DIAGNOSTICS} more problems not shown (the first ${MAX_DIAGNOSTICS} are)`;
  kept.push(diagnostic(source, 'E_TOO_MANY_ERRORS', pos, '', msg));
  return kept;
}
