// Announced state of a live reconciler for `plan`: its ledger read-only (--from-state), or its HTTP
// API (--from-url: GET <url>/v1/announced, a route document loaded by the same loader as files).
import { resolve } from 'node:path';
import type { Result } from '../core/diagnostic.js';
import type { RouteKey, RouteSet } from '../core/route.js';
import { ReconcilerError, isReconcilerError } from '../errors.js';
import { mergeSources, parseRouteDocument } from '../config/load-routes.js';
import { readLedgerSnapshot } from '../ledger/snapshot.js';

const FETCH_TIMEOUT_MS = 30_000;
const MAX_RESPONSE_BYTES = 1024 * 1024 * 1024;

/**
 * The ledger in `stateDir` (relative to `cwd`), read-only and safe while `run` is live: the
 * announced routes plus pending entries, and the pending keys (unknown state after a crash).
 */
export function readAnnouncedFromState(
  stateDir: string,
  cwd: string,
): Promise<Result<{ routes: RouteSet; unknown: ReadonlySet<RouteKey> }>> {
  try {
    const snapshot = readLedgerSnapshot(resolve(cwd, stateDir));
    const value = { routes: snapshot.announcedForDiff, unknown: snapshot.pending };
    return Promise.resolve({ ok: true, value, warnings: [] });
  } catch (err) {
    if (isReconcilerError(err)) return Promise.reject(err);
    return Promise.reject(
      new ReconcilerError('E_STATE', `cannot read the ledger in "${stateDir}"`, { cause: err }),
    );
  }
}

/** `http://host:port` (with or without a trailing slash or /v1/announced) → the endpoint URL. */
export function announcedEndpoint(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new ReconcilerError('E_USAGE', `invalid --from-url "${url}"`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ReconcilerError('E_USAGE', `--from-url "${url}" must be an http or https url`);
  }
  const base = parsed.pathname.replace(/\/+$/, '').replace(/\/v1\/announced$/, '');
  parsed.pathname = `${base}/v1/announced`;
  return parsed;
}

async function fetchText(endpoint: URL): Promise<string> {
  let res: Response;
  try {
    res = await fetch(endpoint, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (err) {
    const reason =
      err instanceof Error
        ? err.cause instanceof Error
          ? err.cause.message
          : err.message
        : String(err);
    throw new ReconcilerError('E_IO_READ', `cannot reach ${endpoint.href}: ${reason}`, {
      cause: err,
    });
  }
  const text = await res.text();
  if (!res.ok) {
    throw new ReconcilerError(
      'E_IO_READ',
      `${endpoint.href} answered ${res.status} ${res.statusText}: ${text.slice(0, 200)}`,
    );
  }
  return text;
}

/**
 * GET <url>/v1/announced of a running reconciler: a route document (the routes.d shape), checked
 * by the same schema and semantic checks as a file; problems are diagnostics naming the URL.
 */
export async function readAnnouncedFromUrl(url: string): Promise<Result<RouteSet>> {
  const endpoint = announcedEndpoint(url);
  const text = await fetchText(endpoint);
  const source = parseRouteDocument(endpoint.href, text, {
    format: 'json',
    maxBytes: MAX_RESPONSE_BYTES,
  });
  return mergeSources([source]);
}
