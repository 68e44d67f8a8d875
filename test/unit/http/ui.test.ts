// The /ui routes (fastify inject over the FakeBackend) and the verdict behind them: the page and
// its assets with a strict CSP, /ui/state, the plan excerpt, and "converged, or why not".
import { afterEach, describe, expect, it } from 'vitest';
import { assessStatus, planExcerpt, type StatusJson } from '../../../src/http/status-summary.js';
import { renderStatus } from '../../../src/http/views.js';
import type { PlanView } from '../../../src/runtime/handle.js';
import { route } from '../../helpers/routes.js';
import { makeStatus } from './fake-backend.js';
import { makeHarness, type Harness } from './server-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.close();
  h = undefined;
});

const announced = [
  route({ prefix: '198.51.100.0/24' }),
  route({ prefix: '198.51.101.0/24' }),
  route({ prefix: '2001:db8::/48' }),
];

describe('GET /ui and its assets', () => {
  it.each([
    ['/ui', 'text/html; charset=utf-8', '<script src="/ui/app.js" defer></script>'],
    ['/ui/app.js', 'text/javascript; charset=utf-8', "fetch('/ui/state'"],
    ['/ui/app.css', 'text/css; charset=utf-8', '.badge'],
    ['/ui/favicon.svg', 'image/svg+xml', '<svg'],
  ])('serves %s locally with a self-only CSP', async (url, type, content) => {
    h = makeHarness();
    const res = await h.app.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain(content);
    expect(res.body).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('refuses a query parameter like every other endpoint', async () => {
    h = makeHarness();
    const res = await h.app.inject({ url: '/ui/state?x=1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_QUERY');
  });
});

describe('GET /ui/state', () => {
  it('serves the status, the verdict and the pending plan, and whether a token is needed', async () => {
    h = makeHarness({ announced, fileRoutes: announced.slice(0, 2) }, { token: 't' });
    const body = (await h.app.inject({ url: '/ui/state' })).json();
    expect(body.token_required).toBe(true);
    expect(body.status.exabgp.instance).toEqual({ pid: 4242, start_time: '12345' });
    expect(body.plan.summary).toEqual({ announce: 0, update: 0, withdraw: 1, unchanged: 2 });
    expect(body.plan.text).toContain('- withdraw 2001:db8::/48');
    expect(body.verdict).toEqual({
      converged: false,
      reasons: ['plan not applied yet: +0 ~0 -1'],
      warnings: [],
    });
  });

  it('says converged when nothing is left to do', async () => {
    h = makeHarness({ announced, fileRoutes: announced });
    const body = (await h.app.inject({ url: '/ui/state' })).json();
    expect(body.token_required).toBe(false);
    expect(body.verdict.converged).toBe(true);
    expect(body.plan.text).toBe('No changes.\n');
  });
});

describe('planExcerpt', () => {
  it('cuts a long plan to the first changes and keeps the real summary', () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      route({ prefix: `10.${Math.floor(i / 256)}.${i % 256}.0/24` }),
    );
    const view: PlanView = {
      plan: { announce: many, update: [], withdraw: [], reassert: [], unchanged: 7 },
      guard: { tripped: false, reason: 'ok', withdrawCount: 0, announcedCount: 0 },
      hash: 'h',
    };
    const excerpt = planExcerpt(view, 50);
    expect(excerpt.omitted).toBe(70);
    const lines = excerpt.text.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('+ announce'))).toHaveLength(50);
    expect(lines.slice(-3)).toEqual([
      '... and 70 more changes',
      '',
      'Plan: 120 to announce, 0 to update, 0 to withdraw.',
    ]);
  });
});

describe('assessStatus', () => {
  const base = (): StatusJson => renderStatus(makeStatus()) as unknown as StatusJson;
  it.each<[string, Partial<StatusJson>, string]>([
    [
      'not ready',
      { ready: false, ready_reason: 'initial sync in progress' },
      'not ready: initial sync in progress',
    ],
    ['pending routes', { pending_count: 2 }, '2 route(s) pending'],
    [
      'a held plan',
      { guard: { blocked: true, hash: 'abc', reason: 'too many' } },
      'the mass-withdraw guard holds plan abc: too many',
    ],
    [
      'the last good state in use',
      { using_last_good: true },
      'keeping the last good desired state',
    ],
    [
      'an apply in flight',
      {
        progress: {
          routes_total: 10,
          routes_done: 4,
          routes_failed: 0,
          rate_per_second: 2,
          eta_seconds: 3,
        },
      },
      'applying: 4/10 routes acknowledged (2/s, about 3 s left)',
    ],
    [
      'rejected lines',
      {
        last_reconcile: {
          id: 1,
          started_at: '2026-01-01T00:00:00.000Z',
          duration_ms: 1,
          outcome: 'applied',
          summary: {},
          lines: { written: 2, done: 1, errors: 1, timeouts: 0 },
        },
      },
      'exabgp rejected 1 line(s) of the last reconcile',
    ],
  ])('is not converged with %s', (_name, patch, reason) => {
    const verdict = assessStatus({ ...base(), ...patch }, null);
    expect(verdict.converged).toBe(false);
    expect(verdict.reasons.join('\n')).toContain(reason);
  });

  it('is converged for a ready, idle, clean status with an empty plan', () => {
    expect(assessStatus(base(), null)).toEqual({ converged: true, reasons: [], warnings: [] });
  });

  it('warns about a neighbor down without calling it unconverged', () => {
    const s = {
      ...base(),
      neighbors: { '192.0.2.2': { state: 'down', at: '2026-01-01T00:00:00.000Z' } },
    };
    expect(assessStatus(s, null)).toEqual({
      converged: true,
      reasons: [],
      warnings: ['neighbor 192.0.2.2 is down'],
    });
  });
});
