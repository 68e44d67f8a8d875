// `plan` with FlowSpec rules as a real process: --from-git shows a changed rate as one update and
// one command, and a broad discard exits 3 naming the broad-flow rule.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidExabgpLine } from '../helpers/exabgp-grammar.js';
import { runCli } from '../helpers/spawn-cli.js';

const rule = (rate: number): string =>
  `flows:\n  - match:\n      destination: 203.0.113.53/32\n      protocol: udp\n      destination-port: 53\n    then:\n      rate-limit: ${rate}\n`;

let repo: string;
const git = (...args: string[]): void => {
  execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
};

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'plan-flows-'));
  mkdirSync(join(repo, 'routes.d'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.invalid');
  git('config', 'user.name', 'ci');
  writeFileSync(join(repo, 'routes.d', 'flows.yaml'), rule(9600));
  git('add', '.');
  git('commit', '-q', '-m', 'v1');
  writeFileSync(join(repo, 'routes.d', 'flows.yaml'), rule(19200));
  git('commit', '-q', '-am', 'v2');
});

afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('plan with flows', () => {
  it('shows a changed rate since HEAD~1 as one update, readable, and exits 2', async () => {
    const r = await runCli(
      ['plan', '--routes', 'routes.d', '--from-git', 'HEAD~1', '--detailed-exitcode'],
      { cwd: repo },
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      '~ update flow destination 203.0.113.53/32 protocol =udp destination-port =53 (ipv4 flow, all neighbors)\n      rate-limit: 9600 -> 19200',
    );
    expect(r.stdout).toContain('Plan: 0 to announce, 1 to update, 0 to withdraw.');
  });

  it('prints the one command for it, valid for both ExaBGP versions', async () => {
    const r = await runCli(
      ['plan', '--routes', 'routes.d', '--from-git', 'HEAD~1', '--format', 'commands'],
      { cwd: repo },
    );
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toEqual([
      'announce flow route { match { destination 203.0.113.53/32; protocol =udp; destination-port =53; } then { rate-limit 19200; } }',
    ]);
    expect(lines.every((l) => isValidExabgpLine(l, '4.2') && isValidExabgpLine(l, '5.0'))).toBe(
      true,
    );
  });

  it('takes the broad-flow limits from --broad-flow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-broad-'));
    try {
      writeFileSync(
        join(dir, 'wide.yaml'),
        'flows:\n  - match:\n      destination: 10.0.0.0/16\n    then:\n      discard: true\n',
      );
      expect((await runCli(['plan', '--routes', dir])).code).toBe(0);
      const strict = await runCli(['plan', '--routes', dir, '--broad-flow', '16,48']);
      expect(strict.code).toBe(3);
      expect((await runCli(['plan', '--routes', dir, '--broad-flow', 'x'])).code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 3 on a broad discard, naming the rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-broad-'));
    try {
      writeFileSync(
        join(dir, 'broad.yaml'),
        'flows:\n  - match:\n      destination: 0.0.0.0/0\n    then:\n      discard: true\n',
      );
      const r = await runCli(['plan', '--routes', dir]);
      expect(r.code).toBe(3);
      expect(`${r.stdout}${r.stderr}`).toMatch(
        /broad-flow guard tripped: .*discard of 0\.0\.0\.0\/0/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
