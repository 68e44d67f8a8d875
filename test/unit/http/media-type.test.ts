// Media types of PUT /v1/desired fail closed: JSON goes to the strict JSON path, YAML to YAML, and
// anything else (no type, another type, another charset, a compressed or non-UTF-8 body) is refused.
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { route } from '../../helpers/routes.js';
import { makeHarness, type Harness } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

const ONE_ROUTE_YAML = 'routes:\n  - prefix: 203.0.113.0/24\n    next-hop: 192.0.2.1\n';
const ONE_ROUTE_JSON = '{"routes":[{"prefix":"203.0.113.0/24","next-hop":"192.0.2.1"}]}';

function put(payload: string | Buffer, headers: Record<string, string>) {
  return h.app.inject({ method: 'PUT', url: '/v1/desired', payload, headers });
}

/** A harness whose api source already holds a route, so a wrongly applied body would show. */
function withApiRoute(): Harness {
  const harness = makeHarness();
  harness.backend.apiRoutes = [route({ prefix: '198.51.100.0/24' })];
  return harness;
}

describe('accepted media types', () => {
  it.each([
    ['application/json', ONE_ROUTE_JSON],
    ['application/json; charset=utf-8', ONE_ROUTE_JSON],
    ['Application/JSON; Charset="UTF-8"', ONE_ROUTE_JSON],
    ['application/yaml', ONE_ROUTE_YAML],
    ['application/x-yaml', ONE_ROUTE_YAML],
    ['text/yaml; charset=utf-8', ONE_ROUTE_YAML],
    ['text/x-yaml', ONE_ROUTE_YAML],
  ])('stores a body sent as %s', async (type, payload) => {
    h = makeHarness();
    const res = await put(payload, { 'content-type': type });
    expect(res.statusCode).toBe(200);
    expect(h.backend.apiRoutes.map((r) => r.prefix)).toEqual(['203.0.113.0/24']);
  });

  it('accepts Content-Encoding: identity', async () => {
    h = makeHarness();
    const res = await put(ONE_ROUTE_YAML, {
      'content-type': 'application/yaml',
      'content-encoding': 'identity',
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('refused media types', () => {
  it.each([
    ['no content type', {}],
    ['an empty content type', { 'content-type': '' }],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/octet-stream', { 'content-type': 'application/octet-stream' }],
    ['application/jsonx', { 'content-type': 'application/jsonx' }],
    ['application/merge-patch+json', { 'content-type': 'application/merge-patch+json' }],
    ['a latin-1 charset', { 'content-type': 'application/yaml; charset=iso-8859-1' }],
    ['a utf-16 charset', { 'content-type': 'application/json; charset=utf-16' }],
    ['an unknown parameter', { 'content-type': 'application/json; profile=x' }],
    ['a parameter without a value', { 'content-type': 'application/json; charset' }],
    ['a type without a subtype', { 'content-type': 'application' }],
    ['two content types in one header', { 'content-type': 'application/json, text/yaml' }],
    ['gzip', { 'content-type': 'application/yaml', 'content-encoding': 'gzip' }],
    ['br', { 'content-type': 'application/yaml', 'content-encoding': 'br' }],
    ['deflate', { 'content-type': 'application/yaml', 'content-encoding': 'deflate' }],
    ['an unknown encoding', { 'content-type': 'application/yaml', 'content-encoding': 'x-foo' }],
    ['two encodings', { 'content-type': 'application/yaml', 'content-encoding': 'identity, gzip' }],
  ])('refuses %s with 415 E_MEDIA_TYPE and changes nothing', async (_name, headers) => {
    h = withApiRoute();
    const res = await put(ONE_ROUTE_YAML, headers);
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('E_MEDIA_TYPE');
    expect(h.backend.replaceCalls).toBe(0);
    expect(h.backend.apiRoutes.map((r) => r.prefix)).toEqual(['198.51.100.0/24']);
  });

  it('refuses a gzip body that claims to be YAML, never parsing the compressed bytes', async () => {
    h = withApiRoute();
    const res = await put(gzipSync(ONE_ROUTE_YAML), {
      'content-type': 'application/yaml',
      'content-encoding': 'gzip',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().message).toContain('gzip');
  });

  it('refuses a content type with no body as 415 too, before looking for the body', async () => {
    h = withApiRoute();
    const res = await h.app.inject({ method: 'PUT', url: '/v1/desired' });
    expect(res.statusCode).toBe(415);
    expect(h.backend.replaceCalls).toBe(0);
  });
});

describe('body encoding', () => {
  it.each([
    ['a latin-1 byte', Buffer.from('routes: [] # caf\xe9\n', 'latin1')],
    ['a lone continuation byte', Buffer.from([0x72, 0x6f, 0x75, 0x80])],
    [
      'an overlong encoding',
      Buffer.concat([Buffer.from('routes: []\n# '), Buffer.from([0xc0, 0xaf])]),
    ],
    [
      'a truncated sequence',
      Buffer.concat([Buffer.from('routes: []\n# '), Buffer.from([0xe2, 0x82])]),
    ],
  ])('refuses a body with %s (not UTF-8) with 400 E_ENCODING', async (_name, payload) => {
    h = withApiRoute();
    const res = await put(payload, { 'content-type': 'application/yaml' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_ENCODING');
    expect(h.backend.replaceCalls).toBe(0);
  });

  it('accepts UTF-8 text with a byte order mark', async () => {
    h = makeHarness();
    const res = await put(Buffer.from(`\ufeff${ONE_ROUTE_YAML}`, 'utf8'), {
      'content-type': 'application/yaml',
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('the JSON path is strict JSON', () => {
  it.each([
    ['YAML block syntax', 'routes:\n  - prefix: 203.0.113.0/24\n    next-hop: 192.0.2.1\n'],
    ['a YAML flow mapping', '{routes: [{prefix: 203.0.113.0/24, next-hop: 192.0.2.1}]}'],
    ['a comment', '{"routes": [] /* none */}'],
    ['a trailing comma', '{"routes": [{"prefix":"203.0.113.0/24","next-hop":"192.0.2.1"},]}'],
    ['single quotes', "{'routes': []}"],
  ])('refuses %s sent as application/json with 400 and changes nothing', async (_name, body) => {
    h = withApiRoute();
    const res = await put(body, { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.json().diagnostics.length).toBeGreaterThan(0);
    expect(h.backend.replaceCalls).toBe(0);
    expect(h.backend.apiRoutes.map((r) => r.prefix)).toEqual(['198.51.100.0/24']);
  });
});
