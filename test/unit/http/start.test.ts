// startHttpApi: --listen none, the loopback/token rule, a real start, and --body-limit parsing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBodyLimit, startHttpApi } from '../../../src/http/start.js';
import { createSilentLogger } from '../../../src/runtime/logger.js';
import { FakeBackend } from './fake-backend.js';

describe('startHttpApi', () => {
  const logger = createSilentLogger();

  it('returns null for --listen none', async () => {
    await expect(startHttpApi(new FakeBackend(), logger, { listen: 'none' })).resolves.toBeNull();
  });

  it.each([
    ['a non-loopback address without a token file', { listen: '0.0.0.0:0' }, '--token-file'],
    ['an invalid listen address', { listen: 'localhost' }, 'invalid listen address'],
  ])('refuses %s with E_USAGE', async (_name, options, message) => {
    await expect(startHttpApi(new FakeBackend(), logger, options)).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining(message),
    });
  });

  it('serves on a non-loopback address with a token, requiring it on mutating endpoints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'http-start-'));
    writeFileSync(join(dir, 'token'), 'tok\n');
    const handle = await startHttpApi(new FakeBackend(), logger, {
      listen: '0.0.0.0:0',
      tokenFile: join(dir, 'token'),
    });
    const { port } = await handle!.listening;
    const url = `http://127.0.0.1:${port}/v1/reconcile`;
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    expect(
      (await fetch(url, { method: 'POST', headers: { authorization: 'Bearer tok' } })).status,
    ).toBe(202);
    await handle!.stop();
  });
});

describe('parseBodyLimit', () => {
  it.each([
    ['1024', 1024],
    ['512k', 512 * 1024],
    ['32m', 32 * 1024 ** 2],
    ['32MiB', 32 * 1024 ** 2],
    ['1g', 1024 ** 3],
  ])('parses %s', (text, bytes) => {
    expect(parseBodyLimit(text)).toBe(bytes);
  });

  it.each(['', '10', '1.5m', '-1', '12 parsecs'])('rejects %j', (text) => {
    expect(() => parseBodyLimit(text)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});
