// The small HTTP client of `status` and `confirm`: a base URL checked once, bounded requests, and
// failures as ReconcilerError (E_USAGE for a bad URL, E_IO_READ for an unreachable server).
import { ReconcilerError } from '../errors.js';

const TIMEOUT_MS = 10_000;
export const DEFAULT_URL = 'http://127.0.0.1:5000';

/** `http://host:port` (a trailing slash or path prefix kept) joined with `path`. */
export function endpointOf(base: string, path: string, flag = '--url'): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch (err) {
    throw new ReconcilerError('E_USAGE', `invalid ${flag} "${base}"`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ReconcilerError('E_USAGE', `${flag} "${base}" must be an http or https url`);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  return url;
}

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One request with a JSON answer; a body that is not JSON is kept as text. */
export async function requestJson(
  url: URL,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await res.text();
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ReconcilerError('E_IO_READ', `cannot reach ${url.href}: ${reason}`, { cause: err });
  }
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}

/** `{code, message}` of an error answer, else the raw text cut short. */
export function errorOf(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as { code?: unknown; message?: unknown };
    if (typeof b.code === 'string') return `${b.code}: ${String(b.message)}`;
  }
  return String(typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 200);
}
