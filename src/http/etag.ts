// ETags for the api source: a strong tag derived from its content (route keys and values), so it
// survives restarts without a stored counter, plus RFC 9110 If-Match evaluation.
import { createHash } from 'node:crypto';
import { compareRoutes, routeKey } from '../core/route.js';
import type { Route } from '../core/route.js';

// Route arrays are never mutated (readonly everywhere): one digest per array, so a GET of a
// 100k-route api source does not sort and hash it again (~190 ms).
const digests = new WeakMap<readonly Route[], string>();

/** `"<32 hex>"`: equal for the same routes whatever their order or source positions. */
export function computeEtag(routes: readonly Route[]): string {
  const known = digests.get(routes);
  if (known !== undefined) return known;
  const hash = createHash('sha256');
  let pending = '';
  for (const r of [...routes].sort(compareRoutes)) {
    // an expiry is part of the api source's content (a new ttl must store), not of the route's value
    pending += `${routeKey(r)}\t${r.value}${r.expiry === undefined ? '' : `\t${r.expiry.text}`}\n`;
    if (pending.length >= 1 << 16) {
      hash.update(pending);
      pending = '';
    }
  }
  hash.update(pending);
  const etag = `"${hash.digest('hex').slice(0, 32)}"`;
  digests.set(routes, etag);
  return etag;
}

/** Record the ETag the parse worker computed for its copy of `routes` (same content). */
export function seedEtag(routes: readonly Route[], etag: string): void {
  digests.set(routes, etag);
}

/**
 * Does an If-Match header value allow the write? `*` matches (the api source always exists);
 * otherwise one listed tag must equal `current` by strong comparison (weak tags never match).
 */
export function matchesIfMatch(header: string, current: string): boolean {
  const value = header.trim();
  if (value === '*') return true;
  return value
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === current);
}
