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

/** The most characters of one input value a message quotes (item 9 of the hardening list). */
export const MAX_QUOTED_CHARS = 64;
/** The most characters of a whole message or path: a backstop for anything not quoted through quoteValue. */
export const MAX_MESSAGE_CHARS = 1024;

/**
 * `text` cut to `max` characters, marked with `...` and its original length, so a 4 MiB value
 * costs a line in a log and not 4 MiB. Never splits a surrogate pair.
 * @example clipText('a'.repeat(100), 4) // 'aaaa... (100 chars)'
 */
export function clipText(text: string, max: number = MAX_QUOTED_CHARS): string {
  if (text.length <= max) return text;
  let end = max;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}... (${text.length} chars)`;
}

/** JSON-ish text of `v`, stopping once it is longer than `budget` (so a huge array costs nothing). */
function previewOf(v: unknown, budget: number, depth = 0): string {
  if (typeof v === 'string') return JSON.stringify(v.length > budget ? v.slice(0, budget + 1) : v);
  if (Array.isArray(v) || (typeof v === 'object' && v !== null)) {
    if (depth > 3) return Array.isArray(v) ? '[...]' : '{...}';
    const entries = Array.isArray(v) ? v.entries() : Object.entries(v).values();
    const open = Array.isArray(v) ? '[' : '{';
    let out = open;
    for (const [k, item] of entries) {
      if (out.length > budget) break;
      if (out !== open) out += ',';
      if (!Array.isArray(v)) out += `${JSON.stringify(String(k).slice(0, budget + 1))}:`;
      out += previewOf(item, budget - out.length, depth + 1);
    }
    return out.length > budget ? out : `${out}${Array.isArray(v) ? ']' : '}'}`;
  }
  return String(v);
}

/**
 * How a message quotes an input value: strings as they are, anything else as JSON, either way cut
 * at MAX_QUOTED_CHARS (the one place that rule lives). Costs O(MAX_QUOTED_CHARS), whatever `v` is.
 * @example quoteValue('192.0.2.1') // '192.0.2.1'
 * @example quoteValue([1, 2]) // '[1,2]'
 */
export function quoteValue(v: unknown, max: number = MAX_QUOTED_CHARS): string {
  if (typeof v === 'string') return clipText(v, max);
  const text = previewOf(v, max);
  if (text.length <= max) return text;
  const total = Array.isArray(v)
    ? ` (${v.length} items)`
    : typeof v === 'object' && v !== null
      ? ` (${Object.keys(v).length} keys)`
      : '';
  return `${text.slice(0, max)}...${total}`;
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
