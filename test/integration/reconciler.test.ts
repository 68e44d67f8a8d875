import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RouteDirLoader } from '../../src/config/load-routes.js';
import { DEFAULT_GUARD_POLICY } from '../../src/core/guard.js';
import { routeKey } from '../../src/core/route.js';
import { systemClock } from '../../src/runtime/clock.js';
import { DesiredState } from '../../src/runtime/desired-state.js';
import { LocalApiSource } from '../../src/sources/api.js';
import { startExabgpReader } from '../../src/exabgp/io/reader.js';
import { ExabgpWriter } from '../../src/exabgp/io/writer.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { createSilentLogger } from '../../src/runtime/logger.js';
import { Reconciler, type ReconcilerOptions } from '../../src/runtime/reconciler.js';
import { FakeExabgp, type FakeExabgpOptions } from '../helpers/fake-exabgp.js';
import { route } from '../helpers/routes.js';

const dirs: string[] = [];
const ledgers: Ledger[] = [];
afterEach(() => {
  for (const l of ledgers.splice(0)) l.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const FILE_A = `routes:
  - prefix: 10.0.0.0/24
    next-hop: 192.0.2.1
  - prefix: 10.0.1.0/24
    next-hop: 192.0.2.1
    med: 10
`;

interface Setup {
  root: string;
  routes: string;
  state: string;
  write: (name: string, text: string) => void;
  start: (opts?: Partial<StartOptions>) => Started;
}

interface StartOptions {
  fake: FakeExabgpOptions;
  ack: boolean;
  ackTimeoutMs: number;
  reconciler: Partial<ReconcilerOptions>;
  ledgerTrusted: boolean;
  /** Hand DesiredState a reader of the last applied state (as `run` does); counts its calls. */
  lastAppliedReads: { count: number };
}

interface Started {
  exabgp: FakeExabgp;
  ledger: Ledger;
  writer: ExabgpWriter;
  reconciler: Reconciler;
}

function setup(files: Record<string, string> = { 'a.yaml': FILE_A }): Setup {
  const root = mkdtempSync(join(tmpdir(), 'reconciler-'));
  dirs.push(root);
  const routes = join(root, 'routes.d');
  mkdirSync(routes);
  const write = (name: string, text: string): void => writeFileSync(join(routes, name), text);
  for (const [name, text] of Object.entries(files)) write(name, text);
  const state = join(root, 'state');
  const start = (opts: Partial<StartOptions> = {}): Started => {
    const ledger = Ledger.open(state);
    ledgers.push(ledger);
    if (opts.ledgerTrusted === false) ledger.resetForInstance(null);
    const exabgp = new FakeExabgp(opts.fake);
    const writer = new ExabgpWriter(
      exabgp.stdout,
      {
        ack: opts.ack ?? true,
        maxInFlightLines: 8,
        maxInFlightBytes: 1 << 20,
        ackTimeoutMs: opts.ackTimeoutMs ?? 5000,
        quietAfterTimeoutMs: 10,
      },
      systemClock,
    );
    startExabgpReader(exabgp.stdin, {
      onMessage: (m) => (m.kind === 'ack' ? writer.handleAck(m.ok) : undefined),
      onEnd: () => writer.close('stdin closed'),
    });
    const desired = new DesiredState(
      new RouteDirLoader(routes),
      new LocalApiSource(ledger),
      opts.lastAppliedReads === undefined
        ? ledger.loadDesiredSources()
        : () => {
            opts.lastAppliedReads!.count += 1;
            return ledger.loadDesiredSources();
          },
    );
    const reconciler = new Reconciler(
      {
        logger: createSilentLogger(),
        clock: systemClock,
        ledger,
        writer,
        desired,
        instance: null,
        ledgerTrusted: true,
      },
      {
        guard: DEFAULT_GUARD_POLICY,
        confirmWithdraw: false,
        resyncIntervalMs: 0,
        retryInitialMs: 60_000,
        retryMaxMs: 60_000,
        apply: { batchLines: 4, commitEveryLines: 3, commitDelayMs: 1 },
        encode: { maxPrefixesPerLine: 1 },
        ...opts.reconciler,
      },
    );
    return { exabgp, ledger, writer, reconciler };
  };
  return { root, routes, state, write, start };
}

const keys = (ledger: Ledger): string[] => [...ledger.announced.keys()].sort();

describe('Reconciler with a fake ExaBGP', () => {
  it('announces the desired state and commits what ExaBGP acknowledged', async () => {
    const { start } = setup();
    const { exabgp, ledger, reconciler } = start();
    const record = await reconciler.reconcileNow('test');
    expect(record.outcome).toBe('applied');
    expect(exabgp.lines).toEqual([
      'announce route 10.0.0.0/24 next-hop 192.0.2.1',
      'announce route 10.0.1.0/24 next-hop 192.0.2.1 med 10',
    ]);
    expect(keys(ledger)).toEqual(['* ipv4 unicast 10.0.0.0/24', '* ipv4 unicast 10.0.1.0/24']);
    expect(ledger.pending.size).toBe(0);
    expect(reconciler.getStatus().ready).toBe(true);
  });

  it('sends nothing when run twice (idempotent)', async () => {
    const { start } = setup();
    const { exabgp, reconciler } = start();
    await reconciler.reconcileNow('first');
    const second = await reconciler.reconcileNow('second');
    expect(second.outcome).toBe('no-changes');
    expect(exabgp.lines).toHaveLength(2);
  });

  it('applies only the diff after a file edit, an update as one announce', async () => {
    const { start, write } = setup();
    const { exabgp, ledger, reconciler } = start();
    await reconciler.reconcileNow('first');
    write(
      'a.yaml',
      FILE_A.replace('med: 10', 'med: 20').replace(
        / {2}- prefix: 10\.0\.0\.0\/24\n {4}next-hop: 192\.0\.2\.1\n/,
        '',
      ),
    );
    write('b.yaml', 'routes:\n  - prefix: 10.9.0.0/24\n    next-hop: 192.0.2.9\n');
    await reconciler.reconcileNow('edit');
    expect(exabgp.lines.slice(2)).toEqual([
      'announce route 10.0.1.0/24 next-hop 192.0.2.1 med 20',
      'announce route 10.9.0.0/24 next-hop 192.0.2.9',
      'withdraw route 10.0.0.0/24',
    ]);
    expect(keys(ledger)).toEqual(['* ipv4 unicast 10.0.1.0/24', '* ipv4 unicast 10.9.0.0/24']);
  });

  it('diffs only the keys an edit touched while converged, and everything when asked or after a failure', async () => {
    const { start, write } = setup();
    const { exabgp, reconciler } = start({
      fake: { answer: (line) => (line.includes('10.9.1.0/24') ? 'error' : 'done') },
    });
    expect((await reconciler.reconcileNow('first')).diff).toEqual({ scope: 'full', keys: 2 });
    write('b.yaml', 'routes:\n  - prefix: 10.9.0.0/24\n    next-hop: 192.0.2.9\n');
    const edit = await reconciler.reconcileNow('edit');
    expect(edit.diff).toEqual({ scope: 'touched', keys: 1 });
    expect(exabgp.lines.slice(2)).toEqual(['announce route 10.9.0.0/24 next-hop 192.0.2.9']);
    expect((await reconciler.reconcileNow('nothing')).diff).toEqual({ scope: 'touched', keys: 0 });
    const full = await reconciler.reconcileNow('resync', { full: true });
    expect(full).toMatchObject({ outcome: 'no-changes', diff: { scope: 'full', keys: 3 } });
    // A rejected line leaves ExaBGP and the ledger apart from the desired state: the next
    // reconcile diffs everything and re-sends it.
    write('b.yaml', 'routes:\n  - prefix: 10.9.1.0/24\n    next-hop: 192.0.2.9\n');
    const rejected = await reconciler.reconcileNow('edit 2');
    expect(rejected).toMatchObject({ diff: { scope: 'touched', keys: 2 }, lines: { errors: 1 } });
    const retry = await reconciler.reconcileNow('retry');
    expect(retry.diff).toEqual({ scope: 'full', keys: 3 });
    expect(exabgp.lines.slice(-1)).toEqual(['announce route 10.9.1.0/24 next-hop 192.0.2.9']);
  });

  it('keeps the last good desired state whole while a file is invalid, and recovers when fixed', async () => {
    const { start, write } = setup();
    const { exabgp, ledger, reconciler } = start();
    await reconciler.reconcileNow('first');
    write('a.yaml', 'routes:\n  - prefix: 10.0.0.0/33\n    next-hop: 192.0.2.1\n');
    const bad = await reconciler.reconcileNow('bad');
    expect(bad.outcome).toBe('no-changes');
    expect(exabgp.lines).toHaveLength(2);
    const status = reconciler.getStatus();
    expect(status.usingLastGood).toBe(true);
    expect(status.diagnostics[0]).toMatchObject({
      file: expect.stringContaining('a.yaml'),
      line: 2,
    });
    expect(keys(ledger)).toHaveLength(2);
    write('a.yaml', 'routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\n');
    await reconciler.reconcileNow('fixed');
    expect(exabgp.lines.slice(2)).toEqual(['withdraw route 10.0.1.0/24']);
    expect(reconciler.getStatus().diagnostics).toEqual([]);
  });

  it('applies nothing when there has never been a valid desired state', async () => {
    const { start } = setup({ 'a.yaml': 'routes: [' });
    const { exabgp, reconciler } = start();
    await reconciler.reconcileNow('start');
    expect(exabgp.lines).toEqual([]);
    expect(reconciler.getStatus()).toMatchObject({
      ready: false,
      readyReason: 'no valid desired state',
    });
  });

  it('uses the last applied desired state from the ledger when the files are invalid at start-up', async () => {
    const s = setup();
    const first = s.start();
    await first.reconciler.reconcileNow('first');
    first.ledger.close();
    s.write('a.yaml', 'routes: [');
    // a new ExaBGP instance: its RIB is empty, the ledger is reset, desired comes from the ledger
    const second = s.start({ ledgerTrusted: false });
    await second.reconciler.reconcileNow('restart');
    expect(second.exabgp.lines).toEqual(first.exabgp.lines);
    expect(keys(second.ledger)).toHaveLength(2);
  });

  it('reads the last applied desired state only when the files are invalid at start-up', async () => {
    const s = setup();
    const first = s.start();
    await first.reconciler.reconcileNow('first');
    first.ledger.close();
    const valid = { count: 0 };
    const second = s.start({ ledgerTrusted: false, lastAppliedReads: valid });
    await second.reconciler.reconcileNow('restart');
    expect(valid.count).toBe(0);
    expect(second.exabgp.lines).toEqual(first.exabgp.lines);
    second.ledger.close();
    s.write('a.yaml', 'routes: [');
    const invalid = { count: 0 };
    const third = s.start({ ledgerTrusted: false, lastAppliedReads: invalid });
    await third.reconciler.reconcileNow('restart');
    await third.reconciler.reconcileNow('again');
    expect(invalid.count).toBe(1);
    expect(third.exabgp.lines).toEqual(first.exabgp.lines);
    expect(keys(third.ledger)).toHaveLength(2);
  });

  it('does not apply a plan that trips the mass-withdraw guard until its hash is confirmed', async () => {
    const { start, write } = setup();
    const { exabgp, ledger, reconciler } = start();
    await reconciler.reconcileNow('first');
    write('a.yaml', 'routes: []\n');
    const blocked = await reconciler.reconcileNow('emptied');
    expect(blocked.outcome).toBe('guard-blocked');
    expect(exabgp.lines).toHaveLength(2);
    const guard = reconciler.getStatus().guardBlocked;
    expect(guard).toMatchObject({ tripped: true, withdrawCount: 2, announcedCount: 2 });
    expect(reconciler.confirmPlan('0'.repeat(64))).toMatchObject({
      ok: false,
      reason: 'hash-mismatch',
    });
    const applied = reconciler.reconcileNow('confirm');
    expect(reconciler.confirmPlan(guard!.hash)).toEqual({ ok: true });
    await applied;
    await vi.waitFor(() => expect(ledger.announced.size).toBe(0));
    expect(exabgp.lines.slice(2).every((l) => l.startsWith('withdraw route'))).toBe(true);
    expect(reconciler.getStatus().guardBlocked).toBeNull();
  });

  it('applies the first guarded plan with --confirm-withdraw', async () => {
    const s = setup();
    const first = s.start();
    await first.reconciler.reconcileNow('first');
    first.ledger.close();
    s.write('a.yaml', 'routes: []\n');
    const second = s.start({ reconciler: { confirmWithdraw: true } });
    expect((await second.reconciler.reconcileNow('start')).outcome).toBe('applied');
    expect(second.ledger.announced.size).toBe(0);
  });

  it('does not commit a line ExaBGP rejects, surfaces it and re-sends it on the next reconcile', async () => {
    const { start } = setup();
    const { exabgp, ledger, reconciler } = start({
      fake: { answer: (line) => (line.includes('10.0.1.0/24') ? 'error' : 'done') },
    });
    const record = await reconciler.reconcileNow('first');
    expect(record.lines).toMatchObject({ errors: 1, done: 1 });
    expect(keys(ledger)).toEqual(['* ipv4 unicast 10.0.0.0/24']);
    expect(ledger.pending.size).toBe(0);
    const status = reconciler.getStatus();
    expect(status.recentAckErrors.map((e) => e.line)).toEqual([
      'announce route 10.0.1.0/24 next-hop 192.0.2.1 med 10',
    ]);
    expect(status.counters.ackErrors).toBe(1);
    exabgp.setAnswer(() => 'done');
    await reconciler.reconcileNow('retry');
    expect(exabgp.lines.slice(2)).toEqual(['announce route 10.0.1.0/24 next-hop 192.0.2.1 med 10']);
    expect(keys(ledger)).toHaveLength(2);
  });

  it('leaves a line without an answer pending, and the next reconcile re-asserts it', async () => {
    const { start } = setup();
    const { exabgp, ledger, reconciler } = start({
      ackTimeoutMs: 50,
      fake: { answer: (line) => (line.includes('10.0.1.0/24') ? 'none' : 'done') },
    });
    const record = await reconciler.reconcileNow('first');
    expect(record.lines.timeouts).toBe(1);
    expect([...ledger.pendingKeys]).toEqual(['* ipv4 unicast 10.0.1.0/24']);
    exabgp.setAnswer(() => 'done');
    await reconciler.reconcileNow('again');
    expect(exabgp.lines.slice(2)).toEqual(['announce route 10.0.1.0/24 next-hop 192.0.2.1 med 10']);
    expect(ledger.pending.size).toBe(0);
    expect(keys(ledger)).toHaveLength(2);
  });

  it('commits lines when written with acks off', async () => {
    const { start } = setup();
    const { exabgp, ledger, reconciler } = start({ ack: false, fake: { answer: () => 'none' } });
    await reconciler.reconcileNow('first');
    expect(exabgp.lines).toHaveLength(2);
    expect(keys(ledger)).toHaveLength(2);
    expect(ledger.pending.size).toBe(0);
  });

  it('coalesces triggers that arrive during a reconcile into one more run', async () => {
    const { start, write } = setup();
    const { exabgp, reconciler } = start({ fake: { hold: true } });
    const first = reconciler.reconcileNow('first');
    await exabgp.waitForLines(1);
    write('b.yaml', 'routes:\n  - prefix: 10.9.0.0/24\n    next-hop: 192.0.2.9\n');
    const later = [1, 2, 3, 4, 5].map((i) => reconciler.reconcileNow(`burst ${i}`));
    exabgp.release();
    const records = await Promise.all([first, ...later]);
    expect(new Set(records.slice(1).map((r) => r.id)).size).toBe(1);
    expect(reconciler.getStatus().counters.reconciles).toBe(2);
    expect(exabgp.lines.filter((l) => l.includes('10.9.0.0/24'))).toHaveLength(1);
  });

  it('keeps in the ledger exactly the lines acknowledged before the pipe broke', async () => {
    const { start } = setup({
      'a.yaml': `routes:\n  - prefixes: [10.0.0.0/24, 10.0.1.0/24, 10.0.2.0/24, 10.0.3.0/24]\n    next-hop: 192.0.2.1\n`,
    });
    const { exabgp, ledger, reconciler } = start({ fake: { hold: true } });
    const run = reconciler.reconcileNow('first');
    await exabgp.waitForLines(4);
    exabgp.release();
    exabgp.holdAnswers();
    await vi.waitFor(() => expect(ledger.announced.size).toBe(4));
    await run;
    const second = reconciler.reconcileNow('second');
    await new Promise((r) => setTimeout(r, 5));
    exabgp.breakPipe();
    await second;
    expect(ledger.announced.size).toBe(4);
  });

  it('merges the api source, stores it durably and rejects a conflict with a file route', async () => {
    const { start } = setup();
    const { exabgp, ledger, reconciler } = start();
    await reconciler.reconcileNow('first');
    const api = route({ prefix: '10.5.0.0/24', nextHop: '192.0.2.5' });
    const result = await reconciler.replaceApiRoutes([api]);
    expect(result.ok).toBe(true);
    expect(ledger.getApiRoutes().map(routeKey)).toEqual([routeKey(api)]);
    await reconciler.reconcileNow('api');
    expect(exabgp.lines).toContain('announce route 10.5.0.0/24 next-hop 192.0.2.5');
    const conflict = await reconciler.replaceApiRoutes([
      route({ prefix: '10.0.0.0/24', nextHop: '192.0.2.77' }),
    ]);
    expect(conflict.ok).toBe(false);
    if (!conflict.ok) expect(conflict.diagnostics[0]?.code).toBe('E_CONFLICT');
    expect(ledger.getApiRoutes().map(routeKey)).toEqual([routeKey(api)]);
  });

  it('withdraws an entry at its ttl, counted from first acceptance across a restart', async () => {
    const ttl = `routes:
  - prefix: 10.5.0.0/24
    next-hop: 192.0.2.1
    ttl: 1500ms
`;
    const { start } = setup({ 'a.yaml': FILE_A, 'ttl.yaml': ttl });
    const first = start();
    const accepted = Date.now();
    await first.reconciler.reconcileNow('start');
    expect(keys(first.ledger)).toContain('* ipv4 unicast 10.5.0.0/24');
    expect(first.reconciler.getStatus().expiry).toMatchObject({ expiring: 1, expired: 0 });
    // A restart 0.6 s later must not restart the clock: it expires 1.5 s after first acceptance.
    await new Promise((r) => setTimeout(r, 600));
    await first.reconciler.stop();
    first.ledger.close();
    const second = start();
    await second.reconciler.reconcileNow('restart');
    expect(second.exabgp.lines).toEqual([]);
    await vi.waitFor(() => expect(second.exabgp.lines).toEqual(['withdraw route 10.5.0.0/24']), {
      timeout: 3000,
      interval: 20,
    });
    const late = Date.now() - (accepted + 1500);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(1000);
    expect(keys(second.ledger)).not.toContain('* ipv4 unicast 10.5.0.0/24');
    expect(second.reconciler.getStatus().expiry).toMatchObject({ expiring: 0, expired: 1 });
    expect(second.reconciler.getStatus().expiry?.entries[0]?.when).toMatch(/^expired \d+s ago$/);
    await second.reconciler.stop();
  });

  it('never announces an entry whose expires is already past, and withdraws one that passes it', async () => {
    const soon = new Date(Date.now() + 800).toISOString();
    const file = `routes:
  - prefix: 10.6.0.0/24
    next-hop: 192.0.2.1
    expires: 2020-01-01T00:00:00Z
  - prefix: 10.7.0.0/24
    next-hop: 192.0.2.1
    expires: ${soon}
`;
    const { start } = setup({ 'a.yaml': FILE_A, 'exp.yaml': file });
    const { exabgp, reconciler } = start();
    await reconciler.reconcileNow('start');
    expect(exabgp.lines).not.toContain('announce route 10.6.0.0/24 next-hop 192.0.2.1');
    expect(exabgp.lines).toContain('announce route 10.7.0.0/24 next-hop 192.0.2.1');
    await vi.waitFor(() => expect(exabgp.lines).toContain('withdraw route 10.7.0.0/24'), {
      timeout: 3000,
      interval: 20,
    });
    await reconciler.stop();
  });

  it('restarts a ttl clock when the ttl changes, not when the same entry is sent again', async () => {
    const { start, write } = setup({ 'a.yaml': FILE_A });
    const { ledger, reconciler } = start();
    const entry = (t: string): string =>
      `routes:\n  - prefix: 10.8.0.0/24\n    next-hop: 192.0.2.1\n    ttl: ${t}\n`;
    write('t.yaml', entry('1h'));
    await reconciler.reconcileNow('ttl 1h');
    const clock = (t: string): number | undefined =>
      ledger.syncExpiryClocks(undefined, 0).get(`* ipv4 unicast 10.8.0.0/24\tttl ${t}`);
    const started = clock('1h');
    expect(started).toBeDefined();
    await new Promise((r) => setTimeout(r, 30));
    write('t.yaml', `${entry('1h')}# touched\n`);
    await reconciler.reconcileNow('same entry');
    expect(clock('1h')).toBe(started);
    write('t.yaml', entry('2h'));
    await reconciler.reconcileNow('ttl 2h');
    expect(clock('1h')).toBeUndefined();
    expect(clock('2h')).toBeGreaterThan(started ?? 0);
    await reconciler.stop();
  });
});
