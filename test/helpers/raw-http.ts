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
