// No unbounded echo: whatever a client sends (a 1 MiB value, key, query name, URL, media type or
// command, thousands of errors), the error body and the warn line it causes stay small.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/runtime/logger.js';
import { FakeBackend } from './fake-backend.js';

const BIG = 'x'.repeat(1 << 20);

let app: ReturnType<typeof buildServer> | undefined;
let lines: string[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function serve(): NonNullable<typeof app> {
  lines = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      callback();
    },
  });
  const logger = createLogger({ level: 'info', format: 'json', stream });
  app = buildServer({ backend: new FakeBackend(), logger, parseWorker: null });
  return app;
}

interface Case {
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly url: string;
  readonly payload?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const YAML = { 'content-type': 'application/yaml' };
const JSON_TYPE = { 'content-type': 'application/json' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const cases: readonly [string, Case][] = [
  [
    'a 1 MiB prefix',
    {
      method: 'PUT',
      url: '/v1/desired',
      payload: `routes:\n  - prefix: "${BIG}"\n    next-hop: 192.0.2.1\n`,
      headers: YAML,
    },
  ],
  [
    'a 1 MiB unknown key',
    { method: 'PUT', url: '/v1/desired', payload: `{"routes":[{"${BIG}":1}]}`, headers: JSON_TYPE },
  ],
  [
    'a 1 MiB non-document',
    { method: 'PUT', url: '/v1/desired', payload: `"${BIG}"`, headers: JSON_TYPE },
  ],
  [
    '2000 invalid routes',
    {
      method: 'PUT',
      url: '/v1/desired',
      payload: `routes:\n${'  - prefix: 10.0.0.0/24\n    next-hop: nope\n'.repeat(2000)}`,
      headers: YAML,
    },
  ],
  [
    'a 60 KiB command',
    {
      method: 'POST',
      url: '/',
      payload: `command=announce+route+${'y'.repeat(60_000)}`,
      headers: FORM,
    },
  ],
  [
    'a 64 KiB form field name',
    { method: 'POST', url: '/', payload: `${'n'.repeat(65_000)}=1`, headers: FORM },
  ],
  ['an 8 KiB query name', { method: 'GET', url: `/v1/status?${'q'.repeat(8000)}=1`, headers: {} }],
  [
    'an 8 KiB dry_run value',
    {
      method: 'PUT',
      url: `/v1/desired?dry_run=${'v'.repeat(8000)}`,
      payload: 'routes: []',
      headers: YAML,
    },
  ],
  ['an 8 KiB path', { method: 'GET', url: `/${'p'.repeat(8000)}`, headers: {} }],
  [
    'an 8 KiB media type',
    {
      method: 'PUT',
      url: '/v1/desired',
      payload: 'routes: []',
      headers: { 'content-type': `application/${'t'.repeat(8000)}` },
    },
  ],
  [
    'an 8 KiB charset',
    {
      method: 'PUT',
      url: '/v1/desired',
      payload: 'routes: []',
      headers: { 'content-type': `application/yaml; charset=${'c'.repeat(8000)}` },
    },
  ],
  [
    'an 8 KiB content-encoding',
    {
      method: 'PUT',
      url: '/v1/desired',
      payload: 'routes: []',
      headers: { ...YAML, 'content-encoding': 'e'.repeat(8000) },
    },
  ],
];

describe('error bodies and log lines stay bounded', () => {
  it.each(cases)('for %s', async (_name, request) => {
    const res = await serve().inject(request);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    const body = res.json();
    expect(typeof body.code).toBe('string');
    expect(body.message.length).toBeLessThanOrEqual(400);
    expect(body.diagnostics?.length ?? 0).toBeLessThanOrEqual(100);
    for (const d of body.diagnostics ?? []) {
      expect(d.message.length).toBeLessThanOrEqual(400);
      expect(d.path.length).toBeLessThanOrEqual(400);
    }
    expect(res.body.length).toBeLessThan(64 * 1024);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length).toBeLessThan(2048);
  });

  it('says how many diagnostics it left out', async () => {
    const res = await serve().inject(cases[3]![1]);
    expect(res.json().diagnostics).toHaveLength(100);
    expect(res.json().message).toMatch(/\(and \d+ more\)$/);
  });

  it('marks a cut value with its full length', async () => {
    const res = await serve().inject(cases[6]![1]);
    expect(res.json().message).toContain('… (8000 chars)');
  });
});
