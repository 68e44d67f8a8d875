// `status` and `confirm` against a real `run` (dist/main.js, standalone, acks off, HTTP on an
// ephemeral loopback port): converged, an input error with its position, a guarded plan confirmed
// by its hash, and the offline ledger view. Also: under a pipe, run's stderr stays JSON.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmCommand } from '../../src/cli/confirm.js';
import type { CliIo } from '../../src/cli/io.js';
import { statusCommand } from '../../src/cli/status.js';
import { MAIN } from '../helpers/spawn-cli.js';

const FILE = `routes:
  - prefixes: [10.1.0.0/24, 10.1.1.0/24, 10.1.2.0/24]
    next-hop: 192.0.2.1
  - prefix: 2001:db8:1::/48
    next-hop: 2001:db8::1
`;

let root: string;
let routes: string;
let child: ChildProcessWithoutNullStreams;
let url: string;
const stderrLines: string[] = [];

async function cli(
  command: typeof statusCommand,
  argv: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const io: CliIo = {
    stdin: process.stdin,
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    cwd: root,
    env: {},
  };
  const code = await command(argv, io);
  return { code, stdout, stderr };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const status = (...args: string[]) => cli(statusCommand, ['--url', url, ...args]);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'status-cli-'));
  routes = join(root, 'routes.d');
  mkdirSync(routes);
  writeFileSync(join(routes, 'a.yaml'), FILE);
  child = spawn(
    process.execPath,
    [MAIN, 'run', '--routes', 'routes.d', '--ack', 'off', '--listen', '127.0.0.1:0'],
    { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdout.resume();
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    const parts = err.split('\n');
    err = parts.pop() ?? '';
    stderrLines.push(...parts);
  });
  const port = await until('http api listening', () => {
    const line = stderrLines.find((l) => l.includes('http api listening'));
    return Promise.resolve(
      line === undefined ? undefined : (JSON.parse(line) as { port: number }).port,
    );
  });
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  const closed = new Promise((resolve) => child.on('close', resolve));
  child.stdin.end();
  await closed;
  rmSync(root, { recursive: true, force: true });
});

describe('exabgp-reconciler status and confirm', () => {
  it('says converged, with the routes per family, and exits 0', async () => {
    const r = await until('converged', async () => {
      const res = await status();
      return res.code === 0 ? res : undefined;
    });
    expect(r.stdout).toMatch(/^exabgp-reconciler at http:\/\/127\.0\.0\.1:\d+: converged\n/);
    expect(r.stdout).toMatch(/ipv4 unicast +3 +3/);
    expect(r.stdout).toMatch(/ipv6 unicast +1 +1/);
    expect(r.stdout).toMatch(/total +4 +4 +pending 0/);
    expect(r.stdout).toContain('4.2 dialect');
  });

  it('keeps JSON on stderr when stderr is not a terminal', () => {
    expect(stderrLines.length).toBeGreaterThan(0);
    for (const line of stderrLines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('names an input error with file:line:col and exits 2', async () => {
    writeFileSync(
      join(routes, 'b.yaml'),
      'routes:\n  - prefix: 10.9.0.0/33\n    next-hop: 192.0.2.1\n',
    );
    const r = await until('the diagnostic', async () => {
      const res = await status();
      return res.stdout.includes('b.yaml:2:') ? res : undefined;
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('NOT CONVERGED');
    expect(r.stdout).toContain('keeping the last good desired state');
    expect(r.stdout).toMatch(/b\.yaml:2:\d+: error E_PREFIX: routes\[0\]\.prefix: /);
    const json = await status('--format', 'json');
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as { verdict: { converged: boolean }; status: object };
    expect(doc.verdict.converged).toBe(false);
    unlinkSync(join(routes, 'b.yaml'));
    await until('recovery', async () => ((await status()).code === 0 ? true : undefined));
  });

  it('shows a plan held by the guard with its hash (exit 3); confirm releases it', async () => {
    unlinkSync(join(routes, 'a.yaml'));
    const held = await until('the guard', async () => {
      const res = await status();
      return res.code === 3 ? res : undefined;
    });
    const hash = /holding plan ([0-9a-f]{64})/.exec(held.stdout)?.[1];
    expect(hash).toBeDefined();
    expect(held.stdout).toContain(`confirm: exabgp-reconciler confirm --url ${url} ${hash}`);
    expect(held.stdout).toContain('- withdraw 10.1.0.0/24 (ipv4 unicast, all neighbors)');
    expect(held.stdout).toContain('Plan: 0 to announce, 0 to update, 4 to withdraw.');

    const wrong = await cli(confirmCommand, ['--url', url, 'deadbeef']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`does not match the guarded plan ${hash}`);
    const ok = await cli(confirmCommand, ['--url', url, hash!]);
    expect(ok).toMatchObject({
      code: 0,
      stdout: `confirmed plan ${hash}: the next reconcile applies it\n`,
    });
    const after = await until('the confirmed plan applied', async () => {
      const res = await status();
      return res.code === 0 ? res : undefined;
    });
    expect(after.stdout).toMatch(/total +0 +0 +pending 0/);
    const again = await cli(confirmCommand, ['--url', url, hash!]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no plan is waiting for confirmation');
  });

  it('reads the ledger offline with --state-dir', async () => {
    writeFileSync(join(routes, 'a.yaml'), FILE);
    await until('re-announced', async () => {
      const res = await status();
      return res.code === 0 && /total +4 +4/.test(res.stdout) ? true : undefined;
    });
    const r = await cli(statusCommand, ['--state-dir', '.state']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ipv4 unicast +3 +3/);
    expect(r.stdout).toContain('pending     none');
  });

  it.each([
    [['--url', 'ftp://x'], 'must be an http or https url'],
    [['--url', 'http://127.0.0.1:1', '--state-dir', 'x'], 'exclusive'],
    [['--format', 'yaml'], 'invalid --format'],
    [['--url', 'http://127.0.0.1:1'], 'cannot reach'],
  ])('exits 1 for %j', async (argv, message) => {
    const r = await cli(statusCommand, argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('confirm exits 1 without exactly one hash', async () => {
    const r = await cli(confirmCommand, ['--url', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('expected exactly one plan HASH');
  });
});
