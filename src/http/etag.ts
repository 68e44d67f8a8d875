// ETags for the api source: a strong tag derived from its content (route keys and values), so it
// survives restarts without a stored counter, plus RFC 9110 If-Match evaluation.
import { createHash } from 'node:crypto';
import { compareRoutes, routeKey } from '../core/route.js';
import type { Route } from '../core/route.js';

/** `"<32 hex>"`: equal for the same routes whatever their order or source positions. */
export function computeEtag(routes: readonly Route[]): string {
  const hash = createHash('sha256');
  for (const r of [...routes].sort(compareRoutes)) hash.update(`${routeKey(r)}\t${r.value}\n`);
  return `"${hash.digest('hex').slice(0, 32)}"`;
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
