// The last `run --verify` check over HTTP: its block in GET /v1/status and its Prometheus metrics.
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifyStatus } from '../../../src/runtime/handle.js';
import { makeHarness, type Harness } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

const AT = Date.UTC(2024, 0, 2, 3, 4, 5);

const repaired: VerifyStatus = {
  at: AT,
  durationMs: 840,
  outcome: 'repaired',
  missing: 2,
  different: 1,
  extra: 3,
  repaired: 6,
  neighbors: 2,
  dumpRoutes: 1200,
};

const failed: VerifyStatus = {
  at: AT,
  durationMs: 30_000,
  outcome: 'failed',
  missing: 0,
  different: 0,
  extra: 0,
  repaired: 0,
  neighbors: 0,
  dumpRoutes: 0,
  error: 'no adj-rib-out from exabgp (timeout)',
};

function withVerify(verify: VerifyStatus | null | undefined): Harness {
  const harness = makeHarness();
  if (verify !== undefined) harness.backend.status = { ...harness.backend.status, verify };
  return harness;
}

async function getMetrics(): Promise<string> {
  return (await h.app.inject({ url: '/metrics' })).body;
}

describe('GET /v1/status verify block', () => {
  it('serves the last check in snake_case with an ISO time', async () => {
    h = withVerify(repaired);
    const body = (await h.app.inject({ url: '/v1/status' })).json();
    expect(body.verify).toEqual({
      at: '2024-01-02T03:04:05.000Z',
      duration_ms: 840,
      outcome: 'repaired',
      missing: 2,
      different: 1,
      extra: 3,
      repaired: 6,
      neighbors: 2,
      dump_routes: 1200,
    });
  });

  it('serves the error of a failed check', async () => {
    h = withVerify(failed);
    const body = (await h.app.inject({ url: '/v1/status' })).json();
    expect(body.verify).toMatchObject({
      outcome: 'failed',
      error: 'no adj-rib-out from exabgp (timeout)',
    });
  });

  it('serves null before the first check', async () => {
    h = withVerify(null);
    const body = (await h.app.inject({ url: '/v1/status' })).json();
    expect(body).toHaveProperty('verify', null);
  });

  it('leaves verify out when --verify is off', async () => {
    h = withVerify(undefined);
    const body = (await h.app.inject({ url: '/v1/status' })).json();
    expect(body).not.toHaveProperty('verify');
  });
});

describe('verify metrics', () => {
  it('exposes the drift of the last check by kind and when it ran', async () => {
    h = withVerify(repaired);
    const text = await getMetrics();
    expect(text).toContain('# TYPE exabgp_reconciler_verify_drift_routes gauge');
    expect(text).toContain('exabgp_reconciler_verify_drift_routes{kind="missing"} 2');
    expect(text).toContain('exabgp_reconciler_verify_drift_routes{kind="different"} 1');
    expect(text).toContain('exabgp_reconciler_verify_drift_routes{kind="extra"} 3');
    expect(text).toContain(`exabgp_reconciler_verify_last_timestamp_seconds ${AT / 1000}`);
  });

  it('follows the newest check at each scrape (a clean check after drift reads 0)', async () => {
    h = withVerify(repaired);
    await getMetrics();
    const clean: VerifyStatus = {
      ...repaired,
      at: AT + 60_000,
      outcome: 'clean',
      missing: 0,
      different: 0,
      extra: 0,
      repaired: 0,
    };
    h.backend.status = { ...h.backend.status, verify: clean };
    const text = await getMetrics();
    for (const kind of ['missing', 'different', 'extra']) {
      expect(text).toContain(`exabgp_reconciler_verify_drift_routes{kind="${kind}"} 0`);
    }
    expect(text).toContain(`exabgp_reconciler_verify_last_timestamp_seconds ${AT / 1000 + 60}`);
  });

  it.each([
    ['--verify is off', undefined, 0],
    ['no check has run yet', null, 0],
    ['the last check failed', failed, AT / 1000],
  ] as const)('reports no drift samples when %s', async (_name, verify, timestamp) => {
    h = withVerify(verify);
    const text = await getMetrics();
    expect(text).not.toMatch(/^exabgp_reconciler_verify_drift_routes\{/m);
    expect(text).toContain(`exabgp_reconciler_verify_last_timestamp_seconds ${timestamp}`);
  });
});
