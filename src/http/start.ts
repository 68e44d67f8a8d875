// The one call `run` makes to serve the HTTP API: checks --listen/--token-file/--body-limit, builds
// the server and starts listening in the background (bind failures retried, never thrown).
import type { Logger } from 'pino';
import type { FleetScope } from '../config/entries.js';
import { ReconcilerError } from '../errors.js';
import { resolveToken } from './auth.js';
import type { ReconcilerHandle } from '../runtime/handle.js';
import { parseListenAddress, startHttpServer, type HttpServerHandle } from './listen.js';
import { buildServer, DEFAULT_BODY_LIMIT } from './server.js';
import type { FleetReader } from './routes-fleet.js';

export interface HttpApiOptions {
  /** `--listen`: `HOST:PORT`, `[V6]:PORT` or `none` (default 127.0.0.1:5000). */
  readonly listen: string;
  /** `--token-file`: required when the listen host is not loopback. */
  readonly tokenFile?: string;
  /** `--body-limit` in bytes (default 32 MiB). */
  readonly bodyLimit?: number;
  /** The fleet view for GET /v1/fleet (run --etcd-endpoints). */
  readonly fleet?: FleetReader;
  /** How PUT bodies treat speaker selections. */
  readonly bodyScope?: FleetScope;
}

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `--body-limit`: bytes, or with a unit (`512k`, `32m`, `32MiB`, `1g`); at least 1 KiB. */
export function parseBodyLimit(text: string): number {
  const m = /^([0-9]+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  const bytes = m === null || unit === undefined ? NaN : Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes) || bytes < 1024) {
    throw new ReconcilerError(
      'E_USAGE',
      `invalid --body-limit "${text}" (bytes, or 512k, 32m, 1g; at least 1k)`,
    );
  }
  return bytes;
}

/**
 * Start the HTTP API for `backend`, or return null for `--listen none`. Throws E_USAGE (before
 * anything listens) for a bad --listen, or a non-loopback address without a readable token file;
 * once started, nothing it does throws into the caller.
 */
export async function startHttpApi(
  backend: ReconcilerHandle,
  logger: Logger,
  options: HttpApiOptions,
): Promise<HttpServerHandle | null> {
  const parsed = parseListenAddress(options.listen);
  if (!parsed.ok)
    throw new ReconcilerError('E_USAGE', parsed.diagnostics[0]?.message ?? 'invalid --listen');
  if (parsed.value === null) return null;
  const token = await resolveToken(parsed.value.host, options.tokenFile);
  const app = buildServer({
    backend,
    logger,
    ...(token === undefined ? {} : { token }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(options.fleet === undefined ? {} : { fleet: options.fleet }),
    ...(options.bodyScope === undefined ? {} : { bodyScope: options.bodyScope }),
  });
  return startHttpServer(app, parsed.value, logger);
}
