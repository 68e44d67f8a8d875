// Media types and content codings, parsed strictly (RFC 9110 §8.3, §8.4): a route names the types
// it takes and everything else is a 415 before the body is read. No I/O; the checks throw HttpError.
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';
import { quote } from './text.js';

export interface MediaType {
  /** `type/subtype`, lowercase. */
  readonly essence: string;
  /** Parameter names lowercase; values as sent (unquoted). */
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PARAM =
  /^[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=("(?:[^"\\]|\\.)*"|[!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*$/;

/** `type/subtype *( OWS ";" OWS name=value )`, or undefined when the header is malformed. */
export function parseMediaType(header: string): MediaType | undefined {
  const [head = '', ...rest] = header.split(';');
  const [type, subtype, extra] = head.trim().split('/');
  if (type === undefined || subtype === undefined || extra !== undefined) return undefined;
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  const params = new Map<string, string>();
  // A quoted value may hold ';': re-join the pieces until each parameter is whole.
  let pending = '';
  for (const piece of rest) {
    // RFC 9110 allows empty parameters (`text/yaml;`, `a/b; ;`).
    if (pending === '' && piece.trim() === '') continue;
    pending = pending === '' ? piece : `${pending};${piece}`;
    const m = PARAM.exec(pending);
    if (m === null) {
      if ((pending.match(/"/g)?.length ?? 0) % 2 === 1) continue;
      return undefined;
    }
    const name = (m[1] ?? '').toLowerCase();
    const raw = m[2] ?? '';
    if (params.has(name)) return undefined;
    params.set(name, raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
    pending = '';
  }
  if (pending !== '') return undefined;
  return { essence: `${type}/${subtype}`.toLowerCase(), params };
}

function unsupported(message: string): HttpError {
  return new HttpError(415, 'E_MEDIA_TYPE', message);
}

/**
 * The request's one Content-Type, parsed; 415 when absent, malformed or sent twice (node keeps
 * only the first of two Content-Type headers, so the duplicate is found in the raw headers).
 */
export function requestMediaType(request: FastifyRequest, expected: string): MediaType {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'content-type') count++;
  if (count > 1) throw unsupported('one content-type header at most');
  const header = request.headers['content-type'];
  if (header === undefined || header.trim() === '')
    throw unsupported(`a content-type is required (${expected})`);
  const parsed = parseMediaType(header);
  if (parsed === undefined) throw unsupported(`malformed content-type ${quote(header)}`);
  return parsed;
}

/** Only `charset=utf-8` may qualify a text type (any other parameter or charset: 415). */
export function requireUtf8(type: MediaType, allowed: readonly string[] = ['charset']): void {
  for (const [name, value] of type.params) {
    if (!allowed.includes(name))
      throw unsupported(`unsupported parameter ${quote(name)} in content-type ${type.essence}`);
    if (name === 'charset' && value.toLowerCase() !== 'utf-8')
      throw unsupported(`unsupported charset ${quote(value)} (utf-8 only)`);
  }
}

/**
 * onRequest check for every route: no endpoint takes a compressed body, so any Content-Encoding
 * but identity is a 415 (ignoring it would parse gzip bytes as YAML), and any transfer coding but
 * chunked a 400 (node removes the chunked framing and nothing else: `gzip, chunked` would too).
 */
export function checkCodings(request: FastifyRequest): Promise<void> {
  const coding = request.headers['content-encoding'];
  const value = coding?.trim().toLowerCase() ?? '';
  if (value !== '' && value !== 'identity') {
    return Promise.reject(
      unsupported(
        `content-encoding ${quote(coding ?? '')} is not supported (send the body uncompressed)`,
      ),
    );
  }
  const transfer = request.headers['transfer-encoding'];
  if (transfer !== undefined && transfer.trim().toLowerCase() !== 'chunked') {
    return Promise.reject(
      new HttpError(
        400,
        'E_BAD_REQUEST',
        `transfer-encoding ${quote(transfer)} is not supported (chunked only)`,
      ),
    );
  }
  return Promise.resolve();
}
