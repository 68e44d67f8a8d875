import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RouteDirLoader } from '../../src/config/load-routes.js';
import { DEFAULT_GUARD_POLICY } from '../../src/core/guard.js';
import { systemClock } from '../../src/runtime/clock.js';
import { DesiredState } from '../../src/runtime/desired-state.js';
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

/** `show adj-rib out extensive` lines for the model (ExaBGP's extensive form). */
function showLines(rib: Rib): string[] {
  return [...rib].flatMap(([neighbor, routes]) =>
    [...routes].map(
      ([prefix, attributes]) =>
        `neighbor ${neighbor} local-ip 127.0.0.1 local-as 64496 peer-as 64496 router-id 127.0.0.1 family-allowed in-open ipv4 unicast ${prefix} ${attributes}`,
    ),
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

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'verify-'));
  dirs.push(root);
  const routes = join(root, 'routes.d');
  mkdirSync(routes);
  writeFileSync(join(routes, 'a.yaml'), FILE);
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
        return line === SHOW_ADJ_RIB_OUT && opts.showAnswer !== 'error' ? showLines(rib) : [];
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
      { logger, clock, ledger, writer },
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
      ledger.getApiRoutes(),
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
        encode: { maxPrefixesPerLine: 1 },
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
