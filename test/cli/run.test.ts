// Spawns the built binary (`node dist/main.js run`) with stdio pipes; the test plays ExaBGP.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HANDSHAKE_LINES, isValidExabgpLine } from '../helpers/exabgp-grammar.js';
import { MAIN, runCli } from '../helpers/spawn-cli.js';

const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const FILE = `routes:
  - prefix: 10.0.0.0/24
    next-hop: 192.0.2.1
  - prefixes: [10.1.0.0/24, 10.1.1.0/24]
    next-hop: 192.0.2.1
    med: 10
`;

interface Player {
  readonly child: ChildProcessWithoutNullStreams;
  /** Route commands (and --verify's show), in order. */
  readonly lines: string[];
  /** The start-up handshake lines, answered as ExaBGP 4.2.21 does. */
  readonly control: string[];
  readonly stderrLines: string[];
  readonly exited: Promise<number | null>;
  answer: boolean;
  /** Lines written back for a command before its `done` (show output). */
  output: (line: string) => readonly string[];
}

function workspace(): { root: string; routes: string } {
  const root = mkdtempSync(join(tmpdir(), 'run-cli-'));
  dirs.push(root);
  const routes = join(root, 'routes.d');
  mkdirSync(routes);
  writeFileSync(join(routes, 'a.yaml'), FILE);
  return { root, routes };
}

/** ExaBGP 4.2.21's answers to the handshake: flush not understood, version, barrier output. */
function exabgpAnswer(line: string): string {
  if (line === 'version') return 'exabgp 4.2.21\ndone\n';
  if (line === 'show neighbor summary')
    return 'Peer            AS        up/down state       |     #sent     #recvd\ndone\n';
  if (line === 'show neighbor extensive') return 'Neighbor 127.0.0.2\n   state   IDLE\ndone\n';
  return 'error\n';
}

/** Start `run` and answer `done` to every line, as ExaBGP does with exabgp.api.ack=true. */
function play(root: string, extra: readonly string[] = []): Player {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'run',
      '--routes',
      'routes.d',
      '--debounce-ms',
      '50',
      '--resync-interval',
      '0',
      ...extra,
    ],
    { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(child);
  const player: Player = {
    child,
    lines: [],
    control: [],
    stderrLines: [],
    answer: true,
    output: () => [],
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  let out = '';
  child.stdout.setEncoding('latin1').on('data', (chunk: string) => {
    out += chunk;
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    for (const line of parts) {
      if (HANDSHAKE_LINES.includes(line)) {
        player.control.push(line);
        if (child.stdin.writable) child.stdin.write(exabgpAnswer(line));
        continue;
      }
      player.lines.push(line);
      if (!player.answer || !child.stdin.writable) continue;
      for (const o of player.output(line)) child.stdin.write(`${o}\n`);
      child.stdin.write('done\n');
    }
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    const parts = err.split('\n');
    err = parts.pop() ?? '';
    player.stderrLines.push(...parts);
  });
  return player;
}

/** Every stdout line is a route command (or the one show command of --verify); stderr is JSON. */
function expectCleanStreams(p: Player): void {
  for (const line of p.lines) {
    if (line !== 'show adj-rib out extensive') expect(isValidExabgpLine(line), line).toBe(true);
  }
  for (const line of p.stderrLines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
}

const waitFor = (fn: () => void): Promise<void> =>
  vi.waitFor(fn, { timeout: 10_000, interval: 20 });

describe('exabgp-reconciler run', () => {
  it('announces the files, follows an edit, and keeps routes on SIGTERM', async () => {
    const { root, routes } = workspace();
    const p = play(root);
    await waitFor(() => expect(p.lines).toHaveLength(2));
    expect(p.lines).toEqual([
      'announce route 10.0.0.0/24 next-hop 192.0.2.1',
      'announce attributes next-hop 192.0.2.1 med 10 nlri 10.1.0.0/24 10.1.1.0/24',
    ]);
    await waitFor(() => expect(p.stderrLines.join('\n')).toContain('reconcile done'));
    writeFileSync(join(routes, 'a.yaml'), FILE.replace('med: 10', 'med: 20'));
    await waitFor(() => expect(p.lines).toHaveLength(3));
    expect(p.lines[2]).toBe(
      'announce attributes next-hop 192.0.2.1 med 20 nlri 10.1.0.0/24 10.1.1.0/24',
    );
    await new Promise((r) => setTimeout(r, 100));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.lines).toHaveLength(3);
    expectCleanStreams(p);
  });

  it('withdraws what it announced on SIGTERM with --withdraw-on-exit', async () => {
    const { root } = workspace();
    const p = play(root, ['--withdraw-on-exit']);
    await waitFor(() => expect(p.lines).toHaveLength(2));
    await waitFor(() => expect(p.stderrLines.join('\n')).toContain('reconcile done'));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.lines.slice(2)).toEqual([
      'withdraw attributes next-hop 0.0.0.0 nlri 10.0.0.0/24 10.1.0.0/24 10.1.1.0/24',
    ]);
    expectCleanStreams(p);
  });

  it.each([
    ['stdin EOF', (p: Player) => p.child.stdin.end()],
    ['the text shutdown notice', (p: Player) => p.child.stdin.write('shutdown 123 1\n\n')],
  ])('exits 0 on %s', async (_name, stop) => {
    const { root } = workspace();
    const p = play(root);
    await waitFor(() => expect(p.lines).toHaveLength(2));
    stop(p);
    expect(await p.exited).toBe(0);
    expectCleanStreams(p);
  });

  it('trusts the ledger for the same ExaBGP instance and sends only the diff', async () => {
    const { root, routes } = workspace();
    const instance = ['--exabgp-pid', String(process.pid)];
    const first = play(root, instance);
    await waitFor(() => expect(first.lines).toHaveLength(2));
    first.child.stdin.end();
    expect(await first.exited).toBe(0);
    writeFileSync(
      join(routes, 'b.yaml'),
      'routes:\n  - prefix: 10.9.0.0/24\n    next-hop: 192.0.2.9\n',
    );
    const second = play(root, instance);
    await waitFor(() => expect(second.lines).toHaveLength(1));
    expect(second.lines).toEqual(['announce route 10.9.0.0/24 next-hop 192.0.2.9']);
    second.child.stdin.end();
    expect(await second.exited).toBe(0);
  });

  it('announces everything again when there is no ExaBGP instance to trust', async () => {
    const { root } = workspace();
    const first = play(root);
    await waitFor(() => expect(first.lines).toHaveLength(2));
    first.child.stdin.end();
    await first.exited;
    const second = play(root);
    await waitFor(() => expect(second.lines).toHaveLength(2));
    second.child.stdin.end();
    expect(await second.exited).toBe(0);
  });

  it('withdraws a route removed while it was down when the ExaBGP instance cannot be identified', async () => {
    // Neither an empty RIB nor a trusted ledger: the removed routes may still be announced at the
    // peer (the stale-route failure), so every ledger key is re-asserted.
    const { root, routes } = workspace();
    const first = play(root);
    await waitFor(() => expect(first.lines).toHaveLength(2));
    first.child.stdin.end();
    await first.exited;
    writeFileSync(join(routes, 'a.yaml'), FILE.replace(/ {2}- prefixes[\s\S]*$/, ''));
    const second = play(root);
    await waitFor(() => expect(second.lines).toHaveLength(2));
    expect(second.lines).toEqual([
      'announce route 10.0.0.0/24 next-hop 192.0.2.1',
      'withdraw attributes next-hop 0.0.0.0 nlri 10.1.0.0/24 10.1.1.0/24',
    ]);
    expect(second.control).toEqual([
      ' nlri-poison',
      'version',
      'show neighbor summary',
      'show neighbor extensive',
    ]);
    await waitFor(() =>
      expect(second.stderrLines.join('\n')).toContain('re-asserting every route'),
    );
    second.child.stdin.end();
    expect(await second.exited).toBe(0);
    expectCleanStreams(second);
  });

  it('waits for ExaBGP instead of exiting when the state directory is unusable under ExaBGP', async () => {
    const { root } = workspace();
    writeFileSync(join(root, 'file'), '');
    const p = play(root, ['--exabgp-pid', String(process.pid), '--state-dir', 'file/state']);
    await waitFor(() => expect(p.stderrLines.join('\n')).toContain('E_STATE'));
    await new Promise((r) => setTimeout(r, 200));
    expect(p.child.exitCode).toBeNull();
    p.child.stdin.end();
    expect(await p.exited).toBe(0);
    expect(p.lines).toEqual([]);
  });

  it('exits 1 on a bad flag when standalone, with the problem on stderr', async () => {
    const result = await runCli(['run', '--ack', 'maybe']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('invalid --ack "maybe"');
  });

  it('prints its usage with --help', async () => {
    const result = await runCli(['run', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--withdraw-on-exit');
    expect(result.stdout).toContain('--verify-interval DUR');
  });

  it('with --verify reads show adj-rib out after start-up and repairs what drifted', async () => {
    const { root } = workspace();
    const n = '192.0.2.9';
    const p = play(root, ['--verify']);
    p.child.stdin.write(`neighbor ${n} up\n\n`);
    const head = `neighbor ${n} local-ip 192.0.2.8 local-as 64496 peer-as 64496 router-id 192.0.2.8 family-allowed in-open ipv4 unicast`;
    p.output = (line) =>
      line === 'show adj-rib out extensive'
        ? [
            `${head} 10.0.0.0/24 next-hop 192.0.2.1`,
            `${head} 10.1.0.0/24 next-hop 192.0.2.1 med 99`,
            `${head} 10.9.0.0/24 next-hop 192.0.2.99`,
          ]
        : [];
    await waitFor(() => expect(p.stderrLines.join('\n')).toContain('verify found drift'));
    await waitFor(() => expect(p.lines).toHaveLength(5));
    expect(p.lines.slice(2)).toEqual([
      'show adj-rib out extensive',
      'announce attributes next-hop 192.0.2.1 med 10 nlri 10.1.0.0/24 10.1.1.0/24',
      `neighbor ${n} withdraw route 10.9.0.0/24`,
    ]);
    const logs = p.stderrLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.filter((l) => l['kind'] !== undefined).map((l) => [l['kind'], l['count']])).toEqual(
      [
        ['missing', 1],
        ['different', 1],
        ['extra', 1],
      ],
    );
    p.child.stdin.end();
    expect(await p.exited).toBe(0);
    expectCleanStreams(p);
  });

  it('skips --verify with a warning when acks are off', async () => {
    const { root } = workspace();
    const p = play(root, ['--verify', '--ack', 'off']);
    await waitFor(() => expect(p.stderrLines.join('\n')).toContain('--verify needs acks on'));
    await waitFor(() => expect(p.stderrLines.join('\n')).toContain('reconcile done'));
    p.child.stdin.end();
    expect(await p.exited).toBe(0);
    expect(p.lines).not.toContain('show adj-rib out extensive');
  });
});
