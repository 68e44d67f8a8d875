// Diagnostics: user input problems as data with a location and a stable code. Pure: no I/O.
import type { ErrorCode } from '../errors.js';

export type Severity = 'error' | 'warning';

/** One problem found in the input, pointing at the file, line and column of the offending node. */
export interface Diagnostic {
  readonly code: ErrorCode;
  readonly severity: Severity;
  /** File path as given by the caller (relative to the cwd where possible), or `api` for HTTP bodies. */
  readonly file: string;
  /** 1-based; 0 when unknown. */
  readonly line: number;
  /** 1-based; 0 when unknown. */
  readonly col: number;
  /** Dotted path into the document, e.g. `routes[2].next-hop`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** `Result<T>`: the zod safeParse shape. Loaders return it instead of throwing on bad input. */
export type Result<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/**
 * Compiler-style text, so editors and CI annotate it.
 * @example formatDiagnostic(d) // 'routes.d/edge.yaml:14:9: error E_SCHEMA: routes[2].next-hop: must match format "ipv4"'
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const path = d.path === '' ? '' : `${d.path}: `;
  return `${where}: ${d.severity} ${d.code}: ${path}${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order: file, line, column, code. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.col !== b.col) return a.col - b.col;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
