// The error catalogue: stable codes for user-facing problems (diagnostics, HTTP bodies, exits)
// and the ReconcilerError thrown for operational failures. Bugs use bug(), never a code.

/** Every stable error code the reconciler can report, to users or over HTTP. */
export type ErrorCode =
  // input problems (diagnostics)
  | 'E_YAML'
  | 'E_SCHEMA'
  | 'E_FILE_TOO_LARGE'
  | 'E_DIR_TOO_LARGE'
  | 'E_ALIAS_LIMIT'
  | 'E_PREFIX'
  | 'E_HOST_BITS'
  | 'E_NEXT_HOP_FAMILY'
  | 'E_ADDRESS'
  | 'E_RANGE'
  | 'E_COMMUNITY'
  | 'E_DUPLICATE_ROUTE'
  | 'E_EXPIRY'
  | 'W_EXPIRED'
  | 'W_FLEET_HELD'
  | 'E_HEALTH'
  | 'E_CONFLICT'
  | 'E_SELECTOR'
  | 'E_NESTING'
  | 'E_EMPTY'
  | 'E_EXPANSION_LIMIT'
  | 'E_UPDATE_TOO_LARGE'
  | 'E_FLOW'
  | 'E_TOO_MANY_ERRORS'
  | 'W_NEXT_HOP_SELF_IPV6'
  | 'W_TOO_MANY_WARNINGS'
  // operational failures
  | 'E_IO_READ'
  | 'E_GIT'
  | 'E_DUMP'
  | 'E_USAGE'
  | 'E_STATE'
  | 'E_EXABGP_PIPE_CLOSED'
  | 'E_EXABGP_NACK'
  | 'E_EXABGP_ACK_TIMEOUT'
  | 'E_GUARD'
  | 'E_HTTP_BIND'
  | 'E_STORE'
  | 'E_STORE_UNAVAILABLE'
  | 'E_PRECONDITION_FAILED'
  | 'E_COMMAND';

/** Retryable codes requeue with backoff; everything else is terminal for the operation. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'E_IO_READ',
  'E_EXABGP_ACK_TIMEOUT',
  'E_HTTP_BIND',
]);

export class ReconcilerError extends Error {
  override readonly name = 'ReconcilerError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

export function isReconcilerError(err: unknown): err is ReconcilerError {
  return err instanceof ReconcilerError;
}

/** A programming error: never caught, never retried. `throw bug('ledger out of sync for ' + key)`. */
export function bug(message: string): Error {
  return new Error(`BUG: ${message}`);
}

export function isBug(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('BUG: ');
}
