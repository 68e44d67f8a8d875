// Binding the HTTP server: parses --listen, and starts listening in the background, retrying any
// bind failure (port in use, address not yet up) with capped backoff. Never throws to its caller.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Result } from '../core/diagnostic.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_LISTEN = '127.0.0.1:5000';

function usage(message: string): Result<never> {
  const d = {
    code: 'E_USAGE',
    severity: 'error',
    file: '--listen',
    line: 0,
    col: 0,
    path: '',
    message,
  } as const;
  return { ok: false, diagnostics: [d] };
}

/** `HOST:PORT`, `[V6]:PORT` or `none` (→ null: the API is disabled). Port 0 picks a free port. */
export function parseListenAddress(text: string): Result<ListenAddress | null> {
  if (text === 'none') return { ok: true, value: null, warnings: [] };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || !(port >= 0 && port <= 65535)) {
    return usage(`invalid listen address "${text}" (HOST:PORT, [IPV6]:PORT or none)`);
  }
  return { ok: true, value: { host, port }, warnings: [] };
}

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

export interface HttpServerHandle {
  /** Resolves once the server listens (never rejects; pending while bind attempts fail). */
  readonly listening: Promise<{ readonly host: string; readonly port: number }>;
  /** Stop retrying and close the server. */
  stop(): Promise<void>;
}

/**
 * Listen on `address` in the background. A failed bind is logged (code E_HTTP_BIND) and retried
 * after 0.5 s, 1 s, 2 s ... capped at 30 s, forever: the HTTP API is never a reason for `run` to stop.
 */
export function startHttpServer(
  app: FastifyInstance,
  address: ListenAddress,
  logger: Logger,
  backoff: BackoffPolicy = DEFAULT_BACKOFF,
): HttpServerHandle {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });

  const listening = (async () => {
    for (let attempt = 0; ; attempt++) {
      if (stopped) return new Promise<never>(() => undefined);
      try {
        await app.listen({ host: address.host, port: address.port });
        const bound = app.server.address();
        const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
        logger.info({ host: address.host, port }, 'http api listening');
        return { host: address.host, port };
      } catch (err) {
        const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 16));
        logger.warn(
          { code: 'E_HTTP_BIND', err, host: address.host, port: address.port, retry_ms: delay },
          `cannot listen on ${address.host}:${address.port}, retrying`,
        );
        await sleep(delay);
      }
    }
  })();

  return {
    listening,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      wake?.();
      try {
        await app.close();
      } catch (err) {
        logger.warn({ err }, 'error closing the http api');
      }
    },
  };
}
