// Every bound of the HTTP API in one place: timeouts, connection and body caps, parse limits. Fixed,
// documented defaults (README "HTTP API"); only the body limit is a flag (--body-limit). No I/O.

const KiB = 1024;
const MiB = 1024 * KiB;

export const HTTP_LIMITS = {
  /** Largest PUT /v1/desired body (`--body-limit`). */
  bodyLimit: 32 * MiB,
  /**
   * PUT bodies up to this size are parsed on the event loop (measured worst case of a hostile
   * 4 KiB document: ~150 ms); larger ones in the parse worker, one at a time.
   */
  inlineParseMaxBytes: 4 * KiB,
  /** Wall-clock bound on parsing one body in the worker; then the worker is killed (422). */
  parseTimeLimitMs: 30_000,
  /** Old-generation heap of the parse worker: a valid 32 MiB document needs about 450 MiB. */
  parseHeapLimitMb: 768,
  /**
   * Routes one body may expand to: neighbors × prefixes multiply (1000 × 1000 is a 44 KiB body and
   * a million routes, seconds of work for the reconciler), so at most `routesPerByte` routes per
   * body byte, never fewer than `minBodyRoutes` nor more than `maxBodyRoutes`; beyond: 422.
   * 100k is where a valid PUT still keeps every event-loop stage short enough for /healthz to
   * answer within 1 s on 2 shared cores (measured: 0.7 s at 100k, 1.9 s at 200k, 2.9 s at 400k);
   * larger desired states belong in route files.
   */
  maxBodyRoutes: 100_000,
  minBodyRoutes: 10_000,
  routesPerByte: 4,
  /** Routes per message from the worker: each is one short task on the event loop (~20 ms). */
  resultChunkRoutes: 10_000,
  /** Diagnostics in one error body (the message counts the rest). */
  maxDiagnostics: 100,
  /** Classic form (POST /): the body, and its one `command` field. */
  formBodyLimit: 256 * KiB,
  commandMaxBytes: 64 * KiB,
  /** JSON control bodies (POST /v1/plan/confirm, /v1/reconcile). */
  controlBodyLimit: 4 * KiB,
  /** Concurrent connections; more are closed at accept (node's server.maxConnections). */
  maxConnections: 64,
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: 10_000,
  /** The whole request, body included, must arrive within this (32 MiB at 0.6 MB/s). */
  requestTimeoutMs: 60_000,
  /**
   * A socket with no traffic either way for this long is closed (a client that stops reading its
   * response); longer than the worst processing time (parse limit + applying).
   */
  connectionTimeoutMs: 120_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 1000,
  /** How often node checks the header and request timeouts (its default is 30 s). */
  connectionsCheckingIntervalMs: 1000,
  /** Retry-After of a 503 E_BUSY (another large body is being received or parsed). */
  retryAfterSeconds: 1,
} as const;

export type HttpLimits = { readonly [K in keyof typeof HTTP_LIMITS]: number };
