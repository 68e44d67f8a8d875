// --listen parsing and the bind-retry loop of startHttpServer.
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseListenAddress, startHttpServer } from '../../../src/http/listen.js';
import { createSilentLogger } from '../../../src/runtime/logger.js';
import { makeHarness } from './server-helpers.js';

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:5000', { host: '127.0.0.1', port: 5000 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['localhost:5000', { host: 'localhost', port: 5000 }],
    ['none', null],
  ])('parses %s', (text, expected) => {
    const r = parseListenAddress(text);
    expect(r.ok && r.value).toEqual(expected);
  });

  it.each(['5000', '127.0.0.1', '127.0.0.1:70000', '::1:5000', '', 'host:port'])(
    'rejects %j',
    (text) => {
      const r = parseListenAddress(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.diagnostics[0]?.code).toBe('E_USAGE');
    },
  );
});

function listenOn(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

describe('startHttpServer', () => {
  it('retries a port in use until it is free, without throwing', async () => {
    const blocker = createServer();
    const port = await listenOn(blocker);
    const { app } = makeHarness();
    const handle = startHttpServer(app, { host: '127.0.0.1', port }, createSilentLogger(), {
      initialMs: 20,
      maxMs: 50,
    });
    await new Promise((r) => setTimeout(r, 80));
    await new Promise<void>((r) => blocker.close(() => r()));
    await expect(handle.listening).resolves.toEqual({ host: '127.0.0.1', port });
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    await handle.stop();
  });

  it('stops retrying when stopped', async () => {
    const blocker = createServer();
    const port = await listenOn(blocker);
    const { app } = makeHarness();
    const handle = startHttpServer(app, { host: '127.0.0.1', port }, createSilentLogger(), {
      initialMs: 10,
      maxMs: 10,
    });
    await new Promise((r) => setTimeout(r, 30));
    await handle.stop();
    await new Promise<void>((r) => blocker.close(() => r()));
    await new Promise((r) => setTimeout(r, 40));
    expect(app.server.listening).toBe(false);
  });
});
