import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/runtime/clock.js';
import { createLogger } from '../../../src/runtime/logger.js';
import { ProgressTracker } from '../../../src/runtime/progress.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  return {
    now: () => now,
    setTimeout: () => setTimeout(() => undefined, 0),
    clearTimeout: (h) => clearTimeout(h),
    advance: (ms) => (now += ms),
  };
}

function captureLogger(): {
  log: ReturnType<typeof createLogger>;
  records: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return {
    log: createLogger({ level: 'info', format: 'json', stream }),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('ProgressTracker', () => {
  it('reports routes acknowledged of the total, the rate and the time left', () => {
    const clock = manualClock();
    const tracker = new ProgressTracker(clock, { logIntervalMs: 2000 });
    const { log, records } = captureLogger();
    const hook = tracker.start(4, log);
    hook.begin(10, 1000);
    clock.advance(1000);
    hook.settled(100, true);
    hook.settled(100, false);
    expect(tracker.status).toMatchObject({
      reconcileId: 4,
      routesTotal: 1000,
      routesDone: 100,
      routesFailed: 100,
      linesTotal: 10,
      linesSettled: 2,
      ratePerSecond: 200,
      etaMs: 4000,
    });
    expect(records()).toEqual([]);
  });

  it('logs a progress line every interval once the work lasts that long, and a closing line', () => {
    const clock = manualClock();
    const tracker = new ProgressTracker(clock, { logIntervalMs: 2000 });
    const { log, records } = captureLogger();
    const hook = tracker.start(1, log);
    hook.begin(4, 400);
    for (let i = 0; i < 4; i += 1) {
      clock.advance(1500);
      hook.settled(100, true);
    }
    tracker.finish();
    const msgs = records().map((r) => r['msg']);
    expect(msgs).toEqual([
      'sync progress: 200/400 routes acknowledged (50%), 67/s, 3 s left',
      'sync progress: 400/400 routes acknowledged (100%), 67/s, 0 s left',
      'sync finished: 400/400 routes acknowledged in 6.0 s',
    ]);
    expect(records()[0]).toMatchObject({ done: 200, total: 400, rate: 67, eta_s: 3 });
    expect(tracker.status).toBeNull();
  });

  it('a short apply logs nothing at all', () => {
    const clock = manualClock();
    const tracker = new ProgressTracker(clock, { logIntervalMs: 2000 });
    const { log, records } = captureLogger();
    const hook = tracker.start(1, log);
    hook.begin(1, 3);
    clock.advance(10);
    hook.settled(3, true);
    tracker.finish();
    expect(records()).toEqual([]);
    expect(tracker.status).toBeNull();
  });
});
