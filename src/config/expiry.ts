// `expires` (RFC 3339) and `ttl` (a duration) on a route or flow entry → the entry's Expiry, with
// positioned diagnostics. The schema checks the shapes; this checks the values.
import type { Expiry } from '../core/expiry.js';
import type { EntrySink } from './entry-checks.js';
import type { PathSegment } from './locate.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** The longest ttl accepted: ten years (anything longer is a typo, not an expiry). */
export const MAX_TTL_MS = 10 * 365 * 86_400_000;

/**
 * `90s`, `15m`, `2h`, `7d`, `1h30m` → ms; undefined when not a duration or zero.
 * @example parseTtl('1h30m') // 5_400_000
 */
export function parseTtl(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d)/g))
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 time with its zone → ms since the epoch; undefined when not one (no zone, month
 * 13, February 30, 24:00, ...).
 * @example parseRfc3339('2026-12-24T18:00:00Z') // 1798135200000
 */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 60) return undefined;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > days) return undefined;
  const ms = Date.parse(text.replace(' ', 'T').replace(/\.(\d{3})\d+/, '.$1'));
  return Number.isFinite(ms) ? ms : undefined;
}

/** The Expiry an entry declares, reporting bad values at `base` + the field. */
export function entryExpiry(
  entry: Readonly<Record<string, unknown>>,
  sink: EntrySink,
  base: readonly PathSegment[],
): Expiry | undefined {
  const expires = entry['expires'];
  const ttl = entry['ttl'];
  if (typeof expires === 'string' && typeof ttl === 'string') {
    sink.report(
      'E_EXPIRY',
      'error',
      [...base, 'ttl'],
      'an entry has expires or ttl, not both (expires is a time, ttl a duration)',
    );
    return undefined;
  }
  if (typeof expires === 'string') {
    const at = parseRfc3339(expires);
    if (at === undefined) {
      sink.report(
        'E_EXPIRY',
        'error',
        [...base, 'expires'],
        `${JSON.stringify(expires.slice(0, 64))}: not an RFC 3339 time with a zone (2026-12-24T18:00:00Z)`,
      );
      return undefined;
    }
    return { at, text: `expires ${expires}` };
  }
  if (typeof ttl === 'string') {
    const ms = parseTtl(ttl);
    if (ms === undefined || ms > MAX_TTL_MS) {
      sink.report(
        'E_EXPIRY',
        'error',
        [...base, 'ttl'],
        `${JSON.stringify(ttl.slice(0, 64))}: not a duration between 1ms and 10 years (90s, 15m, 2h, 7d, 1h30m)`,
      );
      return undefined;
    }
    return { ttlMs: ms, text: `ttl ${ttl}` };
  }
  return undefined;
}
