// HTTP error bodies ({code, message, diagnostics?}) and the mapping from diagnostics to a status
// code. No I/O; routes throw HttpError and the server's error handler serialises it.
import type { Diagnostic } from '../core/diagnostic.js';
import type { ErrorCode } from '../errors.js';
import { cut, MAX_MESSAGE } from './text.js';

/** Codes that exist only over HTTP (everything else comes from the ErrorCode catalogue). */
export type HttpOnlyCode =
  | 'E_BAD_REQUEST'
  | 'E_UNAUTHORIZED'
  | 'E_NOT_FOUND'
  | 'E_PRECONDITION_FAILED'
  | 'E_MEDIA_TYPE'
  | 'E_BODY_TOO_LARGE'
  | 'E_QUERY'
  | 'E_EMPTY'
  | 'E_ENCODING'
  | 'E_TOO_COMPLEX'
  | 'E_BUSY'
  | 'E_TIMEOUT'
  | 'E_HEADERS_TOO_LARGE'
  | 'E_INTERNAL';

export type HttpErrorCode = ErrorCode | HttpOnlyCode;

export interface ErrorBody {
  readonly code: HttpErrorCode;
  readonly message: string;
  readonly diagnostics?: readonly DiagnosticBody[];
}

/** A diagnostic as served: the JSON path always, line and col when known (YAML and JSON bodies). */
export interface DiagnosticBody {
  readonly code: string;
  readonly severity: string;
  readonly source: string;
  readonly path: string;
  readonly line?: number;
  readonly col?: number;
  readonly message: string;
}

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly diagnostics?: readonly Diagnostic[],
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }

  static fromRejection(r: Rejection): HttpError {
    return new HttpError(r.status, r.code, r.message, r.diagnostics);
  }

  /** The body, bounded: the first MAX_DIAGNOSTICS diagnostics, every text cut. */
  toBody(): ErrorBody {
    const base = { code: this.code, message: cut(this.message, MAX_MESSAGE) };
    return this.diagnostics === undefined
      ? base
      : { ...base, diagnostics: this.diagnostics.slice(0, MAX_DIAGNOSTICS).map(toDiagnosticBody) };
  }
}

/** Diagnostics in one error body; the message says how many more there were. */
export const MAX_DIAGNOSTICS = 100;

/** A diagnostic as served, every text cut (a message may quote a 32 MiB value). */
export function toDiagnosticBody(d: Diagnostic): DiagnosticBody {
  const base = {
    code: d.code,
    severity: d.severity,
    source: cut(d.file, MAX_MESSAGE),
    path: cut(d.path, MAX_MESSAGE),
  };
  const at = d.line > 0 ? { line: d.line, col: d.col } : {};
  return { ...base, ...at, message: cut(d.message, MAX_MESSAGE) };
}

/** A refused request as plain data (it crosses from the parse worker): status, code, message. */
export interface Rejection {
  readonly status: number;
  readonly code: HttpErrorCode;
  readonly message: string;
  readonly diagnostics?: readonly Diagnostic[];
}

// The parser's E_EMPTY (an empty document) is refused like a syntax error.
const SYNTAX: ReadonlySet<string> = new Set(['E_YAML', 'E_ALIAS_LIMIT', 'E_EMPTY']);

/**
 * The status for a rejected document: 413 too large, 400 syntax (YAML/JSON, alias bound), 409 when
 * every error is a conflict with another source, else 422 (schema and semantic checks).
 */
export function statusForDiagnostics(diagnostics: readonly Diagnostic[]): {
  status: number;
  code: HttpErrorCode;
} {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.some((d) => d.code === 'E_FILE_TOO_LARGE'))
    return { status: 413, code: 'E_FILE_TOO_LARGE' };
  const syntax = errors.find((d) => SYNTAX.has(d.code));
  if (syntax !== undefined) return { status: 400, code: syntax.code };
  if (errors.length > 0 && errors.every((d) => d.code === 'E_CONFLICT')) {
    return { status: 409, code: 'E_CONFLICT' };
  }
  return { status: 422, code: errors[0]?.code ?? 'E_SCHEMA' };
}

/**
 * A document rejected with `diagnostics`: message = the first error, formatted and cut, and how
 * many more; at most `max` diagnostics kept, each cut.
 */
export function rejectionFor(
  diagnostics: readonly Diagnostic[],
  max: number = MAX_DIAGNOSTICS,
): Rejection {
  const { status, code } = statusForDiagnostics(diagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  const where = first === undefined ? '' : describeDiagnostic(first);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  const kept = diagnostics.slice(0, max).map(cutDiagnostic);
  return { status, code, message: `${where}${more}`, diagnostics: kept };
}

/** The HttpError for a document rejected with `diagnostics`. */
export function rejectDocument(diagnostics: readonly Diagnostic[]): HttpError {
  return HttpError.fromRejection(rejectionFor(diagnostics));
}

function cutDiagnostic(d: Diagnostic): Diagnostic {
  return {
    ...d,
    file: cut(d.file, MAX_MESSAGE),
    path: cut(d.path, MAX_MESSAGE),
    message: cut(d.message, MAX_MESSAGE),
  };
}

function describeDiagnostic(d: Diagnostic): string {
  const at = d.line > 0 ? `${d.file}:${d.line}:${d.col}: ` : `${d.file}: `;
  const path = d.path === '' ? '' : `${cut(d.path)}: `;
  return cut(`${at}${path}${d.message}`, MAX_MESSAGE - 60);
}
