// Health checks over HTTP: the `checks` block of GET /v1/status, the verdict's warnings and the
// per-check Prometheus metrics.
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthStatus } from '../../../src/runtime/checks/health-runtime.js';
import { assessStatus } from '../../../src/http/status-summary.js';
import { makeHarness, type Harness } from './server-helpers.js';

let h: Harness;
afterEach(async () => {
  await h.app.close();
});

const CHECKS: HealthStatus = {
  checks: [
    {
      name: 'dns',
      kind: 'tcp',
      state: 'down',
      resultState: 'down',
      origin: 'result',
      damped: false,
      transitions: 3,
      since: '2026-12-02T02:00:00.000Z',
      last: {
        ok: false,
        at: '2026-12-02T02:00:01.000Z',
        latencyMs: 12,
        reason: 'connect ECONNREFUSED',
      },
      runs: 40,
    },
    {
      name: 'web',
      kind: 'http',
      state: 'down',
      resultState: 'up',
      origin: 'result',
      damped: true,
      transitions: 6,
      since: null,
      last: { ok: true, at: '2026-12-02T02:00:01.000Z', latencyMs: 3, reason: 'HTTP 200' },
      runs: 41,
    },
  ],
  routes: { announced: 4, drained: 1, withdrawn: 2, 'held-by-floor': 1, 'held-by-fleet-floor': 2 },
  floor: 4,
  floorRule: '50%',
  conflicts: [],
  fleetFloor: {
    min: 1,
    view: 'known',
    readAgeMs: 200,
    peers: 2,
    truncated: false,
    held: { settling: 0, floor: 2, unknown: 0, truncated: 0 },
  },
};

function withChecks(): Harness {
  const harness = makeHarness();
  harness.backend.status = { ...harness.backend.status, checks: CHECKS };
  return harness;
}

describe('health checks over HTTP', () => {
  it('GET /v1/status has the checks block in snake_case', async () => {
    h = withChecks();
    const body = (await h.app.inject({ url: '/v1/status' })).json();
    expect(body.checks.routes).toEqual({
      announced: 4,
      drained: 1,
      withdrawn: 2,
      held_by_floor: 1,
      held_by_fleet_floor: 2,
    });
    expect(body.checks.fleet_floor).toEqual({
      min: 1,
      view: 'known',
      read_age_ms: 200,
      peers: 2,
      truncated: false,
      held: { settling: 0, floor: 2, unknown: 0, truncated: 0 },
    });
    expect(body.checks.floor_rule).toBe('50%');
    expect(body.checks.checks[0]).toEqual({
      name: 'dns',
      kind: 'tcp',
      state: 'down',
      result_state: 'down',
      origin: 'result',
      damped: false,
      transitions: 3,
      since: '2026-12-02T02:00:00.000Z',
      runs: 40,
      last: {
        ok: false,
        at: '2026-12-02T02:00:01.000Z',
        latency_ms: 12,
        reason: 'connect ECONNREFUSED',
      },
    });
  });

  it('the status verdict warns about checks down or flapping and the floor holding routes', async () => {
    h = withChecks();
    const body = (await h.app.inject({ url: '/v1/status' })).json();
    const verdict = assessStatus(body, null);
    expect(verdict.warnings).toEqual(
      expect.arrayContaining([
        'health check dns is down: connect ECONNREFUSED',
        'health check web is flapping: held down',
        'health floor (50%) keeps 1 gated routes announced whose checks fail',
        'health fleet floor (1) keeps 2 gated routes announced whose checks fail',
      ]),
    );
  });

  it('/metrics has the per-check series and the gated routes by outcome', async () => {
    h = withChecks();
    const text = (await h.app.inject({ url: '/metrics' })).body;
    expect(text).toContain('exabgp_reconciler_health_check_up{check="dns",kind="tcp"} 0');
    expect(text).toContain('exabgp_reconciler_health_check_last_ok{check="web"} 1');
    expect(text).toContain('exabgp_reconciler_health_check_latency_seconds{check="dns"} 0.012');
    expect(text).toContain('exabgp_reconciler_health_check_transitions{check="web"} 6');
    expect(text).toContain('exabgp_reconciler_health_check_damped{check="web"} 1');
    expect(text).toContain('exabgp_reconciler_health_gated_routes{outcome="held_by_floor"} 1');
    expect(text).toContain(
      'exabgp_reconciler_health_gated_routes{outcome="held_by_fleet_floor"} 2',
    );
  });
});
