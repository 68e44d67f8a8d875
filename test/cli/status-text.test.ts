// renderLiveStatus / renderOfflineStatus: the one-screen text of `status`, from fixed inputs.
import { describe, expect, it } from 'vitest';
import { renderLiveStatus, renderOfflineStatus, type UiState } from '../../src/cli/status-text.js';
import { assessStatus, type StatusJson } from '../../src/http/status-summary.js';
import { renderStatus } from '../../src/http/views.js';
import { makeStatus } from '../unit/http/fake-backend.js';

const NOW = Date.parse('2026-01-01T00:01:00.000Z');

function state(patch: Record<string, unknown> = {}): UiState {
  const status = {
    ...(renderStatus({
      ...makeStatus(),
      exabgp: { version: '4.2.21', dialect: '4.2' },
      families: { desired: { 'ipv4 unicast': 3 }, announced: { 'ipv4 unicast': 2 } },
      desiredCount: 3,
      announcedCount: 2,
      pendingCount: 1,
      neighbors: { '127.0.0.2': { state: 'up', at: NOW - 30_000 } },
    }) as unknown as StatusJson),
    ...patch,
  } as UiState['status'];
  return {
    generated_at: new Date(NOW).toISOString(),
    token_required: false,
    verdict: assessStatus(status, null),
    plan: null,
    status,
  };
}

describe('renderLiveStatus', () => {
  it('puts the verdict and its reasons first, then the facts', () => {
    const text = renderLiveStatus(state(), 'http://127.0.0.1:5000', NOW);
    const lines = text.split('\n');
    expect(lines[0]).toBe('exabgp-reconciler at http://127.0.0.1:5000: NOT CONVERGED');
    expect(lines[1]).toBe(
      '  - 1 route(s) pending (written and not acknowledged, or unknown after a crash)',
    );
    expect(text).toContain(
      'exabgp      4.2.21 (4.2 dialect), pid 4242 (started 12345), acks on, ledger trusted',
    );
    expect(text).toMatch(/ipv4 unicast +3 +2\n/);
    expect(text).toMatch(/total +3 +2 +pending 1\n/);
    expect(text).toContain('neighbors   127.0.0.2 up (30 s ago)');
    expect(text).toContain('last        no reconcile yet');
  });

  it('shows a section it does not know (speakers, flows) as JSON under its name', () => {
    const text = renderLiveStatus(
      state({ speakers: [{ name: 'dns', ok: false }] }),
      'http://x',
      NOW,
    );
    expect(text).toContain('\nspeakers\n  [\n    {\n      "name": "dns",\n      "ok": false\n');
  });

  it('shows the health checks section as text: gated routes, each check and its last result', () => {
    const checks = {
      floor: 1,
      floor_rule: '50%',
      routes: { announced: 1, drained: 1, withdrawn: 1, held_by_floor: 0 },
      conflicts: [],
      checks: [
        {
          name: 'dns',
          kind: 'tcp',
          state: 'down',
          damped: false,
          transitions: 3,
          origin: 'result',
          last: { ok: false, reason: 'connect ECONNREFUSED', latency_ms: 2 },
        },
        {
          name: 'web',
          kind: 'http',
          state: 'up',
          damped: false,
          transitions: 0,
          origin: 'persisted',
          last: null,
        },
      ],
    };
    const text = renderLiveStatus(state({ checks }), 'http://x', NOW);
    expect(text).toContain(
      'gated routes: 1 announced, 1 drained, 1 withdrawn, 0 held by the floor (50% = 1)',
    );
    expect(text).toContain('dns (tcp) down  connect ECONNREFUSED, 2 ms, 3 transitions');
    expect(text).toContain('web (http) up  no result yet (persisted state), 0 transitions');
  });
});

describe('renderOfflineStatus', () => {
  it('shows the ledger: instance, routes per family, pending', () => {
    const text = renderOfflineStatus({
      state_dir: '/var/lib/exabgp-reconciler',
      instance: { pid: 7, startTime: '99' },
      announced_count: 2,
      pending_count: 0,
      families: { announced: { 'ipv4 unicast': 2 }, last_applied_desired: { 'ipv4 unicast': 2 } },
      api_routes: 0,
    });
    expect(text).toContain('instance    exabgp pid 7 (started 99)');
    expect(text).toMatch(/ipv4 unicast +2 +2\n/);
    expect(text).toContain('pending     none');
  });
});
