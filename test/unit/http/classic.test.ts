// The classic POST / form endpoint: announce/withdraw edit the api source; everything else is a
// 400 that changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { makeHarness, multipartBody, type Harness, postForm } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

const form = (command: string) => postForm(h, command);

function curlForm(fields: readonly [string, string][]) {
  const { payload, contentType } = multipartBody(fields);
  return h.app.inject({
    method: 'POST',
    url: '/',
    payload,
    headers: { 'content-type': contentType },
  });
}

const ANNOUNCE = 'announce route 100.10.0.0/24 next-hop self';

describe('POST / (classic form endpoint)', () => {
  it('announces a route sent urlencoded, answering with the plan', async () => {
    h = makeHarness();
    const res = await form(ANNOUNCE);
    expect(res.statusCode).toBe(200);
    expect(res.json().format_version).toBe('1');
    expect(JSON.stringify(res.json())).toContain('100.10.0.0/24');
    expect(h.backend.apiRoutes.map((r) => `${r.prefix} ${r.value}`)).toEqual([
      '100.10.0.0/24 next-hop self',
    ]);
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('announces a route sent as multipart form data (curl --form)', async () => {
    h = makeHarness();
    const res = await curlForm([['command', ANNOUNCE]]);
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes.map((r) => r.prefix)).toEqual(['100.10.0.0/24']);
  });

  it('replaces the value of an announced key (upsert) and withdraws it again', async () => {
    h = makeHarness();
    await form(ANNOUNCE);
    await form('announce route 100.10.0.0/24 next-hop 192.0.2.1 med 20');
    expect(h.backend.apiRoutes.map((r) => r.value)).toEqual(['next-hop 192.0.2.1 med 20']);
    const res = await form('withdraw route 100.10.0.0/24 next-hop 192.0.2.1');
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes).toEqual([]);
  });

  it('takes a ttl field with an announce (curl --form ttl=15m) and refuses a bad one', async () => {
    h = makeHarness();
    const res = await curlForm([
      ['command', ANNOUNCE],
      ['ttl', '15m'],
    ]);
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes.map((r) => r.expiry)).toEqual([{ ttlMs: 900_000, text: 'ttl 15m' }]);
    // the same route with another ttl is a change of the api source (a new clock)
    const etag = res.headers.etag;
    const again = await curlForm([
      ['command', ANNOUNCE],
      ['ttl', '1h'],
    ]);
    expect(again.headers.etag).not.toBe(etag);
    expect(h.backend.apiRoutes.map((r) => r.expiry?.text)).toEqual(['ttl 1h']);
    for (const bad of [
      ['ttl', 'soon'],
      ['ttl', '0s'],
      ['ttl', '99999d'],
    ] as [string, string][]) {
      const refused = await curlForm([['command', ANNOUNCE], bad]);
      expect(refused.statusCode, bad[1]).toBe(400);
      expect(refused.json().code).toBe('E_COMMAND');
    }
    const withdraw = await curlForm([
      ['command', 'withdraw route 100.10.0.0/24'],
      ['ttl', '1h'],
    ]);
    expect(withdraw.statusCode).toBe(400);
    expect(h.backend.apiRoutes.map((r) => r.expiry?.text)).toEqual(['ttl 1h']);
  });

  it('treats a withdraw of a route the api source does not hold as a no-op', async () => {
    h = makeHarness();
    const res = await form('withdraw route 100.10.0.0/24');
    expect(res.statusCode).toBe(200);
    expect(h.backend.replaceCalls).toBe(0);
  });

  it.each([
    ['shutdown', 'shutdown'],
    ['another command', 'neighbor 192.0.2.1 teardown 2'],
    ['an unknown keyword', 'announce route 100.10.0.0/24 next-hop self colour red'],
    ['a trailing shutdown', 'announce route 100.10.0.0/24 next-hop self shutdown'],
    ['two commands on two lines', `${ANNOUNCE}\nshutdown`],
    ['a carriage return', `${ANNOUNCE}\r`],
    ['non-ascii text', 'announce route 100.10.0.0/24 next-hop self med 1\u00a0'],
    ['an empty command', '   '],
    ['an invalid prefix', 'announce route 100.10.0.0/33 next-hop self'],
    [
      'an invalid flow route',
      'announce flow route { match { destination 10.0.0.1/8; } then { discard; } }',
    ],
    [
      'a flow route with a second command',
      'announce flow route destination 10.0.0.0/24 discard shutdown',
    ],
  ])('rejects %s with 400 and changes nothing', async (_name, command) => {
    h = makeHarness();
    const res = await form(command);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_COMMAND');
    expect(h.backend.replaceCalls).toBe(0);
    expect(h.backend.apiRoutes).toEqual([]);
  });

  it('rejects two command fields in one request', async () => {
    h = makeHarness();
    const res = await curlForm([
      ['command', ANNOUNCE],
      ['command', 'withdraw route 100.10.0.0/24'],
    ]);
    expect(res.statusCode).toBe(400);
    expect(h.backend.replaceCalls).toBe(0);
  });

  it.each([
    ['an empty form', '', 'missing form field "command"'],
    ['another field only', 'cmd=x', 'unknown form field "cmd"'],
  ])('rejects %s (no command field)', async (_name, payload, message) => {
    h = makeHarness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/',
      payload,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(message);
  });

  it('rejects a JSON body with 415', async () => {
    h = makeHarness();
    const res = await h.app.inject({ method: 'POST', url: '/', payload: { command: ANNOUNCE } });
    expect(res.statusCode).toBe(415);
  });

  it('rejects an uploaded file in the multipart form', async () => {
    h = makeHarness();
    const boundary = 'XyZ';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="command"; filename="c.txt"\r\nContent-Type: text/plain\r\n\r\n${ANNOUNCE}\r\n--${boundary}--\r\n`;
    const res = await h.app.inject({
      method: 'POST',
      url: '/',
      payload,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.statusCode).toBe(400);
    expect(h.backend.replaceCalls).toBe(0);
  });
});
