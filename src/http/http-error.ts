// HTTP error bodies ({code, message, diagnostics?}) and the mapping from diagnostics to a status
// code. No I/O; routes throw HttpError and the server's error handler serialises it.
import type { Diagnostic } from '../core/diagnostic.js';
import type { ErrorCode } from '../errors.js';

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

  toBody(): ErrorBody {
    const base = { code: this.code, message: this.message };
    return this.diagnostics === undefined
      ? base
      : { ...base, diagnostics: this.diagnostics.map(toDiagnosticBody) };
  }
}

export function toDiagnosticBody(d: Diagnostic): DiagnosticBody {
  const base = { code: d.code, severity: d.severity, source: d.file, path: d.path };
  const at = d.line > 0 ? { line: d.line, col: d.col } : {};
  return { ...base, ...at, message: d.message };
}

const SYNTAX: ReadonlySet<string> = new Set(['E_YAML', 'E_ALIAS_LIMIT']);

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

/** The HttpError for a document rejected with `diagnostics` (message = the first error, formatted). */
export function rejectDocument(diagnostics: readonly Diagnostic[]): HttpError {
  const { status, code } = statusForDiagnostics(diagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  const where = first === undefined ? '' : describeDiagnostic(first);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new HttpError(status, code, `${where}${more}`, diagnostics);
}

function describeDiagnostic(d: Diagnostic): string {
  const at = d.line > 0 ? `${d.file}:${d.line}:${d.col}: ` : `${d.file}: `;
  const path = d.path === '' ? '' : `${d.path}: `;
  return `${at}${path}${d.message}`;
}
