// Token checks, the loopback rule and token files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTokenCheck, isLoopbackHost, resolveToken } from '../../../src/http/auth.js';

describe('createTokenCheck', () => {
  const check = createTokenCheck('abc123');
  it.each([
    ['Bearer abc123', true],
    ['bearer abc123', true],
    ['Bearer  abc123 ', true],
    ['Bearer abc12', false],
    ['Bearer abc1234', false],
    ['Basic abc123', false],
    ['abc123', false],
    ['', false],
    [undefined, false],
  ])('accepts %j: %s', (header, expected) => {
    expect(check(header)).toBe(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.0.2.1', false],
    ['example.com', false],
  ])('%s is loopback: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('resolveToken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'http-auth-'));
  const good = join(dir, 'token');
  writeFileSync(good, 's3cret\n');
  const empty = join(dir, 'empty');
  writeFileSync(empty, '\n');

  it('needs no token on loopback', async () => {
    await expect(resolveToken('127.0.0.1', undefined)).resolves.toBeUndefined();
  });

  it('refuses a non-loopback address without a token file', async () => {
    await expect(resolveToken('0.0.0.0', undefined)).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('--token-file'),
    });
  });

  it('reads the token without its trailing newline', async () => {
    await expect(resolveToken('0.0.0.0', good)).resolves.toBe('s3cret');
  });

  it.each([
    ['an empty file', empty],
    ['a missing file', join(dir, 'missing')],
  ])('refuses %s', async (_name, path) => {
    await expect(resolveToken('0.0.0.0', path)).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
