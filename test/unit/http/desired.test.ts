// PUT/GET /v1/desired through fastify inject: formats, every rejection status, ETag/If-Match,
// dry runs, conflicts with file routes, and the guard's 202.
import { afterEach, describe, expect, it } from 'vitest';
import { route } from '../../helpers/routes.js';
import { makeHarness, JSON_TYPE, YAML, type Harness } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

const ONE_ROUTE_YAML =
  'routes:\n  - prefix: 203.0.113.0/24\n    next-hop: 192.0.2.1\n    med: 10\n';
const ONE_ROUTE_JSON = JSON.stringify({
  routes: [{ prefix: '203.0.113.0/24', 'next-hop': '192.0.2.1', med: 10 }],
});

function put(payload: string, headers: Record<string, string> = YAML, url = '/v1/desired') {
  return h.app.inject({ method: 'PUT', url, payload, headers });
}

describe('PUT /v1/desired', () => {
  it.each([
    ['a YAML body', ONE_ROUTE_YAML, YAML],
    ['a JSON body', ONE_ROUTE_JSON, JSON_TYPE],
    [
      'a YAML body sent as text/yaml',
      ONE_ROUTE_YAML,
      { 'content-type': 'text/yaml; charset=utf-8' },
    ],
  ])('stores %s as the api source and answers with the plan', async (_name, payload, headers) => {
    h = makeHarness();
    const res = await put(payload, headers);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.format_version).toBe('1');
    expect(typeof body.plan_hash).toBe('string');
    expect(JSON.stringify(body)).toContain('203.0.113.0/24');
    expect(h.backend.apiRoutes.map((r) => [r.prefix, r.value])).toEqual([
      ['203.0.113.0/24', 'next-hop 192.0.2.1 med 10'],
    ]);
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('answers a dry run with the plan and stores nothing', async () => {
    h = makeHarness();
    const before = (await h.app.inject({ url: '/v1/desired?source=api' })).headers.etag;
    const res = await put(ONE_ROUTE_YAML, YAML, '/v1/desired?dry_run=true');
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(res.json())).toContain('203.0.113.0/24');
    expect(h.backend.apiRoutes).toEqual([]);
    expect(h.backend.replaceCalls).toBe(0);
    expect(res.headers.etag).toBe(before);
  });

  it.each([
    ['YAML syntax', 400, 'E_YAML', 'routes: [\n  - prefix: 10.0.0.0/24\n', YAML],
    ['JSON syntax', 400, 'E_YAML', '{"routes": [', JSON_TYPE],
    [
      'a schema violation',
      422,
      'E_SCHEMA',
      'routes:\n  - prefix: 10.0.0.0/24\n    next-hop: not-an-address\n',
      YAML,
    ],
    [
      'an unknown key',
      422,
      'E_SCHEMA',
      'routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n    colour: red\n',
      YAML,
    ],
    [
      'host bits set',
      422,
      'E_HOST_BITS',
      'routes:\n  - prefix: 10.0.0.1/24\n    next-hop: 192.0.2.1\n',
      YAML,
    ],
  ])(
    'rejects %s with %i and code %s, storing nothing',
    async (_name, status, code, payload, headers) => {
      h = makeHarness();
      const res = await put(payload, headers);
      expect(res.statusCode).toBe(status);
      const body = res.json();
      expect(body.code).toBe(code);
      expect(body.message).toMatch(/^api/);
      expect(body.diagnostics.length).toBeGreaterThan(0);
      expect(h.backend.replaceCalls).toBe(0);
    },
  );

  it('points a schema diagnostic at the JSON path and the YAML line and column', async () => {
    h = makeHarness();
    const res = await put(
      'routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n  - prefix: 10.1.0.0/24\n    next-hop: nope\n',
    );
    expect(res.statusCode).toBe(422);
    const [d] = res.json().diagnostics;
    expect(d).toMatchObject({
      source: 'api',
      path: 'routes[1].next-hop',
      line: 5,
      severity: 'error',
    });
    expect(d.col).toBeGreaterThan(0);
  });

  it('rejects a route conflicting with a file route with 409 naming the file and line', async () => {
    const fileRoute = {
      ...route({ prefix: '203.0.113.0/24', nextHop: '192.0.2.9' }),
      source: { source: 'routes.d/edge.yaml', line: 14, col: 5 },
    };
    h = makeHarness({ fileRoutes: [fileRoute] });
    const res = await put(ONE_ROUTE_YAML);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('E_CONFLICT');
    expect(res.json().message).toContain('routes.d/edge.yaml:14');
    expect(h.backend.apiRoutes).toEqual([]);
  });

  it.each(['yes', 'TRUE ', '2'])('rejects dry_run=%s with 400', async (value) => {
    h = makeHarness();
    const res = await put(ONE_ROUTE_YAML, YAML, `/v1/desired?dry_run=${encodeURIComponent(value)}`);
    expect(res.statusCode).toBe(400);
    expect(h.backend.replaceCalls).toBe(0);
  });

  it('rejects an unsupported content type with 415', async () => {
    h = makeHarness();
    const res = await put(ONE_ROUTE_JSON, { 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('E_MEDIA_TYPE');
  });

  it('rejects a body over the limit with 413', async () => {
    h = makeHarness({}, { bodyLimit: 64 });
    const res = await put(ONE_ROUTE_YAML.repeat(3));
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('E_BODY_TOO_LARGE');
  });

  it('rejects a YAML body with more aliases than the bound with 400', async () => {
    h = makeHarness({}, { maxAliasCount: 2 });
    const aliases = '  - *c\n'.repeat(5);
    const res = await put(
      `routes:\n  - &c { prefix: 10.0.0.0/24, next-hop: 192.0.2.1 }\n${aliases}`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_ALIAS_LIMIT');
  });

  it('answers 202 when the stored plan is held by the mass-withdraw guard', async () => {
    h = makeHarness({ announced: [route({ prefix: '198.51.100.0/24' })] });
    h.backend.apiRoutes = [route({ prefix: '198.51.100.0/24' })];
    const res = await put('routes: []\n');
    expect(res.statusCode).toBe(202);
    expect(h.backend.apiRoutes).toEqual([]);
  });
});

describe('speaker selections in a PUT body', () => {
  const BODY =
    'routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 10.0.0.1\n    speakers: [pop-b]\n' +
    '  - prefix: 198.51.100.0/24\n    next-hop: 10.0.0.1\n    speaker-selector: {site: pop}\n' +
    'flows:\n  - match: {destination: 203.0.113.9/32}\n    then: {discard: true}\n    speakers: [pop-b]\n';

  it("keeps this speaker's entries only, as route files do", async () => {
    h = makeHarness({}, { bodyScope: { speaker: { name: 'pop-a', labels: { site: 'pop' } } } });
    const res = await put(BODY);
    expect(res.statusCode, res.body).toBe(200);
    expect(h.backend.apiRoutes.map((r) => r.prefix)).toEqual(['198.51.100.0/24']);
  });

  it('refuses every selection, at its line and column, for a document the fleet shares', async () => {
    h = makeHarness({}, { bodyScope: { refuseSelection: 'not in a fleet document' } });
    const res = await put(BODY);
    expect(res.statusCode).toBe(422);
    const found = res.json<{ diagnostics: { code: string; path: string; line: number }[] }>()
      .diagnostics;
    expect(found.map((d) => [d.code, d.path, d.line])).toEqual([
      ['E_SELECTOR', 'routes[0].speakers', 4],
      ['E_SELECTOR', 'routes[1].speaker-selector', 7],
      ['E_SELECTOR', 'flows[0].speakers', 11],
    ]);
    expect(h.backend.apiRoutes).toEqual([]);
  });
});

describe('exec checks in a PUT body', () => {
  it('are refused at their kind (the right to PUT routes is not the right to run commands)', async () => {
    h = makeHarness({}, { bodyScope: { refuseExec: 'declare it in a route file' } });
    const res = await put(
      'checks:\n  sh:\n    kind: exec\n    command: [/bin/true]\n' +
        'routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 10.0.0.1\n    health: sh\n',
    );
    expect(res.statusCode).toBe(422);
    const d = res.json<{ diagnostics: { code: string; path: string; line: number }[] }>()
      .diagnostics[0];
    expect(d).toMatchObject({ code: 'E_HEALTH', path: 'checks.sh.kind', line: 3 });
    expect(h.backend.apiRoutes).toEqual([]);
  });
});

describe('ETag and If-Match on /v1/desired', () => {
  it('accepts a PUT whose If-Match is the current ETag, and changes the ETag', async () => {
    h = makeHarness();
    const etag = (await h.app.inject({ url: '/v1/desired?source=api' })).headers.etag as string;
    const res = await put(ONE_ROUTE_YAML, { ...YAML, 'if-match': etag });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).not.toBe(etag);
    expect((await h.app.inject({ url: '/v1/desired' })).headers.etag).toBe(res.headers.etag);
  });

  it.each([['"0123"'], ['W/"abc"'], ['"a", "b"']])(
    'rejects a stale If-Match %s with 412 and the current ETag',
    async (ifMatch) => {
      h = makeHarness();
      const res = await put(ONE_ROUTE_YAML, { ...YAML, 'if-match': ifMatch });
      expect(res.statusCode).toBe(412);
      expect(res.json().code).toBe('E_PRECONDITION_FAILED');
      expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(h.backend.replaceCalls).toBe(0);
    },
  );

  it('stores nothing and keeps the ETag when a PUT sends the routes the api source holds', async () => {
    h = makeHarness();
    const first = await put(ONE_ROUTE_YAML);
    const again = await put(ONE_ROUTE_JSON, JSON_TYPE);
    expect(again.statusCode).toBe(200);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(h.backend.replaceCalls).toBe(1);
  });

  it('accepts If-Match: * whatever the api source holds', async () => {
    h = makeHarness();
    expect((await put(ONE_ROUTE_YAML, { ...YAML, 'if-match': '*' })).statusCode).toBe(200);
  });

  it('gives the same ETag for the same routes whatever their order', async () => {
    h = makeHarness();
    const a = await put(
      'routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n  - prefix: 10.0.1.0/24\n    next-hop: 192.0.2.1\n',
    );
    const b = await put(
      'routes:\n  - prefix: 10.0.1.0/24\n    next-hop: 192.0.2.1\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n',
    );
    expect(a.headers.etag).toBe(b.headers.etag);
  });
});

describe('GET /v1/desired', () => {
  const fileRoute = {
    ...route({ prefix: '198.51.100.0/24', med: 5 }),
    source: { source: 'routes.d/a.yaml', line: 3, col: 5 },
  };

  it("lists the merged desired state with each route's source", async () => {
    h = makeHarness({ fileRoutes: [fileRoute] });
    await put(ONE_ROUTE_YAML);
    const res = await h.app.inject({ url: '/v1/desired' });
    expect(res.statusCode).toBe(200);
    expect(res.json().routes).toEqual([
      {
        prefix: '198.51.100.0/24',
        'next-hop': '192.0.2.254',
        med: 5,
        source: { file: 'routes.d/a.yaml', line: 3, col: 5 },
      },
      {
        prefix: '203.0.113.0/24',
        'next-hop': '192.0.2.1',
        med: 10,
        source: { file: 'api', line: 2, col: 5 },
      },
    ]);
  });

  it.each([
    ['api', [{ prefix: '203.0.113.0/24', 'next-hop': '192.0.2.1', med: 10 }]],
    ['routes.d/a.yaml', [{ prefix: '198.51.100.0/24', 'next-hop': '192.0.2.254', med: 5 }]],
    ['routes.d/none.yaml', []],
  ])('serves ?source=%s as a plain route document', async (source, routes) => {
    h = makeHarness({ fileRoutes: [fileRoute] });
    await put(ONE_ROUTE_YAML);
    const res = await h.app.inject({ url: `/v1/desired?source=${encodeURIComponent(source)}` });
    expect(res.json()).toEqual({ routes });
  });

  it('returns a document that PUT accepts back unchanged (same ETag)', async () => {
    h = makeHarness();
    const first = await put(ONE_ROUTE_YAML);
    const doc = await h.app.inject({ url: '/v1/desired?source=api' });
    const again = await put(doc.body, { ...JSON_TYPE, 'if-match': doc.headers.etag as string });
    expect(again.statusCode).toBe(200);
    expect(again.headers.etag).toBe(first.headers.etag);
  });
});
