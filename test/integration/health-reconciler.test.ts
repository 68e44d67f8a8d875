// The reconciler with the health runtime and a fake ExaBGP: closed gates withdraw or drain (one
// line each), a change of a check's state reconciles by itself, the state is persisted in the
// ledger and used at the next start before any result, and the desired sources keep their gates.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteDirLoader } from '../../src/config/load-routes.js';
import { DEFAULT_GUARD_POLICY } from '../../src/core/guard.js';
import { systemClock } from '../../src/runtime/clock.js';
import { DesiredState } from '../../src/runtime/desired-state.js';
import { LocalApiSource } from '../../src/sources/api.js';
import { startExabgpReader } from '../../src/exabgp/io/reader.js';
import { ExabgpWriter } from '../../src/exabgp/io/writer.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import { Reconciler } from '../../src/runtime/reconciler.js';
import { HealthRuntime } from '../../src/runtime/checks/health-runtime.js';
import { FakeExabgp } from '../helpers/fake-exabgp.js';

const FILE = `checks:
  svc:
    kind: tcp
    host: 127.0.0.1
    port: 9
    interval: 100ms
    timeout: 50ms
    rise: 1
    fall: 1
routes:
  - prefix: 10.1.0.0/24
    next-hop: 192.0.2.1
    health: svc
  - prefix: 10.2.0.0/24
    next-hop: 192.0.2.1
    med: 10
    health: svc
    on-down: {drain: {med: 500}}
  - prefix: 10.3.0.0/24
    next-hop: 192.0.2.1
`;

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

function start(state: string, routes: string, up: { value: boolean }) {
  const ledger = Ledger.open(state);
  const exabgp = new FakeExabgp();
  const writer = new ExabgpWriter(
    exabgp.stdout,
    {
      ack: true,
      maxInFlightLines: 8,
      maxInFlightBytes: 1 << 20,
      ackTimeoutMs: 5000,
      quietAfterTimeoutMs: 10,
    },
    systemClock,
  );
  startExabgpReader(exabgp.stdin, {
    onMessage: (m) => (m.kind === 'ack' ? writer.handleAck(m.ok) : undefined),
    onEnd: () => writer.close('stdin closed'),
  });
  const health = new HealthRuntime(ledger, systemClock, createSilentLogger(), {
    floor: { count: 0 },
    probe: () =>
      Promise.resolve(up.value ? { ok: true, reason: 'up' } : { ok: false, reason: 'exit 1' }),
  });
  const reconciler = new Reconciler(
    {
      logger: createSilentLogger(),
      clock: systemClock,
      ledger,
      writer,
      desired: new DesiredState(
        new RouteDirLoader(routes),
        new LocalApiSource(ledger),
        ledger.loadDesiredSources(),
      ),
      instance: null,
      ledgerTrusted: true,
      health,
    },
    {
      guard: DEFAULT_GUARD_POLICY,
      confirmWithdraw: false,
      resyncIntervalMs: 0,
      retryInitialMs: 60_000,
      retryMaxMs: 60_000,
      encode: { maxPrefixesPerLine: 1 },
    },
  );
  const stop = async (): Promise<void> => {
    await reconciler.stop();
    ledger.close();
  };
  return { ledger, exabgp, reconciler, stop };
}

describe('Reconciler with health gates', () => {
  it('withdraws or drains while the check is down, follows it by itself, and persists its state', async () => {
    const root = mkdtempSync(join(tmpdir(), 'health-'));
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    const routes = join(root, 'routes.d');
    mkdirSync(routes);
    writeFileSync(join(routes, 'a.yaml'), FILE);
    const state = join(root, 'state');
    const up = { value: false };
    const a = start(state, routes, up);
    await a.reconciler.reconcileNow('start');
    // Initial state down (no result, nothing persisted): 10.1 withheld, 10.2 drained.
    expect(a.exabgp.lines).toEqual([
      'announce route 10.2.0.0/24 next-hop 192.0.2.1 med 500',
      'announce route 10.3.0.0/24 next-hop 192.0.2.1',
    ]);
    up.value = true;
    await until(() => a.exabgp.lines.length >= 4);
    expect(a.exabgp.lines.slice(2).sort()).toEqual([
      'announce route 10.1.0.0/24 next-hop 192.0.2.1',
      'announce route 10.2.0.0/24 next-hop 192.0.2.1 med 10',
    ]);
    expect(a.ledger.getHealthStates().get('svc')).toBe('up');
    const status = a.reconciler.getStatus().checks;
    expect(status?.checks[0]).toMatchObject({ name: 'svc', state: 'up', transitions: 1 });
    expect(status?.routes).toEqual({
      announced: 2,
      drained: 0,
      withdrawn: 0,
      'held-by-floor': 0,
      'held-by-fleet-floor': 0,
    });
    // The stored desired sources keep the gates (a start with invalid files uses them).
    const stored = a.ledger.loadDesiredSources().flatMap((s) => s.routes);
    expect(stored.map((r) => r.health?.text ?? '').sort()).toEqual([
      '',
      'svc',
      'svc drain med 500',
    ]);
    up.value = false;
    await until(() => a.exabgp.lines.length >= 6);
    expect(a.exabgp.lines.slice(4).sort()).toEqual([
      'announce route 10.2.0.0/24 next-hop 192.0.2.1 med 500',
      'withdraw route 10.1.0.0/24',
    ]);
    await until(() => a.ledger.getHealthStates().get('svc') === 'down');
    up.value = true;
    await until(() => a.exabgp.lines.length >= 8);
    await a.stop();

    // A restart while the probe fails: the persisted `up` holds until fall (1) failure, so the
    // first reconcile sends nothing (the ledger already holds the open gates' routes).
    const b = start(state, routes, { value: false });
    cleanup.push(() => void b.stop());
    expect(b.ledger.getHealthStates().get('svc')).toBe('up');
    const first = await b.reconciler.reconcileNow('restart');
    expect(first.outcome).toBe('no-changes');
    expect(b.exabgp.lines).toEqual([]);
    await until(() => b.exabgp.lines.length >= 2);
    expect(b.exabgp.lines.sort()).toEqual([
      'announce route 10.2.0.0/24 next-hop 192.0.2.1 med 500',
      'withdraw route 10.1.0.0/24',
    ]);
  });
});
