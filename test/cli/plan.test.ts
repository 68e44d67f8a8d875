// `plan` as a real process: every output format, exit codes, the guard, and --from-git on a real
// git repository with route changes.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidExabgpLine } from '../helpers/exabgp-grammar.js';
import { REPO, runCli } from '../helpers/spawn-cli.js';

const EDGE_V1 = `routes:
  - prefix: 192.0.2.0/24
    next-hop: 198.51.100.1
    med: 10
  - prefix: 203.0.113.0/24
    next-hop: 198.51.100.1
  - prefixes: [198.51.100.10/32, 198.51.100.11/32]
    next-hop: 198.51.100.1
    community: [65000:666]
`;
const EDGE_V2 = `routes:
  - prefix: 192.0.2.0/24
    next-hop: 198.51.100.1
    med: 20
  - prefixes: [198.51.100.10/32, 198.51.100.11/32, 198.51.100.12/32]
    next-hop: 198.51.100.1
    community: [65000:666]
`;

let repo: string;
let empty: string;

function git(...args: string[]): void {
  execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
}

beforeAll(() => {
  empty = mkdtempSync(join(tmpdir(), 'plan-empty-'));
  repo = mkdtempSync(join(tmpdir(), 'plan-git-'));
  mkdirSync(join(repo, 'routes.d'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.invalid');
  git('config', 'user.name', 'ci');
  writeFileSync(join(repo, 'routes.d', 'edge.yaml'), EDGE_V1);
  writeFileSync(
    join(repo, 'routes.d', 'old.yaml'),
    'routes:\n  - prefix: 2001:db8:1::/48\n    next-hop: 2001:db8::1\n',
  );
  git('add', '.');
  git('commit', '-q', '-m', 'v1');
  writeFileSync(join(repo, 'routes.d', 'edge.yaml'), EDGE_V2);
  rmSync(join(repo, 'routes.d', 'old.yaml'));
  git('add', '-A');
  git('commit', '-q', '-m', 'v2');
});

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
});

describe('exabgp-reconciler plan --from-git', () => {
  it('prints exactly the commands for the change since HEAD~1 and exits 2', async () => {
    const r = await runCli(
      [
        'plan',
        '--routes',
        'routes.d',
        '--from-git',
        'HEAD~1',
        '--detailed-exitcode',
        '--format',
        'commands',
      ],
      { cwd: repo },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'announce route 192.0.2.0/24 next-hop 198.51.100.1 med 20',
      'announce route 198.51.100.12/32 next-hop 198.51.100.1 community [ 65000:666 ]',
      'withdraw route 203.0.113.0/24',
      'withdraw route 2001:db8:1::/48',
    ]);
  });

  it('renders the same change as a Terraform-like text plan', async () => {
    const r = await runCli(['plan', '--routes', 'routes.d', '--from-git', 'HEAD~1'], { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('~ update 192.0.2.0/24');
    expect(r.stdout).toMatch(/med: 10 -> 20/);
    expect(r.stdout).toContain('+ announce 198.51.100.12/32');
    expect(r.stdout).toContain('- withdraw 203.0.113.0/24');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
      'Plan: 1 to announce, 1 to update, 2 to withdraw.',
    );
  });

  it('reports no changes against HEAD with exit 0', async () => {
    const r = await runCli(
      ['plan', '--routes', 'routes.d', '--from-git', 'HEAD', '--detailed-exitcode'],
      {
        cwd: repo,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('No changes.\n');
  });

  it('fails with E_GIT on an unknown ref', async () => {
    const r = await runCli(['plan', '--routes', 'routes.d', '--from-git', 'no-such-ref'], {
      cwd: repo,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error E_GIT: git rev-parse/);
  });
});

describe('exabgp-reconciler plan output formats', () => {
  it('emits only valid ExaBGP commands for the bundled routes', async () => {
    const r = await runCli(['plan', '--routes', 'routes.d', '--format', 'commands']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(isValidExabgpLine(line), line).toBe(true);
  });

  it('emits versioned JSON with a summary', async () => {
    const r = await runCli(['plan', '--routes', 'routes.d', '--format', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.format_version).toBe('1');
    expect(json.summary.announce).toBeGreaterThan(0);
    expect(json.summary.withdraw).toBe(0);
  });

  it('emits markdown for a pull-request comment', async () => {
    const r = await runCli(['plan', '--routes', 'routes.d', '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/to announce/);
  });

  it('exits 3 when the plan trips the mass-withdraw guard', async () => {
    const r = await runCli([
      'plan',
      '--routes',
      empty,
      '--from-dir',
      'routes.d',
      '--format',
      'commands',
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/mass-withdraw guard tripped/);
    expect(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .every((l) => /^(neighbor \S+ )?withdraw /.test(l)),
    ).toBe(true);
  });

  it.each([
    ['1', 3],
    ['2', 0],
    ['35%', 3],
    ['40%', 0],
  ])('with --max-withdraw %s, withdrawing 2 of 5 routes exits %i', async (limit, code) => {
    const r = await runCli(
      ['plan', '--routes', 'routes.d', '--from-git', 'HEAD~1', '--max-withdraw', limit],
      {
        cwd: repo,
      },
    );
    expect(r.code).toBe(code);
  });

  it('always trips when every announced route would be withdrawn, whatever the limit', async () => {
    const r = await runCli([
      'plan',
      '--routes',
      empty,
      '--from-dir',
      'routes.d',
      '--max-withdraw',
      '100%',
    ]);
    expect(r.code).toBe(3);
  });

  it('refuses invalid desired routes with diagnostics and no plan', async () => {
    const r = await runCli(['plan', '--routes', 'test/fixtures/routes/bad']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/host-bits\.yaml:4:13: error E_HOST_BITS/);
  });

  it.each([
    [['plan', '--format', 'xml'], /unknown --format "xml"/],
    [
      ['plan', '--from-dir', 'a', '--from-git', 'b'],
      /--from-dir and --from-git exclude each other/,
    ],
    [['plan', '--max-withdraw', 'lots'], /invalid withdraw limit "lots"/],
    [['plan', '--nope'], /unknown option '--nope'/],
    [['plan', '--exabgp-version', '6.0'], /unknown --exabgp-version "6.0" \(4\.2 or 5\.0\)/],
    [['plan', '--exabgp-version', 'auto'], /unknown --exabgp-version "auto"/],
  ])('rejects %j with exit 1', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});

describe('exabgp-reconciler plan --exabgp-version', () => {
  const fixtures = join(REPO, 'test', 'fixtures', 'exabgp');
  let routes: string;
  beforeAll(() => {
    routes = mkdtempSync(join(tmpdir(), 'plan-dialect-'));
    copyFileSync(join(fixtures, 'adj-rib-out-routes.yaml'), join(routes, 'routes.yaml'));
  });
  afterAll(() => rmSync(routes, { recursive: true, force: true }));

  it.each(['4.2', '5.0'] as const)(
    'writes the commands in the %s spelling, exactly those the captures were made with',
    async (version) => {
      const r = await runCli([
        'plan',
        '--routes',
        routes,
        '--format',
        'commands',
        '--exabgp-version',
        version,
      ]);
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n').filter(Boolean);
      for (const line of lines) expect(isValidExabgpLine(line, version), line).toBe(true);
      const captured = readFileSync(join(fixtures, `adj-rib-out-commands-${version}.txt`), 'utf8');
      expect(lines).toEqual(captured.split('\n').filter(Boolean));
    },
  );

  it('writes 4.2 commands by default', async () => {
    const r = await runCli(['plan', '--routes', 'routes.d', '--format', 'commands']);
    expect(r.stdout).toContain('as-path [ 65001 ( 65010 65011 ) ]');
  });

  it.each(['4.2', '5.0'] as const)(
    'finds no changes between the route file and the real %s dump of it',
    async (version) => {
      const r = await runCli([
        'plan',
        '--routes',
        routes,
        '--from-dump',
        join(fixtures, `adj-rib-out-extensive-${version}.txt`),
        '--exabgp-version',
        version,
        '--detailed-exitcode',
      ]);
      // the route file's own warning (the ipv6 next-hop self), nothing about the dump
      expect(r.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(/routes\.yaml:\d+:\d+: warning W_NEXT_HOP_SELF_IPV6: /),
      ]);
      expect(r.stdout.trimEnd()).toBe('No changes.');
      expect(r.code).toBe(0);
    },
  );

  it('shows what a 5.0 dump read as 4.2 looks like', async () => {
    const r = await runCli([
      'plan',
      '--routes',
      routes,
      '--from-dump',
      join(fixtures, 'adj-rib-out-extensive-5.0.txt'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error E_DUMP: as-path: \( 65010 65020 \) is ExaBGP 5\.0's spelling/);
  });
});
