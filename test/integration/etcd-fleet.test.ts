// Two `run` processes (acks off, no ExaBGP: their stdout is what ExaBGP would read) sharing one
// real etcd: a PUT on one reaches both; a file entry with `speakers:` reaches only its speaker;
// `fleet status` and GET /v1/fleet show both converged; with etcd stopped nothing is withdrawn,
// PUT answers 503 and health is degraded; a speaker restarted while etcd is down prints its last
// known state; once etcd is back both converge again.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, runCli } from '../helpers/spawn-cli.js';
import { startEtcd, until, type EtcdCluster } from './etcd-harness.js';

interface Speaker {
  readonly name: string;
  readonly port: number;
  proc: ChildProcessWithoutNullStreams;
  stdout: string;
}

let etcd: EtcdCluster;
let dir: string;
const speakers: Speaker[] = [];

function start(name: string, port: number): Speaker {
  const home = join(dir, name);
  const proc = spawn(
    process.execPath,
    [
      MAIN,
      'run',
      '--ack',
      'off',
      '--exabgp-version',
      '4.2',
      '--routes',
      join(dir, 'routes.d'),
      '--state-dir',
      join(home, 'state'),
      '--listen',
      `127.0.0.1:${port}`,
      '--speaker',
      name,
      '--speaker-label',
      `site=${name}`,
      '--etcd-endpoints',
      etcd.endpoints.join(','),
      '--log-level',
      'warn',
    ],
    { stdio: 'pipe' },
  );
  const s: Speaker = { name, port, proc, stdout: '' };
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (s.stdout += d));
  proc.stderr.resume();
  return s;
}

async function stop(s: Speaker): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await exited;
}

const url = (s: Speaker, path: string) => `http://127.0.0.1:${s.port}${path}`;
const commands = (s: Speaker) =>
  s.stdout.split('\n').filter((l) => l.startsWith('announce') || l.startsWith('withdraw'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'etcd-fleet-'));
  mkdirSync(join(dir, 'routes.d'));
  writeFileSync(
    join(dir, 'routes.d', 'site.yaml'),
    'routes:\n  - prefix: 198.51.100.0/24\n    next-hop: 192.0.2.9\n    speaker-selector: {site: a}\n',
  );
  etcd = await startEtcd(23830, 1);
  speakers.push(start('a', 23860), start('b', 23861));
  await until(
    async () => {
      const ok = await Promise.all(
        speakers.map((s) =>
          fetch(url(s, '/healthz')).then(
            (r) => r.ok,
            () => false,
          ),
        ),
      );
      return ok.every(Boolean);
    },
    15_000,
    'both speakers to listen',
  );
}, 40_000);

afterAll(async () => {
  await Promise.all(speakers.map(stop));
  await etcd?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a fleet of two speakers on etcd', () => {
  it('refuses a speaker selection in a PUT body (one document serves every speaker)', async () => {
    const [a] = speakers as [Speaker, Speaker];
    const res = await fetch(url(a, '/v1/desired'), {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: 'routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 10.0.0.1\n    speakers: [b]\n',
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as {
      code: string;
      diagnostics: { code: string; line: number; col: number; message: string }[];
    };
    expect(body.diagnostics[0]).toMatchObject({ code: 'E_SELECTOR', line: 4, col: 15 });
    expect(body.diagnostics[0]!.message).toContain('select speakers in route files');
  });

  it('routes a file entry by selector to its speaker only', async () => {
    const [a, b] = speakers as [Speaker, Speaker];
    await until(() => commands(a).length === 1, 10_000, 'speaker a to announce its site route');
    expect(commands(a)).toEqual(['announce route 198.51.100.0/24 next-hop 192.0.2.9']);
    expect(commands(b)).toEqual([]);
  });

  it('applies one PUT on every speaker, and fleet status shows both converged', async () => {
    const [a, b] = speakers as [Speaker, Speaker];
    const res = await fetch(url(a, '/v1/desired'), {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      // a FlowSpec rule travels in the same document
      body:
        'routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 10.0.0.1\n' +
        'flows:\n  - match: {destination: 203.0.113.53/32, protocol: udp, destination-port: 53}\n' +
        '    then: {rate-limit: 9600}\n',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^"etcd-r\d+"$/);
    const line = 'announce route 192.0.2.0/24 next-hop 10.0.0.1';
    await until(
      () => commands(a).includes(line) && commands(b).includes(line),
      10_000,
      'both speakers to print the PUT',
    );
    const flow = (s: Speaker) => s.stdout.split('\n').filter((l) => l.startsWith('announce flow'));
    await until(
      () => flow(a).length === 1 && flow(b).length === 1,
      10_000,
      'both to print the flow',
    );
    expect(flow(a)).toEqual(flow(b));
    expect(flow(a)[0]).toContain('destination 203.0.113.53/32');
    await until(
      async () =>
        (await runCli(['fleet', 'status', '--etcd-endpoints', etcd.endpoints[0]!])).code === 0,
      10_000,
      'fleet status to report both converged',
    );
    const status = await runCli(['fleet', 'status', '--etcd-endpoints', etcd.endpoints[0]!]);
    expect(status.stdout).toContain('all 2 speakers converged');
    const view = (await (await fetch(url(b, '/v1/fleet'))).json()) as {
      speakers: { record: { name: string }; converged: boolean }[];
    };
    expect(view.speakers.map((s) => [s.record.name, s.converged])).toEqual([
      ['a', true],
      ['b', true],
    ]);
  });

  it('keeps everything with etcd stopped, restarts a speaker then, and converges once etcd is back', async () => {
    const [a, b] = speakers as [Speaker, Speaker];
    const before = { a: commands(a).length, b: commands(b).length };
    await etcd.stop(etcd.members[0]!);
    await until(
      async () =>
        ((await (await fetch(url(a, '/healthz'))).json()) as { status: string }).status ===
        'degraded',
      10_000,
      'speaker a to report degraded',
    );
    const put = await fetch(url(a, '/v1/desired'), {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: 'routes: []\n',
    });
    expect(put.status).toBe(503);
    const metrics = await (await fetch(url(a, '/metrics'))).text();
    expect(metrics).toMatch(/exabgp_reconciler_using_last_good 1/);
    expect(metrics).toMatch(/exabgp_reconciler_diagnostics\{severity="error"\} 1/);
    const status = (await (await fetch(url(a, '/v1/status'))).json()) as {
      diagnostics: { code: string }[];
    };
    expect(status.diagnostics.map((d) => d.code)).toContain('E_STORE_UNAVAILABLE');
    expect(((await put.json()) as { code: string }).code).toBe('E_STORE_UNAVAILABLE');
    // a speaker restarted while etcd is down announces its last known state (from its ledger)
    await stop(b);
    const b2 = start('b', 23861);
    speakers[1] = b2;
    await until(() => commands(b2).length >= 1, 10_000, 'the restarted speaker to announce');
    expect(commands(b2)).toContain('announce route 192.0.2.0/24 next-hop 10.0.0.1');
    await new Promise((r) => setTimeout(r, 1000));
    expect(commands(a).length).toBe(before.a); // nothing withdrawn, nothing re-sent
    expect(commands(a).some((l) => l.startsWith('withdraw'))).toBe(false);
    expect(commands(b2).some((l) => l.startsWith('withdraw'))).toBe(false);
    etcd.start(etcd.members[0]!);
    await until(
      async () =>
        (await runCli(['fleet', 'status', '--etcd-endpoints', etcd.endpoints[0]!])).code === 0,
      30_000,
      'both speakers converged again',
    );
    expect(commands(a).some((l) => l.startsWith('withdraw'))).toBe(false);
    // the records may predate the outage: healthy again is each speaker's own word
    await until(
      async () => {
        const h = await Promise.all(
          speakers.map((s) =>
            fetch(url(s, '/healthz')).then((r) => r.json() as Promise<{ status: string }>),
          ),
        );
        return h.every((x) => x.status === 'ok');
      },
      20_000,
      'both speakers healthy again',
    );
  }, 60_000);

  it('stores a PUT that trips the guard everywhere, and applies it on every speaker after one confirmation', async () => {
    const [a, b] = speakers as [Speaker, Speaker];
    const put = (body: string) =>
      fetch(url(a, '/v1/desired'), {
        method: 'PUT',
        headers: { 'content-type': 'application/yaml' },
        body,
      });
    const many = Array.from({ length: 12 }, (_, i) => `      - 100.64.${i}.0/24`).join('\n');
    // keeps 192.0.2.0/24: dropping a speaker's only route would trip its guard already
    const grow = `routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 10.0.0.1\n  - prefixes:\n${many}\n    next-hop: 10.0.0.2\n`;
    const grown = await put(grow);
    expect(grown.status, await grown.clone().text()).toBe(200);
    await until(
      () => [a, b].every((s) => s.stdout.includes('100.64.11.0/24')),
      20_000,
      'both speakers to announce the 12 routes',
    );
    const shrink = await put('routes:\n  - prefix: 100.65.0.0/24\n    next-hop: 10.0.0.2\n');
    expect(shrink.status).toBe(202); // stored, not applied: the guard tripped
    const revision = Number(/"etcd-r(\d+)"/.exec(shrink.headers.get('etag') ?? '')?.[1]);
    // the fleet-wide share (13 of 13 routes on each speaker): held on every speaker, not adopted
    const answer = (await shrink.json()) as { guard: { kind?: string; reason: string } };
    expect(answer.guard.kind).toBe('fleet');
    expect(answer.guard.reason).toContain(`fleet confirm --revision ${revision}`);
    const held = await runCli(['fleet', 'status', '--etcd-endpoints', etcd.endpoints[0]!]);
    expect(held.code).toBe(2);
    expect(held.stdout).toContain(`revision ${revision} is held by the fleet guard`);
    await until(
      async () => {
        const view = (await (await fetch(url(a, '/v1/fleet'))).json()) as {
          speakers: { record: { guard: { blocked: boolean } } }[];
        };
        return view.speakers.every((s) => s.record.guard.blocked);
      },
      10_000,
      'the guard to block the plan on both speakers',
    );
    // (the flow of the earlier PUT is withdrawn by the 12-route PUT, within the guard: not counted)
    expect([a, b].some((s) => /withdraw[^\n]*100\.64\./.test(s.stdout))).toBe(false);
    const confirm = await fetch(url(b, '/v1/fleet/confirm'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revision }),
    });
    expect(confirm.status).toBe(200);
    await until(
      () => [a, b].every((s) => /withdraw[^\n]*100\.64\.11\.0\/24/.test(s.stdout)),
      10_000,
      'both speakers to apply the confirmed plan',
    );
    expect(a.stdout).toContain('announce route 100.65.0.0/24 next-hop 10.0.0.2');
    expect(b.stdout).toContain('announce route 100.65.0.0/24 next-hop 10.0.0.2');
  }, 60_000);
});
