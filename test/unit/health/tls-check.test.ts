// TLS options of http checks (`tls: {ca, insecure, servername, cert, key}`): their declaration
// (bad values at file:line:col) and real https servers started by the test with a throwaway CA,
// server and client certificates made by openssl in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouteDocument } from '../../../src/config/load-routes.js';
import type { CheckSpec, TlsOptions } from '../../../src/core/health.js';
import { HealthChecker } from '../../../src/runtime/checks/checker.js';
import { probe } from '../../../src/runtime/checks/probes.js';
import { systemClock } from '../../../src/runtime/clock.js';
import { createLogger } from '../../../src/runtime/logger.js';

const load = (yaml: string) => parseRouteDocument('routes.d/anycast.yaml', yaml);
const route = 'routes:\n  - prefix: 192.0.2.80/32\n    next-hop: self\n    health: web\n';

describe('tls options in route documents', () => {
  it('builds them; insecure: true is the same as tls: {insecure: true}', () => {
    const r = load(`checks:
  web:
    kind: http
    url: https://127.0.0.1:8443/health
    tls: {ca: /etc/anycast/ca.pem, servername: Svc.Test, cert: /etc/anycast/c.pem, key: /etc/anycast/k.pem}
${route}`);
    expect(r.diagnostics).toEqual([]);
    expect(r.routes[0]?.health?.specs[0]?.tls).toEqual({
      ca: '/etc/anycast/ca.pem',
      servername: 'svc.test',
      cert: '/etc/anycast/c.pem',
      key: '/etc/anycast/k.pem',
    });
    const old = load(
      `checks:\n  web:\n    kind: http\n    url: https://127.0.0.1/\n    insecure: true\n${route}`,
    );
    expect(old.routes[0]?.health?.specs[0]?.tls).toEqual({ insecure: true });
  });

  it.each([
    ['a relative ca path', 'tls: {ca: ca.pem}', 5, 15, /"ca.pem": give an absolute path/],
    ['a cert without its key', 'tls: {cert: /c.pem}', 5, 17, /needs both cert and key/],
    ['ca with insecure', 'tls: {ca: /ca.pem, insecure: true}', 5, 15, /not both/],
    ['a servername that is no name', "tls: {servername: 'a b'}", 5, 23, /"a b": not a domain name/],
    ['tls on an http:// url', 'tls: {insecure: true}', 5, 10, /need an https:\/\/ url/, 'http'],
  ])('reports %s at its position', (_what, tls, line, col, message, scheme = 'https') => {
    const r = load(
      `checks:\n  web:\n    kind: http\n    url: ${scheme}://127.0.0.1/\n    ${tls}\n${route}`,
    );
    expect(r.routes).toEqual([]);
    const d = r.diagnostics.find((x) => x.code === 'E_HEALTH');
    expect(d).toMatchObject({ file: 'routes.d/anycast.yaml', line, col });
    expect(d?.message).toMatch(message);
  });

  it('the schema rejects an unknown tls option', () => {
    const r = load(
      `checks:\n  web:\n    kind: http\n    url: https://127.0.0.1/\n    tls: {verify: false}\n${route}`,
    );
    expect(r.diagnostics[0]).toMatchObject({ code: 'E_SCHEMA', line: 5 });
  });
});

/** A throwaway CA, a server certificate for svc.test only (not 127.0.0.1), a client certificate. */
function pki(dir: string): void {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=test CA',
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:svc.test\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.pem`,
      '-days',
      '2',
      '-extfile',
      `${who}.ext`,
    );
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

describe('https checks against a real local server', () => {
  let dir: string;
  let server: Server;
  let mtls: Server;
  let url: string;
  let mtlsUrl: string;
  const file = (name: string): string => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tls-check-'));
    pki(dir);
    const { readFileSync } = await import('node:fs');
    const opts = { key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')) };
    const ok = (_req: unknown, res: { end: (t: string) => void }): void => res.end('ok');
    server = createServer(opts, ok);
    mtls = createServer(
      { ...opts, ca: readFileSync(file('ca.pem')), requestCert: true, rejectUnauthorized: true },
      ok,
    );
    url = `https://127.0.0.1:${await listen(server)}/health`;
    mtlsUrl = `https://127.0.0.1:${await listen(mtls)}/health`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await new Promise((r) => mtls.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  const spec = (tls: TlsOptions | undefined, u = url): CheckSpec => ({
    name: 'web',
    kind: 'http',
    intervalMs: 100,
    timeoutMs: 2000,
    fastIntervalMs: 100,
    rise: 1,
    fall: 1,
    initial: 'down',
    url: u,
    method: 'GET',
    status: [200, 399],
    ...(tls === undefined ? {} : { tls }),
  });

  it('verified with ca and the servername the certificate names', async () => {
    expect(await probe(spec({ ca: file('ca.pem'), servername: 'svc.test' }))).toEqual({
      ok: true,
      reason: 'HTTP 200',
    });
  });

  it('refused without the ca: the reason says certificate', async () => {
    const o = await probe(spec({ servername: 'svc.test' }));
    expect(o.ok).toBe(false);
    expect(o.reason).toMatch(/^tls certificate UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  it('a servername the certificate does not name fails (and so does the bare address)', async () => {
    const other = await probe(spec({ ca: file('ca.pem'), servername: 'other.test' }));
    expect(other.ok).toBe(false);
    expect(other.reason).toMatch(/^tls certificate ERR_TLS_CERT_ALTNAME_INVALID/);
    const bare = await probe(spec({ ca: file('ca.pem') }));
    expect(bare.reason).toMatch(/^tls certificate ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('insecure skips verification, and says so once', async () => {
    expect(await probe(spec({ insecure: true }))).toEqual({ ok: true, reason: 'HTTP 200' });
    let logged = '';
    const log = createLogger({
      level: 'info',
      format: 'json',
      stream: new Writable({
        write(chunk: Buffer, _e, cb) {
          logged += chunk.toString();
          cb();
        },
      }),
    });
    const checker = new HealthChecker({
      clock: systemClock,
      log,
      persisted: new Map(),
      persist: () => undefined,
      onChange: () => undefined,
    });
    const s = spec({ insecure: true });
    checker.sync(new Map([['web', s]]));
    checker.sync(new Map([['web', { ...s }]]));
    const end = Date.now() + 3000;
    while (checker.states().get('web') !== 'up' && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    checker.stop();
    expect(checker.states().size).toBe(0);
    const warnings = logged.split('\n').filter((l) => l.includes('does not verify'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({ level: 40, check: 'web' });
  });

  it('a server that requires a client certificate: refused without one, up with it', async () => {
    const base = { ca: file('ca.pem'), servername: 'svc.test' };
    const without = await probe(spec(base, mtlsUrl));
    expect(without.ok).toBe(false);
    expect(without.reason).toMatch(/^tls certificate ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED/);
    expect(
      await probe(spec({ ...base, cert: file('client.pem'), key: file('client.key') }, mtlsUrl)),
    ).toEqual({ ok: true, reason: 'HTTP 200' });
  });

  it('a file that cannot be read keeps the check down with the reason, until it appears', async () => {
    const tls = { ca: join(dir, 'later.pem'), servername: 'svc.test' };
    expect(await probe(spec(tls))).toEqual({
      ok: false,
      reason: `tls ca ${join(dir, 'later.pem')}: ENOENT`,
    });
    writeFileSync(join(dir, 'later.pem'), 'not a certificate\n');
    const bad = await probe(spec(tls));
    expect(bad.ok).toBe(false);
    expect(bad.reason).toMatch(/^tls /);
    const { copyFileSync } = await import('node:fs');
    copyFileSync(file('ca.pem'), join(dir, 'later2.pem'));
    expect(await probe(spec({ ...tls, ca: join(dir, 'later2.pem') }))).toMatchObject({ ok: true });
  });
});
