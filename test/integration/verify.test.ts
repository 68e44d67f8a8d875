import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
import {
  AdjRibVerifier,
  DEFAULT_VERIFIER_OPTIONS,
  SHOW_ADJ_RIB_OUT,
  type VerifierOptions,
} from '../../src/runtime/verifier.js';
import { FakeExabgp, type FakeAnswer } from '../helpers/fake-exabgp.js';
import { parseRouteCommand } from '../../src/exabgp/command.js';
import { DIALECTS, type Dialect } from '../../src/exabgp/dialect.js';
import { showRoute } from '../../src/exabgp/dialect-show.js';

const N1 = '192.0.2.1';
const N2 = '192.0.2.2';

const FILE = `routes:
  - prefix: 10.0.0.0/24
    next-hop: 192.0.2.10
  - prefix: 10.0.1.0/24
    next-hop: 192.0.2.10
    med: 10
  - prefix: 10.0.2.0/24
    next-hop: 192.0.2.10
    neighbors: [${N2}]
`;

/** ExaBGP's adj-rib-out as the fake keeps it: neighbor → prefix → attribute text (ipv4 unicast). */
type Rib = Map<string, Map<string, string>>;

const COMMAND = /^(?:neighbor (\S+) )?(announce|withdraw) route (\S+)(?: (.*))?$/;

/** Apply one single-route command to the model, as ExaBGP does for the bound neighbors. */
function applyCommand(rib: Rib, line: string): void {
  const m = COMMAND.exec(line);
  if (m === null) return;
  const [, selector, action, prefix, attributes] = m;
  for (const [neighbor, routes] of rib) {
    if (selector !== undefined && selector !== neighbor) continue;
    if (action === 'announce') routes.set(prefix!, attributes ?? '');
    else routes.delete(prefix!);
  }
}

/** ExaBGP's local address on the session to each neighbor (what 5.0 puts for next-hop self). */
const LOCAL: Readonly<Record<string, string>> = { [N1]: '192.0.2.101', [N2]: '192.0.2.102' };

/**
 * `show adj-rib out extensive` lines for the model. 4.2 prints these attributes as they were
 * sent; 5.0 is modelled by reading the command as 5.0 does and printing it with its show model
 * (tested against real 5.0.13 output in test/unit/exabgp/adj-rib.test.ts).
 */
function showLines(rib: Rib, dialect: Dialect): string[] {
  return [...rib].flatMap(([neighbor, routes]) =>
    [...routes].map(([prefix, attributes]) => {
      const head = `neighbor ${neighbor} local-ip ${LOCAL[neighbor]} local-as 64496 peer-as 64496 router-id 127.0.0.1 family-allowed in-open ipv4 unicast`;
      if (dialect.name === '4.2') return `${head} ${prefix} ${attributes}`;
      const sent = parseRouteCommand(`announce route ${prefix} ${attributes}`, { dialect });
      if (!sent.ok) throw new Error(`the model cannot read ${attributes}`);
      return `${head} ${showRoute(dialect, sent.value.route, { localAddress: LOCAL[neighbor] ?? '' })}`;
    }),
  );
}

const ribOf = (rib: Rib): Record<string, Record<string, string>> =>
  Object.fromEntries([...rib].map(([n, routes]) => [n, Object.fromEntries([...routes].sort())]));

const DESIRED_RIB = {
  [N1]: { '10.0.0.0/24': 'next-hop 192.0.2.10', '10.0.1.0/24': 'next-hop 192.0.2.10 med 10' },
  [N2]: {
    '10.0.0.0/24': 'next-hop 192.0.2.10',
    '10.0.1.0/24': 'next-hop 192.0.2.10 med 10',
    '10.0.2.0/24': 'next-hop 192.0.2.10',
  },
};

const dirs: string[] = [];
const ledgers: Ledger[] = [];
afterEach(() => {
  for (const l of ledgers.splice(0)) l.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Options {
  verifier?: Partial<VerifierOptions>;
  showAnswer?: FakeAnswer;
}

function setup(dialect: Dialect = DIALECTS['4.2'], file = FILE) {
  const root = mkdtempSync(join(tmpdir(), 'verify-'));
  dirs.push(root);
  const routes = join(root, 'routes.d');
  mkdirSync(routes);
  writeFileSync(join(routes, 'a.yaml'), file);
  const rib: Rib = new Map([
    [N1, new Map()],
    [N2, new Map()],
  ]);
  const start = (opts: Options = {}) => {
    const ledger = Ledger.open(join(root, 'state'));
    ledgers.push(ledger);
    const exabgp = new FakeExabgp({
      answer: (line) => (line === SHOW_ADJ_RIB_OUT ? (opts.showAnswer ?? 'done') : 'done'),
      output: (line) => {
        applyCommand(rib, line);
        return line === SHOW_ADJ_RIB_OUT && opts.showAnswer !== 'error'
          ? showLines(rib, dialect)
          : [];
      },
    });
    const clock = systemClock;
    const logger = createSilentLogger();
    const writer = new ExabgpWriter(
      exabgp.stdout,
      {
        ack: true,
        maxInFlightLines: 8,
        maxInFlightBytes: 1 << 20,
        ackTimeoutMs: 5000,
        quietAfterTimeoutMs: 10,
      },
      clock,
    );
    const verifier = new AdjRibVerifier(
      { logger, clock, ledger, writer, dialect },
      { ...DEFAULT_VERIFIER_OPTIONS, ...opts.verifier },
    );
    const unconsumed: string[] = [];
    startExabgpReader(exabgp.stdin, {
      onMessage: (m) => {
        if (m.kind === 'ack') writer.handleAck(m.ok);
        if (m.kind === 'text' && !verifier.handleText(m.text)) unconsumed.push(m.text);
      },
      onEnd: () => writer.close('stdin closed'),
    });
    const desired = new DesiredState(
      new RouteDirLoader(routes),
      new LocalApiSource(ledger),
      ledger.loadDesiredSources(),
    );
    const reconciler = new Reconciler(
      { logger, clock, ledger, writer, desired, instance: null, ledgerTrusted: true, verifier },
      {
        guard: DEFAULT_GUARD_POLICY,
        confirmWithdraw: false,
        resyncIntervalMs: 0,
        retryInitialMs: 60_000,
        retryMaxMs: 60_000,
        encode: { maxPrefixesPerLine: 1, dialect },
      },
    );
    const shows = () => exabgp.lines.filter((l) => l === SHOW_ADJ_RIB_OUT).length;
    return { exabgp, ledger, reconciler, verifier, unconsumed, shows };
  };
  return { rib, start };
}

describe('--verify against a fake ExaBGP answering show adj-rib out extensive', () => {
  it('checks once after the start-up reconcile and finds a clean RIB', async () => {
    const { rib, start } = setup();
    const { exabgp, reconciler, shows } = start();
    reconciler.trigger('start-up');
    await vi.waitFor(() => expect(reconciler.getStatus().verify?.outcome).toBe('clean'));
    expect(ribOf(rib)).toEqual(DESIRED_RIB);
    expect(exabgp.lines.at(-1)).toBe(SHOW_ADJ_RIB_OUT);
    expect(shows()).toBe(1);
    expect(reconciler.getStatus().verify).toMatchObject({
      missing: 0,
      different: 0,
      extra: 0,
      repaired: 0,
      neighbors: 2,
      dumpRoutes: 5,
    });
    await reconciler.stop();
  });

  it('repairs a RIB that drifted behind the ledger: missing, different and extra routes', async () => {
    const { rib, start } = setup();
    const first = start();
    first.reconciler.trigger('start-up');
    await vi.waitFor(() => expect(first.reconciler.getStatus().verify?.outcome).toBe('clean'));
    await first.reconciler.stop();
    first.ledger.close();
    rib.get(N2)!.delete('10.0.0.0/24');
    rib.get(N1)!.set('10.0.1.0/24', 'next-hop 192.0.2.10 med 99');
    rib.get(N1)!.set('10.9.9.0/24', 'next-hop 192.0.2.99');
    const second = start();
    second.reconciler.trigger('start-up');
    await vi.waitFor(() => expect(second.shows()).toBe(1));
    await vi.waitFor(() => expect(ribOf(rib)).toEqual(DESIRED_RIB));
    expect(second.reconciler.getStatus().verify).toMatchObject({
      outcome: 'repaired',
      missing: 1,
      different: 1,
      extra: 1,
      repaired: 3,
    });
    await vi.waitFor(() => expect(second.ledger.pending.size).toBe(0));
    expect(second.ledger.announced.has(`${N1} ipv4 unicast 10.9.9.0/24`)).toBe(false);
    await second.reconciler.stop();
  });

  it('repeats the check every --verify-interval', async () => {
    const { start } = setup();
    const { reconciler, shows } = start({ verifier: { intervalMs: 30 } });
    reconciler.trigger('start-up');
    await vi.waitFor(() => expect(shows()).toBeGreaterThanOrEqual(3));
    await reconciler.stop();
  });

  it('reports a rejected show as failed, changes nothing, and keeps reconciling', async () => {
    const { rib, start } = setup();
    const { ledger, reconciler } = start({ showAnswer: 'error' });
    reconciler.trigger('start-up');
    await vi.waitFor(() => expect(reconciler.getStatus().verify?.outcome).toBe('failed'));
    expect(reconciler.getStatus().verify?.error).toMatch(/error/);
    expect(ledger.pending.size).toBe(0);
    rib.get(N1)!.clear();
    const record = await reconciler.reconcileNow('test');
    expect(record.outcome).toBe('no-changes');
    await reconciler.stop();
  });

  it('stops at once while a show is unanswered, and leaves text lines outside a show alone', async () => {
    const { start } = setup();
    const { exabgp, reconciler, unconsumed, shows } = start({ showAnswer: 'none' });
    reconciler.trigger('start-up');
    await vi.waitFor(() => expect(shows()).toBe(1));
    const started = Date.now();
    await reconciler.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(reconciler.getStatus().verify?.outcome).toBe('failed');
    exabgp.send('some unexpected line');
    await vi.waitFor(() => expect(unconsumed).toEqual(['some unexpected line']));
  });
});

const FILE_50 = `routes:
  - prefix: 10.0.0.0/24
    next-hop: self
  - prefix: 10.0.1.0/24
    next-hop: 192.0.2.10
    as-path: [65001, [65011, 65010]]
`;

describe('--verify against a fake ExaBGP 5.0', () => {
  it("takes next-hop self shown as each neighbor's local address, and the 5.0 as-path, as clean", async () => {
    const { rib, start } = setup(DIALECTS['5.0'], FILE_50);
    const { reconciler } = start();
    reconciler.trigger('start-up');
    await vi.waitFor(() => expect(reconciler.getStatus().verify?.outcome).toBe('clean'));
    expect(ribOf(rib)[N1]).toEqual({
      '10.0.0.0/24': 'next-hop self',
      '10.0.1.0/24': 'next-hop 192.0.2.10 as-path [ 65001 ] ( 65010 65011 )',
    });
    expect(reconciler.getStatus().verify).toMatchObject({ different: 0, dumpRoutes: 4 });
    await reconciler.stop();
  });

  it('repairs a next-hop self route that ExaBGP holds with another next-hop', async () => {
    const { rib, start } = setup(DIALECTS['5.0'], FILE_50);
    const first = start();
    first.reconciler.trigger('start-up');
    await vi.waitFor(() => expect(first.reconciler.getStatus().verify?.outcome).toBe('clean'));
    await first.reconciler.stop();
    first.ledger.close();
    rib.get(N1)!.set('10.0.0.0/24', 'next-hop 192.0.2.102');
    const second = start();
    second.reconciler.trigger('start-up');
    await vi.waitFor(() => expect(second.shows()).toBe(1));
    await vi.waitFor(() => expect(rib.get(N1)!.get('10.0.0.0/24')).toBe('next-hop self'));
    expect(second.reconciler.getStatus().verify).toMatchObject({
      outcome: 'repaired',
      different: 1,
      missing: 0,
      extra: 0,
    });
    await second.reconciler.stop();
  });
});
