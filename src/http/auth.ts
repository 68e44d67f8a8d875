// Bearer-token authentication for mutating endpoints, and the rule that a non-loopback listen
// address needs a token. Tokens are compared in constant time on equal-length digests.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { ReconcilerError } from '../errors.js';

/** A token check: true when the Authorization header carries the configured bearer token. */
export type TokenCheck = (authorization: string | undefined) => boolean;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The check for `token`: hashes both sides so timingSafeEqual always sees equal lengths. */
export function createTokenCheck(token: string): TokenCheck {
  const expected = digest(token);
  return (authorization) => {
    const m = authorization === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    const given = m?.[1];
    if (given === undefined) return false;
    return timingSafeEqual(digest(given), expected);
  };
}

/** Loopback: `localhost`, 127.0.0.0/8, `::1` (and its IPv4-mapped forms). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** The token in `path`: its content without surrounding whitespace; empty or unreadable throws. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ReconcilerError(
      'E_USAGE',
      `cannot read token file "${path}": ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) {
    throw new ReconcilerError('E_USAGE', `token file "${path}" must hold one non-empty token`);
  }
  return token;
}

/**
 * The token the server runs with: required (E_USAGE) when `host` is not loopback; read from
 * `tokenFile` when given. Undefined means no authentication (loopback without a token file).
 */
export async function resolveToken(
  host: string,
  tokenFile: string | undefined,
): Promise<string | undefined> {
  if (tokenFile !== undefined) return readTokenFile(tokenFile);
  if (!isLoopbackHost(host)) {
    throw new ReconcilerError(
      'E_USAGE',
      `--listen ${host} is not a loopback address: refusing to start the http api without --token-file`,
    );
  }
  return undefined;
}
