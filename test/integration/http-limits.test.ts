// Timeouts and caps on a real listening server: slow heads and bodies are cut (408), idle and
// surplus connections closed, oversize or malformed requests answered in our JSON, and only one
// large body at a time (503 E_BUSY with Retry-After), so no client can pin memory or the server.
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTP_LIMITS, type HttpLimits } from '../../src/http/limits.js';
import { startHttpServer, type HttpServerHandle } from '../../src/http/listen.js';
import { buildServer } from '../../src/http/server.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import { exchange, rawRequest } from '../helpers/raw-http.js';
import { FakeBackend } from '../unit/http/fake-backend.js';

let handle: HttpServerHandle | undefined;
let backend: FakeBackend;
afterEach(async () => {
  await handle?.stop();
  handle = undefined;
});

async function serve(limits: Partial<HttpLimits> = {}, bodyLimit?: number): Promise<number> {
  backend = new FakeBackend();
  const app = buildServer({
    backend,
    logger: createSilentLogger(),
    parseWorker: null,
    limits,
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
  });
  handle = startHttpServer(app, { host: '127.0.0.1', port: 0 }, createSilentLogger());
  return (await handle.listening).port;
}

const FAST = {
  headersTimeoutMs: 400,
  requestTimeoutMs: 800,
  keepAliveTimeoutMs: 300,
  connectionsCheckingIntervalMs: 100,
} as const;

function putHead(length: number | 'chunked', type = 'application/json'): string {
  const framing = length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`;
  return `PUT /v1/desired HTTP/1.1\r\nHost: t\r\nContent-Type: ${type}\r\n${framing}\r\n\r\n`;
}

/** A valid JSON document of exactly `size` bytes (padded with spaces). */
function documentOf(size: number): string {
  const doc = '{"routes":[{"prefix":"203.0.113.0/24","next-hop":"192.0.2.1"}]}';
  return doc + ' '.repeat(size - doc.length);
}

describe('server defaults', () => {
  it('sets every timeout and cap on the node server', async () => {
    await serve();
    const app = buildServer({ backend: new FakeBackend(), logger: createSilentLogger() });
    expect({
      requestTimeout: app.server.requestTimeout,
      headersTimeout: app.server.headersTimeout,
      keepAliveTimeout: app.server.keepAliveTimeout,
      timeout: app.server.timeout,
      maxRequestsPerSocket: app.server.maxRequestsPerSocket,
      maxConnections: app.server.maxConnections,
    }).toEqual({
      requestTimeout: HTTP_LIMITS.requestTimeoutMs,
      headersTimeout: HTTP_LIMITS.headersTimeoutMs,
      keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
      timeout: HTTP_LIMITS.connectionTimeoutMs,
      maxRequestsPerSocket: HTTP_LIMITS.maxRequestsPerSocket,
      maxConnections: HTTP_LIMITS.maxConnections,
    });
    await app.close();
  });
});

describe('slow clients', () => {
  it('answers a request whose headers never end with 408 E_TIMEOUT and closes it', async () => {
    const port = await serve(FAST);
    const answer = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: t\r\n', { waitMs: 5000 });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'E_TIMEOUT' });
    expect(answer.closed).toBe(true);
  });

  it('answers a body that stops halfway with 408, storing nothing and freeing the large-body slot', async () => {
    const port = await serve(FAST);
    const body = documentOf(100_000);
    const answer = await rawRequest(port, putHead(body.length) + body.slice(0, 50_000), {
      waitMs: 5000,
    });
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
    expect(backend.replaceCalls).toBe(0);
    const next = await rawRequest(port, putHead(body.length) + body, {
      waitMs: 5000,
      untilResponse: true,
    });
    expect(next.status).toBe(200);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const port = await serve(FAST);
    const answer = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n', {
      waitMs: 3000,
    });
    expect(answer.status).toBe(200);
    expect(answer.closed).toBe(true);
    expect(answer.elapsedMs).toBeLessThan(2000);
  });
});

describe('connection cap', () => {
  it('closes connections past the cap and keeps serving the others', async () => {
    const port = await serve({ maxConnections: 3 });
    const held: Socket[] = [];
    const idle = Array.from({ length: 3 }, () =>
      rawRequest(port, '', { waitMs: 1500, drive: (s) => held.push(s) }),
    );
    await new Promise((r) => setTimeout(r, 200));
    const surplus = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n', {
      waitMs: 1000,
    });
    expect(surplus.status).toBeUndefined();
    expect(surplus.closed).toBe(true);
    held[0]?.write('GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    const answers = await Promise.all(idle);
    expect(answers[0]?.status).toBe(200);
  });
});

describe('large bodies', () => {
  it('lets one large body in at a time: another gets 503 E_BUSY with Retry-After, a small one goes through', async () => {
    const port = await serve();
    const body = documentOf(100_000);
    let release: (() => void) | undefined;
    const first = rawRequest(port, putHead(body.length) + body.slice(0, 10_000), {
      waitMs: 10_000,
      untilResponse: true,
      drive: (s) => (release = () => s.write(body.slice(10_000))),
    });
    await new Promise((r) => setTimeout(r, 300));
    const second = await rawRequest(port, putHead(body.length) + body, {
      waitMs: 5000,
      untilResponse: true,
    });
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    expect(JSON.parse(second.body)).toMatchObject({ code: 'E_BUSY' });
    const chunked = await rawRequest(
      port,
      `${putHead('chunked')}${(8192).toString(16)}\r\n${body.slice(0, 8192)}\r\n`,
      { waitMs: 5000, untilResponse: true },
    );
    expect(chunked.status).toBe(503);
    const small = documentOf(1000);
    const third = await rawRequest(port, putHead(small.length) + small, {
      waitMs: 5000,
      untilResponse: true,
    });
    expect(third.status).toBe(200);
    release?.();
    expect((await first).status).toBe(200);
    const after = await rawRequest(port, putHead(body.length) + body, {
      waitMs: 5000,
      untilResponse: true,
    });
    expect(after.status).toBe(200);
  });

  it('refuses a declared length over the limit with 413 before the body is sent', async () => {
    const port = await serve({}, 64 * 1024);
    const answer = await rawRequest(port, putHead(10 * 1024 * 1024), {
      waitMs: 3000,
      untilResponse: true,
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'E_BODY_TOO_LARGE' });
  });

  it('delivers an early 413 to a client still sending its body on a Connection: close request', async () => {
    const port = await serve({}, 64 * 1024);
    const body = Buffer.alloc(16 * 1024 * 1024, 0x61);
    const answer = await exchange(
      port,
      {
        method: 'PUT',
        target: '/v1/desired',
        headers: [['Content-Type', 'application/yaml']],
        body,
      },
      10_000,
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ code: 'E_BODY_TOO_LARGE' });
  });

  it('refuses a chunked body once it passes the limit with 413', async () => {
    const port = await serve({}, 64 * 1024);
    const chunk = 'x'.repeat(16 * 1024);
    const chunks = `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(6);
    const answer = await rawRequest(port, putHead('chunked') + chunks, {
      waitMs: 3000,
      untilResponse: true,
    });
    expect(answer.status).toBe(413);
    expect(backend.replaceCalls).toBe(0);
  });
});

describe('requests node refuses', () => {
  it.each([
    [
      'headers over 16 KiB',
      431,
      'E_HEADERS_TOO_LARGE',
      `GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    ],
    ['a malformed request line', 400, 'E_BAD_REQUEST', 'GET /healthz HTTP/9.9 junk\r\n\r\n'],
    [
      'a header without a colon',
      400,
      'E_BAD_REQUEST',
      'GET /healthz HTTP/1.1\r\nHost: t\r\nbogus\r\n\r\n',
    ],
    [
      'two content lengths',
      400,
      'E_BAD_REQUEST',
      'PUT /v1/desired HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    ],
    ['a missing host', 400, 'E_BAD_REQUEST', 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n'],
    ['a CONNECT', 404, 'E_NOT_FOUND', 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: t\r\n\r\n'],
    [
      'an undecodable url',
      400,
      'E_BAD_REQUEST',
      'GET /%zz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    ],
    [
      'a transfer coding but chunked',
      400,
      'E_BAD_REQUEST',
      'PUT /v1/desired HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\nContent-Type: application/yaml\r\nConnection: close\r\n\r\n5\r\nroute\r\n0\r\n\r\n',
    ],
  ])('answers %s with %i %s in our JSON', async (_name, status, code, request) => {
    const port = await serve();
    const answer = await rawRequest(port, request, { waitMs: 3000 });
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toMatchObject({ code });
    expect(answer.closed).toBe(true);
  });
});
