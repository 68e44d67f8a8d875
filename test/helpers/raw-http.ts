// Raw HTTP/1.1 over a TCP socket, for requests a well-behaved client never sends: partial heads and
// bodies, stalls, oversize headers, malformed lines. Collects what the server answers until it
// closes (or `waitMs` passes). Not a test file.
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** Status of the first response, or undefined when nothing parseable came back. */
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** The first response's body (by Content-Length), as text. */
  readonly body: string;
  /** Everything received. */
  readonly raw: string;
  /** The server closed the connection (or reset it) before `waitMs`. */
  readonly closed: boolean;
  readonly elapsedMs: number;
}

export function parseRaw(raw: string): Pick<RawAnswer, 'status' | 'headers' | 'body'> {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: undefined, headers: {}, body: '' };
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? NaN);
  const rest = raw.slice(end + 4);
  const body = Number.isFinite(length)
    ? Buffer.from(rest, 'latin1').subarray(0, length).toString('utf8')
    : rest;
  return { status: Number.isFinite(status) ? status : undefined, headers, body };
}

export interface RawOptions {
  /** Give up (and destroy the socket) after this long. */
  readonly waitMs: number;
  /** Resolve as soon as one whole response (by Content-Length) has arrived. */
  readonly untilResponse?: boolean;
  /** Called once connected, to keep writing (stalls, slow bodies). */
  readonly drive?: (socket: Socket) => void;
}

/** Send `data` to 127.0.0.1:`port` and collect the answer. */
export function rawRequest(
  port: number,
  data: string | Buffer,
  options: RawOptions,
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ ...parseRaw(raw), raw, closed, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.waitMs);
    socket.on('connect', () => {
      if (data.length > 0) socket.write(data);
      options.drive?.(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.untilResponse !== true) return;
      const answer = parseRaw(Buffer.concat(chunks).toString('latin1'));
      const length = Number(answer.headers['content-length'] ?? NaN);
      if (answer.status !== undefined && Buffer.byteLength(answer.body) >= length) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

export interface FuzzHttpRequest {
  readonly method: string;
  /** Request target as sent: path and query. */
  readonly target: string;
  /** Header lines as sent (name, value), in order; Host and Connection: close are added. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Buffer;
  /** Send the body with chunked framing instead of Content-Length. */
  readonly chunked?: boolean;
  /** Exact bytes to send instead of a request built from the fields above. */
  readonly raw?: Buffer;
}

export interface Exchange {
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly ms: number;
  /** The socket failed (reset, refused) or the wait ran out. */
  readonly error?: string;
}

/** The bytes of `request` (HTTP/1.1, one request, Connection: close). */
export function encodeRequest(request: FuzzHttpRequest): Buffer {
  if (request.raw !== undefined) return request.raw;
  const lines = [`${request.method} ${request.target} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  lines.push('Connection: close');
  const body = request.body ?? Buffer.alloc(0);
  if (request.chunked === true) {
    lines.push('Transfer-Encoding: chunked');
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 65_536) {
      const piece = body.subarray(i, i + 65_536);
      chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    }
    return Buffer.concat([
      Buffer.from(`${lines.join('\r\n')}\r\n\r\n`),
      ...chunks,
      Buffer.from('0\r\n\r\n'),
    ]);
  }
  if (request.body !== undefined) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

function decodeChunked(data: Buffer): Buffer | undefined {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(out);
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Split received bytes into the final response (interim 1xx skipped): undefined until whole. */
function parseResponse(
  data: Buffer,
  isHead: boolean,
  ended: boolean,
): Pick<Exchange, 'status' | 'headers' | 'body'> | undefined {
  let start = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', start);
    if (end < 0) return undefined;
    const [statusLine = '', ...lines] = data.subarray(start, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    if (status >= 100 && status < 200) {
      start = end + 4;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0)
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const rest = data.subarray(end + 4);
    const valid = Number.isFinite(status) ? status : undefined;
    if (isHead || status === 204 || status === 304)
      return { status: valid, headers, body: Buffer.alloc(0) };
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      return rest.length >= length
        ? { status: valid, headers, body: rest.subarray(0, length) }
        : undefined;
    }
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const body = decodeChunked(rest);
      return body === undefined ? undefined : { status: valid, headers, body };
    }
    return ended ? { status: valid, headers, body: rest } : undefined;
  }
}

/** Send one request on a fresh connection and read its response (or why there was none). */
export function exchange(
  port: number,
  request: FuzzHttpRequest,
  timeoutMs: number,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const isHead = request.method === 'HEAD';
    const settle = (ended: boolean, error?: string): void => {
      if (settled) return;
      const parsed = parseResponse(Buffer.concat(chunks), isHead, ended);
      if (parsed === undefined && !ended && error === undefined) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const ms = performance.now() - started;
      const answer = parsed ?? { status: undefined, headers: {}, body: Buffer.alloc(0) };
      resolve({
        ...answer,
        ms,
        ...(parsed === undefined ? { error: error ?? 'closed without a response' } : {}),
      });
    };
    const timer = setTimeout(() => settle(true, `no response within ${timeoutMs} ms`), timeoutMs);
    // Raw bytes may be a request cut short: end our side so node sees the end, not a stall.
    socket.on('connect', () => {
      if (request.raw !== undefined) socket.end(request.raw);
      else socket.write(encodeRequest(request), () => undefined);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      settle(false);
    });
    // A server that answers early (413, 503) may close while we still write: read what came.
    socket.on('error', (err: Error & { code?: string }) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') settle(true, err.code ?? err.message);
    });
    socket.on('close', () => settle(true));
  });
}
