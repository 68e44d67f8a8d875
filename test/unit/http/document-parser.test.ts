// The parse worker (from dist/: run `npm run build` first, as `npm test` does): the same routes as
// an inline parse, a wall-clock and a heap limit that kill it (422 E_TOO_COMPLEX), a route cap, one
// parse at a time (503), and an event loop that stays free while it works.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDocumentParser,
  type DocumentParser,
  type ParserLimits,
} from '../../../src/http/document-parser.js';
import { HTTP_LIMITS } from '../../../src/http/limits.js';
import { parseBody } from '../../../src/http/parse-body.js';
import { createSilentLogger } from '../../../src/runtime/logger.js';

const WORKER = new URL('../../../dist/http/parse-worker.js', import.meta.url);

let parser: DocumentParser | undefined;
afterEach(async () => {
  await parser?.close();
  parser = undefined;
});

function makeParser(limits: Partial<ParserLimits> = {}): DocumentParser {
  if (!existsSync(fileURLToPath(WORKER))) throw new Error('dist/ is missing: run npm run build');
  parser = createDocumentParser({
    workerUrl: WORKER,
    limits: { ...HTTP_LIMITS, ...limits },
    bodyLimit: HTTP_LIMITS.bodyLimit,
    maxAliasCount: 100,
    logger: createSilentLogger(),
  });
  return parser;
}

function ipv4(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
}

/** `n` routes in the per-route form, with a few attribute sets and both families. */
function document(n: number): Buffer {
  const routes = Array.from({ length: n }, (_, i) =>
    i % 10 === 9
      ? {
          prefix: `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`,
          'next-hop': '2001:db8::1',
          neighbors: ['192.0.2.7'],
        }
      : { prefix: ipv4(i), 'next-hop': '192.0.2.1', med: i % 3, community: ['65000:1'] },
  );
  return Buffer.from(JSON.stringify({ routes }));
}

describe('the parse worker', { timeout: 60_000 }, () => {
  it('gives exactly the routes an inline parse gives, in chunks', async () => {
    const body = document(12_000);
    const inline = parseBody(body, {
      format: 'json',
      maxBytes: HTTP_LIMITS.bodyLimit,
      maxAliasCount: 100,
      maxRoutes: HTTP_LIMITS.maxBodyRoutes,
      maxDiagnostics: 100,
    });
    const viaWorker = await makeParser({ resultChunkRoutes: 4096 }).parse(body, 'json');
    expect(viaWorker.ok).toBe(true);
    expect(viaWorker).toStrictEqual(inline);
  });

  it('passes a rejection back with bounded diagnostics', async () => {
    const bad = Array.from({ length: 500 }, (_, i) => ({ prefix: ipv4(i), 'next-hop': 'nope' }));
    const result = await makeParser().parse(Buffer.from(JSON.stringify({ routes: bad })), 'json');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection).toMatchObject({ status: 422, code: 'E_SCHEMA' });
    expect(result.rejection.diagnostics).toHaveLength(100);
    expect(result.rejection.message.length).toBeLessThan(2000);
  });

  it('kills a parse that runs past the time limit and answers 422 E_TOO_COMPLEX', async () => {
    const p = makeParser({ parseTimeLimitMs: 50 });
    const result = await p.parse(document(200_000), 'json');
    expect(result).toEqual({
      ok: false,
      rejection: {
        status: 422,
        code: 'E_TOO_COMPLEX',
        message: 'the document took more than 0.05 s to parse',
      },
    });
  });

  it('starts a new worker after killing one, which the old one exiting late does not disturb', async () => {
    const p = makeParser({ parseTimeLimitMs: 1000 });
    expect((await p.parse(document(300_000), 'json')).ok).toBe(false);
    const padded = Buffer.concat([document(10), Buffer.from(' '.repeat(8192))]);
    const next = await p.parse(padded, 'json');
    expect(next.ok && next.routes.length).toBe(10);
  });

  it('answers 422 E_TOO_COMPLEX when the worker runs out of its heap', async () => {
    const result = await makeParser({ parseHeapLimitMb: 16 }).parse(document(200_000), 'json');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection).toMatchObject({
      status: 422,
      code: 'E_TOO_COMPLEX',
      message: 'the document needs more than 16 MiB to parse',
    });
  });

  it('refuses a document that expands past the route cap', async () => {
    const many = {
      routes: [
        {
          'next-hop': '192.0.2.1',
          neighbors: Array.from({ length: 200 }, (_, i) => `192.0.2.${i + 1}`),
          prefixes: Array.from({ length: 200 }, (_, i) => ipv4(i)),
        },
      ],
    };
    const result = await makeParser({ maxBodyRoutes: 10_000 }).parse(
      Buffer.from(JSON.stringify(many)),
      'json',
    );
    expect(result).toMatchObject({
      ok: false,
      rejection: { status: 422, code: 'E_TOO_COMPLEX' },
    });
  });

  it('refuses a small body that expands to more than 4 routes per byte', async () => {
    const n = 300;
    const doc = {
      routes: [
        {
          'next-hop': '192.0.2.1',
          neighbors: Array.from({ length: n }, (_, i) => `10.9.${i >> 8}.${i & 255}`),
          prefixes: Array.from({ length: n }, (_, i) => ipv4(i)),
        },
      ],
    };
    const body = Buffer.from(JSON.stringify(doc));
    const cap = body.length * 4;
    const result = await makeParser().parse(body, 'json');
    expect(result).toMatchObject({
      ok: false,
      rejection: {
        status: 422,
        code: 'E_TOO_COMPLEX',
        message: `the document expands to 90000 routes (at most ${cap} in one body)`,
      },
    });
  });

  it('parses one body at a time: another large body gets 503 E_BUSY meanwhile', async () => {
    const p = makeParser();
    const first = p.parse(document(30_000), 'json');
    await expect(p.parse(document(1000), 'json')).rejects.toMatchObject({
      statusCode: 503,
      code: 'E_BUSY',
    });
    expect((await first).ok).toBe(true);
  });

  it('parses a small body inline even while the worker is busy', async () => {
    const p = makeParser();
    const first = p.parse(document(30_000), 'json');
    const small = await p.parse(document(2), 'json');
    expect(small.ok && small.routes.length).toBe(2);
    await first;
  });

  it('keeps the event loop free while it parses and hands back 100k routes', async () => {
    let worst = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    const result = await makeParser().parse(document(100_000), 'json');
    clearInterval(timer);
    expect(result.ok && result.routes.length).toBe(100_000);
    // An inline parse of this body blocks for about a second; chunks keep each task short.
    expect(worst).toBeLessThan(1000);
  }, 60_000);

  it('fails a parse in progress with 503 when closed', async () => {
    const p = makeParser();
    const pending = p.parse(document(100_000), 'json');
    await p.close();
    await expect(pending).rejects.toMatchObject({ statusCode: 503 });
  });
});
