// The request log: refused requests (4xx) at warn with method, url, status code, error code and
// message, never the body or the token; successful requests silent at info, one debug line each.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../../../src/runtime/logger.js';
import { buildServer, type HttpServerDeps } from '../../../src/http/server.js';
import { FakeBackend } from './fake-backend.js';
import { JSON_TYPE, YAML } from './server-helpers.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

const WARN = 40;
const DEBUG = 20;
const TOKEN = 'tok-SECRET-7';
// In every refused body: must never reach the log (a YAML comment is never echoed in a message).
const MARKER = 'BODY-MARKER-9';
const BODY = `# ${MARKER}\nroutes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n`;

function memoryLogger(level: LogLevel): { logger: HttpServerDeps['logger']; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text !== '') lines.push(JSON.parse(text) as LogLine);
      }
      callback();
    },
  });
  return { logger: createLogger({ level, format: 'json', stream }), lines };
}

let app: ReturnType<typeof buildServer> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function serve(level: LogLevel, deps: Partial<Omit<HttpServerDeps, 'backend' | 'logger'>> = {}) {
  const { logger, lines } = memoryLogger(level);
  app = buildServer({ backend: new FakeBackend(), logger, ...deps });
  return { app, lines };
}

interface Request {
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly url: string;
  readonly payload?: string | Record<string, string>;
  readonly headers?: Readonly<Record<string, string>>;
}

describe('refused requests', () => {
  it.each<[string, number, string, Request, Partial<HttpServerDeps>]>([
    [
      'a bad dry_run flag',
      400,
      'E_BAD_REQUEST',
      { method: 'PUT', url: '/v1/desired?dry_run=maybe', payload: BODY, headers: YAML },
      {},
    ],
    [
      'a missing token',
      401,
      'E_UNAUTHORIZED',
      {
        method: 'PUT',
        url: '/v1/desired',
        payload: BODY,
        headers: { ...YAML, authorization: `Bearer ${TOKEN}x` },
      },
      { token: TOKEN },
    ],
    ['an unknown route', 404, 'E_NOT_FOUND', { method: 'GET', url: '/v1/nope' }, {}],
    [
      'a confirmation with nothing held',
      409,
      'E_GUARD',
      { method: 'POST', url: '/v1/plan/confirm', payload: { hash: 'abc' } },
      {},
    ],
    [
      'a stale If-Match',
      412,
      'E_PRECONDITION_FAILED',
      { method: 'PUT', url: '/v1/desired', payload: BODY, headers: { ...YAML, 'if-match': '"x"' } },
      {},
    ],
    [
      'a body over the limit',
      413,
      'E_BODY_TOO_LARGE',
      { method: 'PUT', url: '/v1/desired', payload: BODY.repeat(50), headers: YAML },
      { bodyLimit: 1024 },
    ],
    [
      'an unsupported media type',
      415,
      'E_MEDIA_TYPE',
      {
        method: 'PUT',
        url: '/v1/desired',
        payload: BODY,
        headers: { 'content-type': 'text/plain' },
      },
      {},
    ],
    [
      'a schema violation',
      422,
      'E_SCHEMA',
      {
        method: 'PUT',
        url: '/v1/desired',
        payload: `${BODY}    colour: red\n`,
        headers: YAML,
      },
      {},
    ],
  ])('logs %s (%i %s) at warn', async (_name, status, code, request, deps) => {
    const { lines } = serve('info', deps);
    const res = await app!.inject(request);
    expect(res.statusCode).toBe(status);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: WARN,
      component: 'http',
      method: request.method,
      url: request.url,
      status_code: status,
      code,
    });
    expect(line!.msg).toBe(`http request refused (${status}): ${res.json().message}`);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain(TOKEN);
  });

  it('logs a refusal of the classic form endpoint with its message', async () => {
    const { lines } = serve('info');
    const res = await app!.inject({
      method: 'POST',
      url: '/',
      payload: 'command=shutdown',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(400);
    expect(lines).toEqual([
      expect.objectContaining({ level: WARN, method: 'POST', url: '/', code: 'E_COMMAND' }),
    ]);
  });
});

describe('successful requests', () => {
  const ok: Request[] = [
    { method: 'GET', url: '/v1/status' },
    { method: 'GET', url: '/metrics' },
    { method: 'PUT', url: '/v1/desired', payload: BODY, headers: YAML },
    { method: 'PUT', url: '/v1/desired', payload: '{"routes": []}', headers: JSON_TYPE },
  ];

  it.each(ok)('keeps $method $url silent at info', async (request) => {
    const { lines } = serve('info');
    expect((await app!.inject(request)).statusCode).toBeLessThan(400);
    expect(lines).toEqual([]);
  });

  it('writes one debug line per request at debug, without the body', async () => {
    const { lines } = serve('debug');
    const res = await app!.inject(ok[2]!);
    expect(res.statusCode).toBe(200);
    const logged = lines.filter((l) => l.msg === 'http request');
    expect(logged).toEqual([
      expect.objectContaining({
        level: DEBUG,
        method: 'PUT',
        url: '/v1/desired',
        status_code: 200,
      }),
    ]);
    expect(lines.some((l) => l.level >= WARN)).toBe(false);
    expect(JSON.stringify(lines)).not.toContain(MARKER);
  });
});
