// The read and control endpoints, health, metrics, OpenAPI, auth and error mapping (fastify inject).
import { afterEach, describe, expect, it } from 'vitest';
import { route } from '../../helpers/routes.js';
import { makeHarness, YAML, type Harness } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

const announced = [
  route({ prefix: '198.51.100.0/24', med: 5 }),
  route({ prefix: '198.51.101.0/24', med: 5 }),
  route({ prefix: '2001:db8::/48' }),
  route({ prefix: '203.0.113.0/24', target: '192.0.2.7', community: ['65000:1'] }),
];

describe('GET /v1/announced', () => {
  it('serves the ledger as a route document, grouped by value', async () => {
    h = makeHarness({ announced });
    h.backend.pending.add('* ipv4 unicast 198.51.100.0/24');
    const res = await h.app.inject({ url: '/v1/announced' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-pending-routes']).toBe('1');
    expect(res.json()).toEqual({
      routes: [
        { prefixes: ['198.51.100.0/24', '198.51.101.0/24'], 'next-hop': '192.0.2.254', med: 5 },
        { prefix: '2001:db8::/48', 'next-hop': '2001:db8::fe' },
        {
          prefix: '203.0.113.0/24',
          neighbors: ['192.0.2.7'],
          'next-hop': '192.0.2.254',
          community: ['65000:1'],
        },
      ],
    });
  });
});

describe('GET /v1/plan and POST /v1/plan/confirm', () => {
  it('serves the pending plan with the guard verdict and its hash', async () => {
    h = makeHarness({ announced, fileRoutes: announced.slice(0, 3) });
    const res = await h.app.inject({ url: '/v1/plan' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.format_version).toBe('1');
    expect(body.plan_hash).toBe('h0-0-1');
    expect(JSON.stringify(body)).toContain('203.0.113.0/24');
  });

  it('confirms the guarded plan named by its hash', async () => {
    h = makeHarness();
    h.backend.status = {
      ...h.backend.status,
      guardBlocked: {
        tripped: true,
        reason: 'r',
        withdrawCount: 4,
        announcedCount: 4,
        hash: 'abc',
      },
    };
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/plan/confirm',
      payload: { hash: 'abc' },
    });
    expect(res.statusCode).toBe(202);
    expect(h.backend.confirmed).toEqual(['abc']);
  });

  it.each([
    ['no plan is held', null, { hash: 'abc' }, 409, 'no plan is waiting for confirmation'],
    ['the hash differs', 'xyz', { hash: 'abc' }, 409, 'does not match the guarded plan xyz'],
    ['the hash is missing', 'xyz', {}, 400, 'hash'],
    ['the hash is not text', 'xyz', { hash: { value: 'xyz' } }, 400, 'hash'],
  ])('refuses to confirm when %s', async (_name, held, payload, status, message) => {
    h = makeHarness();
    if (held !== null) {
      h.backend.status = {
        ...h.backend.status,
        guardBlocked: {
          tripped: true,
          reason: 'r',
          withdrawCount: 1,
          announcedCount: 1,
          hash: held,
        },
      };
    }
    const res = await h.app.inject({ method: 'POST', url: '/v1/plan/confirm', payload });
    expect(res.statusCode).toBe(status);
    expect(res.json().message).toContain(message);
    expect(h.backend.confirmed).toEqual([]);
  });
});

describe('POST /v1/reconcile', () => {
  it('requests a reconcile and answers 202', async () => {
    h = makeHarness();
    const res = await h.app.inject({ method: 'POST', url: '/v1/reconcile' });
    expect(res.statusCode).toBe(202);
    expect(h.backend.reconcileRequests).toBe(1);
  });
});

describe('GET /v1/status', () => {
  it('serves the last reconcile, counters, diagnostics with positions and the ExaBGP instance', async () => {
    h = makeHarness();
    h.backend.status = {
      ...h.backend.status,
      lastReconcile: {
        id: 3,
        startedAt: Date.UTC(2024, 0, 2),
        durationMs: 12,
        outcome: 'applied',
        summary: { announce: 1, update: 0, withdraw: 0, unchanged: 4 },
        lines: { written: 1, done: 1, errors: 0, timeouts: 0 },
      },
      lastSuccessAt: Date.UTC(2024, 0, 2),
      counters: {
        reconciles: 3,
        reconcileErrors: 1,
        ackErrors: 2,
        ackTimeouts: 1,
        guardBlocks: 0,
        linesWritten: 7,
      },
      diagnostics: [
        {
          code: 'E_SCHEMA',
          severity: 'error',
          file: 'routes.d/a.yaml',
          line: 4,
          col: 7,
          path: 'routes[0].med',
          message: 'bad',
        },
      ],
      recentAckErrors: [
        {
          at: Date.UTC(2024, 0, 1),
          line: 'announce route 10.0.0.0/24 next-hop self',
          message: 'error',
        },
      ],
    };
    const body = (await h.app.inject({ url: '/v1/status' })).json();
    expect(body.ready).toBe(true);
    expect(body.exabgp).toEqual({ instance: { pid: 4242, start_time: '12345' }, ack: 'on' });
    expect(body.last_reconcile).toMatchObject({
      id: 3,
      started_at: '2024-01-02T00:00:00.000Z',
      duration_ms: 12,
      outcome: 'applied',
      lines: { written: 1, done: 1, errors: 0, timeouts: 0 },
    });
    expect(body.last_success_at).toBe('2024-01-02T00:00:00.000Z');
    expect(body.counters).toEqual({
      reconciles: 3,
      reconcile_errors: 1,
      ack_errors: 2,
      guard_blocks: 0,
      ack_timeouts: 1,
      lines_written: 7,
    });
    expect(body.diagnostics).toEqual([
      {
        code: 'E_SCHEMA',
        severity: 'error',
        source: 'routes.d/a.yaml',
        path: 'routes[0].med',
        line: 4,
        col: 7,
        message: 'bad',
      },
    ]);
    expect(body.guard).toEqual({ blocked: false });
    expect(body.recent_ack_errors[0].line).toBe('announce route 10.0.0.0/24 next-hop self');
    expect(body.neighbors).toEqual({});
  });

  it('serves the ledger trust, the last-good flag, the route counts and the neighbors', async () => {
    h = makeHarness();
    h.backend.status = {
      ...h.backend.status,
      counters: { ...h.backend.status.counters, ackTimeouts: 4 },
      ledgerTrusted: false,
      usingLastGood: true,
      desiredCount: 5,
      announcedCount: 3,
      pendingCount: 2,
      neighbors: {
        '192.0.2.1': { state: 'up', at: Date.UTC(2024, 0, 1) },
        '192.0.2.2': { state: 'down', at: Date.UTC(2024, 0, 1), reason: 'hold timer expired' },
      },
    };
    const body = (await h.app.inject({ url: '/v1/status' })).json();
    expect(body).toMatchObject({
      ledger_trusted: false,
      using_last_good: true,
      desired_count: 5,
      announced_count: 3,
      pending_count: 2,
    });
    expect(body.neighbors).toEqual({
      '192.0.2.1': { state: 'up', at: '2024-01-01T00:00:00.000Z' },
      '192.0.2.2': {
        state: 'down',
        at: '2024-01-01T00:00:00.000Z',
        reason: 'hold timer expired',
      },
    });
    expect((await h.app.inject({ url: '/healthz' })).json().status).toBe('degraded');
    const metrics = (await h.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('exabgp_reconciler_ack_timeouts_total 4');
    expect(metrics).toContain('exabgp_reconciler_using_last_good 1');
  });
});

describe('health, readiness and metrics', () => {
  it.each([
    [[], 'ok'],
    [
      [
        {
          code: 'E_YAML',
          severity: 'error',
          file: 'a.yaml',
          line: 1,
          col: 1,
          path: '',
          message: 'x',
        },
      ],
      'degraded',
    ],
  ] as const)('reports liveness with diagnostics %j as %s', async (diagnostics, status) => {
    h = makeHarness();
    h.backend.status = { ...h.backend.status, diagnostics };
    const res = await h.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe(status);
  });

  it.each([
    [true, 200],
    [false, 503],
  ])('answers /readyz for ready=%s with %i', async (ready, code) => {
    h = makeHarness();
    h.backend.status = { ...h.backend.status, ready, readyReason: 'initial sync in progress' };
    const res = await h.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(code);
    if (!ready) expect(res.json().reason).toBe('initial sync in progress');
  });

  it('exposes the Prometheus metrics collected from the backend at scrape time', async () => {
    h = makeHarness({
      announced,
      fileRoutes: [{ ...announced[0]!, source: { source: 'routes.d/a.yaml', line: 1, col: 1 } }],
    });
    h.backend.status = {
      ...h.backend.status,
      lastReconcile: {
        id: 1,
        startedAt: 0,
        durationMs: 250,
        outcome: 'applied',
        summary: { announce: 0, update: 0, withdraw: 0, unchanged: 0 },
        lines: { written: 0, done: 0, errors: 0, timeouts: 0 },
      },
      lastSuccessAt: 1_700_000_000_000,
      counters: {
        reconciles: 5,
        reconcileErrors: 2,
        ackErrors: 3,
        ackTimeouts: 0,
        guardBlocks: 1,
        linesWritten: 11,
      },
    };
    const res = await h.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toContain('exabgp_reconciler_announced_routes{family="ipv4 unicast"} 3');
    expect(text).toContain('exabgp_reconciler_announced_routes{family="ipv6 unicast"} 1');
    expect(text).toContain('exabgp_reconciler_desired_routes{source="routes.d/a.yaml"} 1');
    expect(text).toContain('exabgp_reconciler_reconcile_duration_seconds_count 1');
    expect(text).toContain('exabgp_reconciler_reconcile_errors_total 2');
    expect(text).toContain('exabgp_reconciler_ack_errors_total 3');
    expect(text).toContain('exabgp_reconciler_guard_blocks_total 1');
    expect(text).toContain('exabgp_reconciler_lines_written_total 11');
    expect(text).toContain(
      'exabgp_reconciler_last_successful_reconcile_timestamp_seconds 1700000000',
    );
    expect(text).toContain('exabgp_reconciler_diagnostics{severity="error"} 0');
    const again = (await h.app.inject({ url: '/metrics' })).body;
    expect(again).toContain('exabgp_reconciler_reconcile_duration_seconds_count 1');
  });
});

describe('OpenAPI document', () => {
  it('documents every endpoint at /openapi.json', async () => {
    h = makeHarness();
    const res = await h.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/',
      '/healthz',
      '/metrics',
      '/readyz',
      '/ui/state',
      '/v1/announced',
      '/v1/desired',
      '/v1/plan',
      '/v1/plan/confirm',
      '/v1/reconcile',
      '/v1/status',
    ]);
    expect(Object.keys(doc.paths['/v1/desired'].put.requestBody.content).sort()).toEqual([
      'application/json',
      'application/yaml',
    ]);
  });
});

describe('bearer token', () => {
  const TOKEN = 's3cret-token';
  const mutating = [
    ['PUT', '/v1/desired', 'routes: []\n', YAML],
    ['POST', '/v1/reconcile', undefined, {}],
    [
      'POST',
      '/v1/plan/confirm',
      JSON.stringify({ hash: 'x' }),
      { 'content-type': 'application/json' },
    ],
    [
      'POST',
      '/',
      'command=withdraw%20route%2010.0.0.0%2F24',
      { 'content-type': 'application/x-www-form-urlencoded' },
    ],
  ] as const;

  it.each(mutating)(
    'refuses %s %s without the token (401)',
    async (method, url, payload, headers) => {
      h = makeHarness({}, { token: TOKEN });
      for (const auth of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
        const res = await h.app.inject({
          method,
          url,
          ...(payload === undefined ? {} : { payload }),
          headers: { ...headers, ...(auth === undefined ? {} : { authorization: auth }) },
        });
        expect(res.statusCode).toBe(401);
        expect(res.json().code).toBe('E_UNAUTHORIZED');
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
      expect(h.backend.reconcileRequests + h.backend.replaceCalls).toBe(0);
    },
  );

  it.each(mutating)('accepts %s %s with the token', async (method, url, payload, headers) => {
    h = makeHarness({}, { token: TOKEN });
    const res = await h.app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload }),
      headers: { ...headers, authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).not.toBe(401);
  });

  it.each([
    '/healthz',
    '/readyz',
    '/metrics',
    '/v1/status',
    '/v1/desired',
    '/v1/announced',
    '/v1/plan',
  ])('serves GET %s without a token', async (url) => {
    h = makeHarness({}, { token: TOKEN });
    expect((await h.app.inject({ url })).statusCode).toBe(200);
  });
});

describe('errors', () => {
  it('answers an unknown route with 404 and an error body', async () => {
    h = makeHarness();
    const res = await h.app.inject({ url: '/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'E_NOT_FOUND', message: 'no route GET /v1/nope' });
  });

  it('answers a backend failure with 500 without crashing', async () => {
    h = makeHarness();
    h.backend.getPlan = () => {
      throw new Error('boom');
    };
    const res = await h.app.inject({ url: '/v1/plan' });
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe('E_INTERNAL');
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
