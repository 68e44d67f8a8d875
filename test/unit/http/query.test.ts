// Query strings fail closed: a parameter an endpoint does not define (a typo such as ?dryrun=1)
// or one given twice is a 400 E_QUERY that changes nothing, never silently ignored.
import { afterEach, describe, expect, it } from 'vitest';
import { makeHarness, JSON_TYPE, YAML, type Harness } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

const ONE_ROUTE = 'routes:\n  - prefix: 203.0.113.0/24\n    next-hop: 192.0.2.1\n';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' } as const;
const COMMAND = `command=${encodeURIComponent('announce route 100.10.0.0/24 next-hop self')}`;

describe('unknown query parameters on mutating endpoints', () => {
  it.each(['dryrun=1', 'dry-run=true', 'DRY_RUN=1', 'dry_run=true&force=1', '=1', 'x'])(
    'refuses PUT /v1/desired?%s with 400 E_QUERY and stores nothing',
    async (query) => {
      h = makeHarness();
      const res = await h.app.inject({
        method: 'PUT',
        url: `/v1/desired?${query}`,
        payload: ONE_ROUTE,
        headers: YAML,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('E_QUERY');
      expect(h.backend.replaceCalls).toBe(0);
      expect(h.backend.apiRoutes).toEqual([]);
    },
  );

  it('names the unknown parameter and the ones the endpoint takes', async () => {
    h = makeHarness();
    const res = await h.app.inject({
      method: 'PUT',
      url: '/v1/desired?dryrun=1',
      payload: ONE_ROUTE,
      headers: YAML,
    });
    expect(res.json().message).toBe(
      'unknown query parameter "dryrun" (this endpoint takes: dry_run)',
    );
  });

  it.each([
    ['POST /', 'POST', '/?dry_run=1', COMMAND, FORM],
    ['POST /v1/reconcile', 'POST', '/v1/reconcile?now=1', undefined, undefined],
    ['POST /v1/plan/confirm', 'POST', '/v1/plan/confirm?force=1', '{"hash":"abc"}', JSON_TYPE],
  ] as const)(
    'refuses %s with an unknown parameter',
    async (_name, method, url, payload, headers) => {
      h = makeHarness();
      const res = await h.app.inject({
        method,
        url,
        ...(payload === undefined ? {} : { payload }),
        ...(headers === undefined ? {} : { headers }),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('E_QUERY');
      expect(h.backend.replaceCalls).toBe(0);
      expect(h.backend.reconcileRequests).toBe(0);
      expect(h.backend.apiRoutes).toEqual([]);
    },
  );
});

describe('duplicated query parameters', () => {
  it.each(['dry_run=true&dry_run=false', 'dry_run=1&dry_run=1', 'dry_run&dry_run'])(
    'refuses PUT /v1/desired?%s with 400 E_QUERY',
    async (query) => {
      h = makeHarness();
      const res = await h.app.inject({
        method: 'PUT',
        url: `/v1/desired?${query}`,
        payload: ONE_ROUTE,
        headers: YAML,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('E_QUERY');
      expect(h.backend.replaceCalls).toBe(0);
    },
  );

  it('refuses GET /v1/desired?source=api&source=x', async () => {
    h = makeHarness();
    const res = await h.app.inject({ url: '/v1/desired?source=api&source=x' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_QUERY');
  });
});

describe('query parameters on read endpoints', () => {
  it.each([
    '/healthz?verbose=1',
    '/readyz?x=1',
    '/metrics?name=foo',
    '/v1/status?full=1',
    '/v1/plan?format=text',
    '/v1/announced?source=api',
    '/v1/desired?sources=api',
    '/openapi.json?v=3',
  ])('refuses GET %s with 400 E_QUERY', async (url) => {
    h = makeHarness();
    const res = await h.app.inject({ url });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_QUERY');
  });

  it.each(['/v1/desired?source=api', '/v1/desired', '/healthz', '/healthz?', '/v1/status?&'])(
    'answers GET %s (defined or no parameters)',
    async (url) => {
      h = makeHarness();
      expect((await h.app.inject({ url })).statusCode).toBe(200);
    },
  );

  it('keeps a 404 for an unknown path whatever its query', async () => {
    h = makeHarness();
    const res = await h.app.inject({ url: '/v1/nope?x=1' });
    expect(res.statusCode).toBe(404);
  });

  it('still applies a PUT with ?dry_run=true as a dry run', async () => {
    h = makeHarness();
    const res = await h.app.inject({
      method: 'PUT',
      url: '/v1/desired?dry_run=true',
      payload: ONE_ROUTE,
      headers: YAML,
    });
    expect(res.statusCode).toBe(200);
    expect(h.backend.replaceCalls).toBe(0);
  });
});
