import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { routeKey } from '../../../src/core/route.js';
import { applyLines, type ApplyDeps, type ApplyLine } from '../../../src/runtime/apply.js';
import { systemClock } from '../../../src/runtime/clock.js';
import { startExabgpReader } from '../../../src/exabgp/io/reader.js';
import { ExabgpWriter } from '../../../src/exabgp/io/writer.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { createSilentLogger } from '../../../src/runtime/logger.js';
import { FakeExabgp, type FakeExabgpOptions } from '../../helpers/fake-exabgp.js';
import { route } from '../../helpers/routes.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function setup(
  fake: FakeExabgpOptions,
  window: { maxInFlightLines: number; ackTimeoutMs: number } = {
    maxInFlightLines: 4,
    ackTimeoutMs: 50,
  },
): {
  ledger: Ledger;
  writer: ExabgpWriter;
  deps: ApplyDeps;
  run: (lines: ApplyLine[]) => ReturnType<typeof applyLines>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'apply-'));
  const ledger = Ledger.open(dir);
  cleanup.push(() => {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const exabgp = new FakeExabgp(fake);
  const writer = new ExabgpWriter(
    exabgp.stdout,
    { ack: true, maxInFlightBytes: 1 << 20, quietAfterTimeoutMs: 5, ...window },
    systemClock,
  );
  startExabgpReader(exabgp.stdin, {
    onMessage: (m) => (m.kind === 'ack' ? writer.handleAck(m.ok) : undefined),
    onEnd: () => writer.close('eof'),
  });
  const deps = { writer, ledger, logger: createSilentLogger(), clock: systemClock };
  return {
    ledger,
    writer,
    deps,
    run: (lines) =>
      applyLines(lines, deps, { batchLines: 2, commitEveryLines: 2, commitDelayMs: 1 }),
  };
}

const all = route({ prefix: '10.0.0.0/24', nextHop: '192.0.2.1' });
const n1 = route({ prefix: '10.0.0.0/24', target: '192.0.2.10', nextHop: '192.0.2.2' });

describe('applyLines', () => {
  it('keeps a neighbor key touched by an unanswered * line pending', async () => {
    const { ledger, run } = setup({
      answer: (l) => (l.startsWith('announce route') ? 'none' : 'done'),
    });
    ledger.settle([{ kind: 'set', route: n1 }]);
    const report = await run([
      {
        text: 'announce route 10.0.0.0/24 next-hop 192.0.2.1',
        routes: [all],
        commit: 'set',
        touches: [routeKey(n1)],
      },
    ]);
    expect(report.timeouts).toBe(1);
    expect(ledger.pendingKeys).toEqual(new Set([routeKey(all), routeKey(n1)]));
  });

  it('clears a touched key when the later re-assert line is acknowledged', async () => {
    const { ledger, run } = setup({});
    ledger.settle([{ kind: 'set', route: n1 }]);
    await run([
      {
        text: 'announce route 10.0.0.0/24 next-hop 192.0.2.1',
        routes: [all],
        commit: 'set',
        touches: [routeKey(n1)],
      },
      {
        text: 'neighbor 192.0.2.10 announce route 10.0.0.0/24 next-hop 192.0.2.2',
        routes: [n1],
        commit: 'none',
      },
    ]);
    expect(ledger.pending.size).toBe(0);
    expect([...ledger.announced.keys()].sort()).toEqual([routeKey(all), routeKey(n1)].sort());
  });

  it('keeps a key that was already unknown pending when its re-assert is rejected', async () => {
    const { ledger, run } = setup({ answer: () => 'error' });
    ledger.markPending([{ route: all, commit: 'set' }]);
    const report = await run([
      { text: 'announce route 10.0.0.0/24 next-hop 192.0.2.1', routes: [all], commit: 'set' },
    ]);
    expect(report.errors).toBe(1);
    expect(ledger.pendingKeys).toEqual(new Set([routeKey(all)]));
    expect(ledger.announced.size).toBe(0);
  });

  it('clears the mark of a rejected line whose key was known', async () => {
    const { ledger, run } = setup({ answer: () => 'error' });
    await run([
      { text: 'announce route 10.0.0.0/24 next-hop 192.0.2.1', routes: [all], commit: 'set' },
    ]);
    expect(ledger.pending.size).toBe(0);
    expect(ledger.announced.size).toBe(0);
  });
});

describe('applyLines batches', () => {
  it('marks the first line alone, then batches of 2, 4, ... up to batchLines, each before writing it', async () => {
    const { ledger, writer, deps } = setup({}, { maxInFlightLines: 64, ackTimeoutMs: 1000 });
    let written = 0;
    const write = writer.write.bind(writer);
    writer.write = (text, options) => {
      written += 1;
      return write(text, options);
    };
    const batches: { size: number; writtenBefore: number }[] = [];
    const mark = ledger.markPendingLines.bind(ledger);
    ledger.markPendingLines = (lines) => {
      batches.push({ size: lines.length, writtenBefore: written });
      mark(lines);
    };
    const lines: ApplyLine[] = Array.from({ length: 20 }, (_, i) => {
      const r = route({ prefix: `10.0.${i}.0/24` });
      return {
        text: `announce route 10.0.${i}.0/24 next-hop 192.0.2.1`,
        routes: [r],
        commit: 'set',
      };
    });
    const report = await applyLines(lines, deps, {
      batchLines: 4,
      commitEveryLines: 8,
      commitDelayMs: 1,
    });
    expect(report.done).toBe(20);
    expect(batches.map((b) => b.size)).toEqual([1, 2, 4, 4, 4, 4, 1]);
    expect(batches.map((b) => b.writtenBefore)).toEqual([0, 1, 3, 7, 11, 15, 19]);
    expect(ledger.pending.size).toBe(0);
  });
});
