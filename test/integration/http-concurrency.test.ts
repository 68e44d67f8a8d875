// A real listening server (127.0.0.1, port 0) hit by concurrent conditional PUTs: exactly one of N
// PUTs with the same If-Match wins, and read-modify-write clients that retry on 412 lose no update.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServerHandle } from '../../src/http/listen.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import { makeHarness, type Harness } from '../unit/http/server-helpers.js';

let h: Harness;
let handle: HttpServerHandle;
let base: string;

beforeAll(async () => {
  // A slow durable store widens the window in which a second PUT could slip in.
  h = makeHarness({ storeDelayMs: 5 });
  handle = startHttpServer(h.app, { host: '127.0.0.1', port: 0 }, createSilentLogger());
  const { port } = await handle.listening;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await handle.stop();
});

function doc(prefixes: readonly string[]): string {
  return JSON.stringify({
    routes: prefixes.map((prefix) => ({ prefix, 'next-hop': '192.0.2.1' })),
  });
}

async function currentApi(): Promise<{ etag: string; prefixes: string[] }> {
  const res = await fetch(`${base}/v1/desired?source=api`);
  const body = (await res.json()) as { routes: { prefix?: string; prefixes?: string[] }[] };
  const prefixes = body.routes.flatMap(
    (r) => r.prefixes ?? (r.prefix === undefined ? [] : [r.prefix]),
  );
  return { etag: res.headers.get('etag') ?? '', prefixes };
}

function putDesired(body: string, ifMatch: string): Promise<Response> {
  return fetch(`${base}/v1/desired`, {
    method: 'PUT',
    body,
    headers: { 'content-type': 'application/json', 'if-match': ifMatch },
  });
}

describe('concurrent PUT /v1/desired with If-Match', () => {
  it('lets exactly one of 20 PUTs with the same If-Match win; the others get 412', async () => {
    const { etag } = await currentApi();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => putDesired(doc([`10.${i}.0.0/16`]), etag)),
    );
    const codes = results.map((r) => r.status);
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 412)).toHaveLength(19);
    const winner = codes.indexOf(200);
    expect((await currentApi()).prefixes).toEqual([`10.${winner}.0.0/16`]);
    expect(results[winner]?.headers.get('etag')).toBe((await currentApi()).etag);
  });

  it('loses no update when 10 clients read, add a route and retry on 412', async () => {
    const start = await currentApi();
    await putDesired(doc([]), start.etag);
    const client = async (i: number): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        const { etag, prefixes } = await currentApi();
        const res = await putDesired(doc([...prefixes, `172.16.${i}.0/24`]), etag);
        await res.arrayBuffer();
        if (res.status === 200) return attempt;
        expect(res.status).toBe(412);
      }
    };
    const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => client(i)));
    const final = (await currentApi()).prefixes.sort();
    expect(final).toEqual(Array.from({ length: 10 }, (_, i) => `172.16.${i}.0/24`).sort());
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  });
});
