// The HTTP API over the real reconciler (ledger, desired state, writer) with a fake ExaBGP sink:
// a PUT reaches ExaBGP as commands and the ledger durably, conflicts name the file, the classic
// form endpoint edits the api source, and a guarded plan is confirmed by its hash.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RouteDirLoader } from '../../src/config/load-routes.js';
import { DEFAULT_GUARD_POLICY } from '../../src/core/guard.js';
import { buildServer } from '../../src/http/server.js';
import { systemClock } from '../../src/runtime/clock.js';
import { DesiredState } from '../../src/runtime/desired-state.js';
import { LocalApiSource } from '../../src/sources/api.js';
import { startExabgpReader } from '../../src/exabgp/io/reader.js';
import { ExabgpWriter } from '../../src/exabgp/io/writer.js';
import { Ledger, readLedgerSnapshot } from '../../src/ledger/ledger.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import { Reconciler } from '../../src/runtime/reconciler.js';
import { FakeExabgp } from '../helpers/fake-exabgp.js';

interface Stack {
  readonly app: FastifyInstance;
  readonly reconciler: Reconciler;
  readonly exabgp: FakeExabgp;
  readonly stateDir: string;
  readonly close: () => Promise<void>;
}

const FILE = 'routes:\n  - prefix: 198.51.100.0/24\n    next-hop: 192.0.2.1\n';

async function startStack(): Promise<Stack> {
  const root = mkdtempSync(join(tmpdir(), 'http-reconciler-'));
  const routesDir = join(root, 'routes.d');
  mkdirSync(routesDir);
  writeFileSync(join(routesDir, 'edge.yaml'), FILE);
  const stateDir = join(root, 'state');
  const ledger = Ledger.open(stateDir);
  const logger = createSilentLogger();
  const exabgp = new FakeExabgp();
  const writer = new ExabgpWriter(
    exabgp.stdout,
    {
      ack: true,
      maxInFlightLines: 16,
      maxInFlightBytes: 1 << 20,
      ackTimeoutMs: 5000,
      quietAfterTimeoutMs: 100,
    },
    systemClock,
  );
  const stopReader = startExabgpReader(exabgp.stdin, {
    onMessage: (m) => {
      if (m.kind === 'ack') writer.handleAck(m.ok);
    },
    onEnd: () => undefined,
  });
  const desired = new DesiredState(new RouteDirLoader(routesDir), new LocalApiSource(ledger), []);
  const reconciler = new Reconciler(
    { logger, clock: systemClock, ledger, writer, desired, instance: null, ledgerTrusted: false },
    {
      guard: DEFAULT_GUARD_POLICY,
      confirmWithdraw: false,
      resyncIntervalMs: 0,
      retryInitialMs: 1000,
      retryMaxMs: 5000,
    },
  );
  await reconciler.reconcileNow('start-up');
  // The reconciler is the HttpBackend itself: no adapter.
  const app = buildServer({ backend: reconciler, logger });
  return {
    app,
    reconciler,
    exabgp,
    stateDir,
    close: async () => {
      await app.close();
      await reconciler.stop();
      stopReader();
      ledger.close();
    },
  };
}

/** Wait until the reconciler has nothing left to do (a reconcile that started after the call). */
function settle(s: Stack): Promise<unknown> {
  return s.reconciler.reconcileNow('test');
}

let s: Stack;
beforeEach(async () => {
  s = await startStack();
});
afterEach(async () => {
  await s.close();
});

describe('HTTP API over the real reconciler', () => {
  it('is ready after the initial sync and has announced the file route', async () => {
    expect((await s.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect(s.exabgp.lines.join('\n')).toContain('198.51.100.0/24');
    const announced = (await s.app.inject({ url: '/v1/announced' })).json();
    expect(announced).toEqual({ routes: [{ prefix: '198.51.100.0/24', 'next-hop': '192.0.2.1' }] });
  });

  it('applies a PUT: commands reach ExaBGP and the api source is in the ledger', async () => {
    const res = await s.app.inject({
      method: 'PUT',
      url: '/v1/desired',
      payload: 'routes:\n  - prefix: 203.0.113.0/24\n    next-hop: 192.0.2.2\n    med: 7\n',
      headers: { 'content-type': 'application/yaml' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().summary.announce).toBe(1);
    // stored durably before the response: a fresh read-only reader sees it
    expect(readLedgerSnapshot(s.stateDir).apiRoutes.map((r) => r.prefix)).toEqual([
      '203.0.113.0/24',
    ]);
    await settle(s);
    expect(s.exabgp.lines.some((l) => l.includes('203.0.113.0/24') && l.includes('med 7'))).toBe(
      true,
    );
    const desired = (await s.app.inject({ url: '/v1/desired' })).json();
    const sources = desired.routes.map((r: { source: { file: string } }) => r.source.file);
    expect(sources).toHaveLength(2);
    expect(sources).toEqual(expect.arrayContaining(['api', expect.stringContaining('edge.yaml')]));
    expect((await s.app.inject({ url: '/v1/plan' })).json().summary).toMatchObject({
      announce: 0,
      update: 0,
      withdraw: 0,
    });
  });

  it('rejects a PUT conflicting with a file route with 409 naming the file and line, writing nothing', async () => {
    const before = s.exabgp.lines.length;
    const res = await s.app.inject({
      method: 'PUT',
      url: '/v1/desired',
      payload: JSON.stringify({ routes: [{ prefix: '198.51.100.0/24', 'next-hop': '192.0.2.9' }] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/edge\.yaml:2/);
    await settle(s);
    expect(s.exabgp.lines.length).toBe(before);
  });

  it('announces and withdraws through the classic form endpoint', async () => {
    const post = (command: string) =>
      s.app.inject({
        method: 'POST',
        url: '/',
        payload: `command=${encodeURIComponent(command)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    expect((await post('announce route 100.10.0.0/24 next-hop self')).statusCode).toBe(200);
    await settle(s);
    expect(
      s.exabgp.lines.some((l) => l.startsWith('announce') && l.includes('100.10.0.0/24')),
    ).toBe(true);
    expect((await post('withdraw route 100.10.0.0/24')).statusCode).toBe(200);
    await settle(s);
    expect(
      s.exabgp.lines.some((l) => l.startsWith('withdraw') && l.includes('100.10.0.0/24')),
    ).toBe(true);
    expect((await post('shutdown')).statusCode).toBe(400);
    expect(s.exabgp.lines.some((l) => l.includes('shutdown'))).toBe(false);
  });

  it('holds a plan withdrawing every route until it is confirmed by its hash', async () => {
    writeFileSync(join(s.stateDir, '..', 'routes.d', 'edge.yaml'), 'routes: []\n');
    await settle(s);
    const status = (await s.app.inject({ url: '/v1/status' })).json();
    expect(status.guard.blocked).toBe(true);
    expect(s.exabgp.lines.some((l) => l.startsWith('withdraw'))).toBe(false);
    const plan = (await s.app.inject({ url: '/v1/plan' })).json();
    expect(plan.guard.tripped).toBe(true);
    const wrong = await s.app.inject({
      method: 'POST',
      url: '/v1/plan/confirm',
      payload: { hash: 'nope' },
    });
    expect(wrong.statusCode).toBe(409);
    const ok = await s.app.inject({
      method: 'POST',
      url: '/v1/plan/confirm',
      payload: { hash: plan.plan_hash },
    });
    expect(ok.statusCode).toBe(202);
    await settle(s);
    expect(
      s.exabgp.lines.some((l) => l.startsWith('withdraw') && l.includes('198.51.100.0/24')),
    ).toBe(true);
  });

  it('counts reconciles in /metrics', async () => {
    await settle(s);
    const text = (await s.app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/exabgp_reconciler_reconciles_total [1-9]/);
    expect(text).toContain('exabgp_reconciler_announced_routes{family="ipv4 unicast"} 1');
  });
});
