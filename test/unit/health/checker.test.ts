// The checker runtime with real probes on loopback: tcp connect, http status and body, exec exit
// codes and a timeout that kills the process group; rise/fall through the runtime, persisted
// states, bounded concurrency.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { CheckSpec, CheckState } from '../../../src/core/health.js';
import { systemClock } from '../../../src/runtime/clock.js';
import { createSilentLogger } from '../../../src/runtime/logger.js';
import { HealthChecker, socketSlots } from '../../../src/runtime/checks/checker.js';
import { probe } from '../../../src/runtime/checks/probes.js';

const BASE: CheckSpec = {
  name: 'x',
  kind: 'tcp',
  intervalMs: 100,
  timeoutMs: 300,
  fastIntervalMs: 100,
  rise: 2,
  fall: 2,
  initial: 'down',
};

function listen<S extends Server | HttpServer>(server: S): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('probes', () => {
  it('tcp: up while something listens, down with the reason when not', async () => {
    const server = createServer((s) => s.end());
    const port = await listen(server);
    const spec = { ...BASE, host: '127.0.0.1', port };
    expect(await probe(spec)).toMatchObject({ ok: true });
    await new Promise((r) => server.close(r));
    expect(await probe(spec)).toEqual({ ok: false, reason: 'connect ECONNREFUSED' });
  });

  it('http: status range and body substring', async () => {
    let status = 200;
    let body = 'all ok';
    const server = createHttpServer((_req, res) => {
      res.statusCode = status;
      res.end(body);
    });
    const port = await listen(server);
    const spec: CheckSpec = {
      ...BASE,
      kind: 'http',
      url: `http://127.0.0.1:${port}/health`,
      method: 'GET',
      status: [200, 299],
      body: 'ok',
    };
    expect(await probe(spec)).toEqual({ ok: true, reason: 'HTTP 200, body matches' });
    status = 503;
    expect(await probe(spec)).toEqual({ ok: false, reason: 'HTTP 503' });
    status = 200;
    body = 'degraded';
    expect(await probe(spec)).toEqual({ ok: false, reason: 'HTTP 200, body lacks "ok"' });
    await new Promise((r) => server.close(r));
  });

  it('exec: exit 0 is up, any other code down, a timeout kills the group', async () => {
    expect(await probe({ ...BASE, kind: 'exec', command: ['/bin/true'] })).toEqual({
      ok: true,
      reason: 'exit 0',
    });
    expect(await probe({ ...BASE, kind: 'exec', command: ['/bin/sh', '-c', 'exit 3'] })).toEqual({
      ok: false,
      reason: 'exit 3',
    });
    const started = Date.now();
    const r = await probe({
      ...BASE,
      kind: 'exec',
      timeoutMs: 200,
      command: ['/bin/sh', '-c', 'sleep 5 & sleep 5'],
    });
    expect(r).toEqual({ ok: false, reason: 'timeout after 200ms (process group killed)' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await probe({ ...BASE, kind: 'exec', command: ['/nonexistent/x'] })).toEqual({
      ok: false,
      reason: 'exec ENOENT',
    });
  });

  it('a maintenance file holds the check down', async () => {
    const spec = { ...BASE, kind: 'exec' as const, command: ['/bin/true'], maintenanceFile: '/' };
    expect(await probe(spec)).toEqual({ ok: false, reason: 'maintenance file / present' });
  });
});

describe('HealthChecker', () => {
  it('follows a real service up and down through rise and fall, persisting each change', async () => {
    const server = createServer((s) => s.end());
    const port = await listen(server);
    const persisted: [string, CheckState][] = [];
    const changes: string[] = [];
    const checker = new HealthChecker({
      clock: systemClock,
      log: createSilentLogger(),
      persisted: new Map(),
      persist: (name, state) => persisted.push([name, state]),
      onChange: (reason) => changes.push(reason),
    });
    checker.sync(new Map([['svc', { ...BASE, name: 'svc', host: '127.0.0.1', port }]]));
    expect(checker.states().get('svc')).toBe('down');
    await until(() => checker.states().get('svc') === 'up');
    await new Promise((r) => server.close(r));
    await until(() => checker.states().get('svc') === 'down');
    const status = checker.status();
    checker.stop();
    expect(status[0]).toMatchObject({ name: 'svc', kind: 'tcp', state: 'down', transitions: 2 });
    expect(status[0]?.last?.reason).toBe('connect ECONNREFUSED');
    expect(changes).toEqual(['health check svc is up', 'health check svc is down']);
    expect(persisted.at(-1)).toEqual(['svc', 'down']);
  });

  it('a persisted up state stays up until fall failures (a restart does not flap)', async () => {
    const results: boolean[] = [];
    const checker = new HealthChecker({
      clock: systemClock,
      log: createSilentLogger(),
      persisted: new Map([['svc', 'up']]),
      persist: () => undefined,
      onChange: () => undefined,
      probe: () => {
        results.push(false);
        return Promise.resolve({ ok: false, reason: 'exit 1' });
      },
    });
    checker.sync(new Map([['svc', { ...BASE, name: 'svc', fall: 3 }]]));
    expect(checker.states().get('svc')).toBe('up');
    await until(() => results.length >= 2);
    expect(checker.states().get('svc')).toBe('up');
    await until(() => checker.states().get('svc') === 'down');
    expect(results.length).toBeGreaterThanOrEqual(3);
    expect(checker.status()[0]).toMatchObject({ name: 'svc', state: 'down', transitions: 1 });
    checker.stop();
  });

  it('runs a check edited while its probe runs (the stale result dropped, the new one run)', async () => {
    const seen: number[] = [];
    const checker = new HealthChecker({
      clock: systemClock,
      log: createSilentLogger(),
      persisted: new Map(),
      persist: () => undefined,
      onChange: () => undefined,
      probe: async (spec) => {
        seen.push(spec.timeoutMs);
        await new Promise((r) => setTimeout(r, 300));
        return { ok: true, reason: 'connected' };
      },
    });
    const slow = { ...BASE, name: 'svc', intervalMs: 10_000, fastIntervalMs: 10_000 };
    checker.sync(new Map([['svc', slow]]));
    await new Promise((r) => setTimeout(r, 100));
    checker.sync(new Map([['svc', { ...slow, timeoutMs: 400 }]]));
    await until(() => checker.status()[0]?.runs === 1, 2000);
    checker.stop();
    expect(seen).toEqual([300, 400]);
  });

  it('bounds a probe that never settles by its timeout', async () => {
    const checker = new HealthChecker({
      clock: systemClock,
      log: createSilentLogger(),
      persisted: new Map(),
      persist: () => undefined,
      onChange: () => undefined,
      probe: () => new Promise(() => undefined),
    });
    checker.sync(new Map([['svc', { ...BASE, name: 'svc', timeoutMs: 50 }]]));
    await until(() => (checker.status()[0]?.runs ?? 0) >= 1, 3000);
    const [status] = checker.status();
    checker.stop();
    expect(JSON.stringify(status)).toContain('timeout after 50ms');
  });

  it('runs at most `concurrency` exec probes at once', async () => {
    let running = 0;
    let most = 0;
    const checker = new HealthChecker({
      clock: systemClock,
      log: createSilentLogger(),
      persisted: new Map(),
      persist: () => undefined,
      onChange: () => undefined,
      concurrency: 3,
      probe: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return { ok: true, reason: 'exit 0' };
      },
    });
    checker.sync(
      new Map(
        Array.from({ length: 20 }, (_x, i) => [
          `c${i}`,
          { ...BASE, name: `c${i}`, kind: 'exec' as const, command: ['true'] },
        ]),
      ),
    );
    await until(() => checker.status().every((s) => s.runs >= 2));
    checker.stop();
    expect(most).toBe(3);
  });

  it('gives socket checks the slots a hanging service needs (sum of timeout / interval), exec checks their own', async () => {
    // 200 tcp checks, timeout 300 ms every 1 s: 60 slots; a hanging service holds each for 300 ms
    const running = { tcp: 0, exec: 0 };
    const most = { tcp: 0, exec: 0 };
    const checker = new HealthChecker({
      clock: systemClock,
      log: createSilentLogger(),
      persisted: new Map(),
      persist: () => undefined,
      onChange: () => undefined,
      concurrency: 4,
      probe: async (spec) => {
        const k = spec.kind === 'exec' ? 'exec' : 'tcp';
        running[k]++;
        most[k] = Math.max(most[k], running[k]);
        await new Promise((r) => setTimeout(r, 300));
        running[k]--;
        return { ok: false, reason: 'timeout after 300ms' };
      },
    });
    const specs = new Map<string, CheckSpec>();
    for (let i = 0; i < 200; i++)
      specs.set(`t${i}`, { ...BASE, name: `t${i}`, intervalMs: 1000, fastIntervalMs: 1000 });
    for (let i = 0; i < 10; i++)
      specs.set(`e${i}`, { ...BASE, name: `e${i}`, kind: 'exec', command: ['true'] });
    const started = Date.now();
    checker.sync(specs);
    await until(() => checker.status().every((s) => s.runs >= 1), 5000);
    const ms = Date.now() - started;
    checker.stop();
    expect(most).toEqual({ tcp: 60, exec: 4 });
    // every tcp check ran once within 4 x 300 ms (with 4 slots it would take 15 s)
    expect(ms).toBeLessThan(2500);
    expect(socketSlots(specs.values(), 4)).toBe(60);
    expect(socketSlots([{ kind: 'tcp', timeoutMs: 500, intervalMs: 1000 }], 32)).toBe(32);
    const big = Array.from({ length: 5000 }, () => ({
      kind: 'dns' as const,
      timeoutMs: 500,
      intervalMs: 1000,
    }));
    expect(socketSlots(big, 32)).toBe(512);
  });
});
