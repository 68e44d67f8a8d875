// `plan --inventory` as a real process: one plan per speaker in every format, the summary per
// speaker, E_SELECTOR for a selection no inventory speaker matches, and exit 3 when one speaker's
// plan trips the guard.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/spawn-cli.js';

let dir: string;

const DESIRED = `defaults:
  next-hop: 192.0.2.254
routes:
  - prefix: 192.0.2.0/24
  - prefix: 198.51.100.0/24
    speakers: [pop-a]
  - prefix: 203.0.113.0/24
    speaker-selector: {site: scrub}
`;
const INVENTORY = `speakers:
  - name: pop-a
    labels: {site: pop}
  - name: scrub-1
    labels: {site: scrub}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plan-fleet-'));
  for (const d of ['routes.d', 'announced', 'bad']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'routes.d', 'anycast.yaml'), DESIRED);
  writeFileSync(join(dir, 'speakers.yaml'), INVENTORY);
  // announced: scrub-1 had 12 routes of its own that the desired state drops (guard: > 50%)
  const many = Array.from({ length: 12 }, (_, i) => `      - 100.64.${i}.0/24`).join('\n');
  writeFileSync(
    join(dir, 'announced', 'a.yaml'),
    `${DESIRED}  - prefixes:\n${many}\n    next-hop: 192.0.2.254\n    speakers: [scrub-1]\n`,
  );
  writeFileSync(
    join(dir, 'bad', 'x.yaml'),
    'routes:\n  - prefix: 10.0.0.0/8\n    next-hop: 192.0.2.1\n    speaker-selector: {site: moon}\n',
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan = (...args: string[]) =>
  runCli(['plan', '--routes', 'routes.d', '--inventory', 'speakers.yaml', ...args], { cwd: dir });

describe('plan --inventory', () => {
  it('prints one text plan per speaker and the fleet summary', async () => {
    const r = await plan();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Speaker pop-a:\n+ announce 192.0.2.0/24');
    expect(r.stdout).toMatch(
      /Speaker scrub-1:\n\+ announce 192\.0\.2\.0\/24[^]*203\.0\.113\.0\/24/,
    );
    expect(r.stdout).toContain(
      'Fleet:\n  pop-a: 2 to announce, 0 to update, 0 to withdraw\n  scrub-1: 2 to announce, 0 to update, 0 to withdraw\n',
    );
  });

  it('groups json by speaker, and commands under a speaker header', async () => {
    const json = JSON.parse((await plan('--format', 'json')).stdout);
    expect(json.speakers.map((s: { name: string }) => s.name)).toEqual(['pop-a', 'scrub-1']);
    expect(json.speakers[0].summary).toEqual({ announce: 2, update: 0, withdraw: 0, unchanged: 0 });
    const commands = (await plan('--format', 'commands')).stdout;
    expect(commands).toBe(
      '# speaker pop-a\nannounce attributes next-hop 192.0.2.254 nlri 192.0.2.0/24 198.51.100.0/24\n' +
        '# speaker scrub-1\nannounce attributes next-hop 192.0.2.254 nlri 192.0.2.0/24 203.0.113.0/24\n',
    );
    const md = (await plan('--format', 'markdown')).stdout;
    expect(md).toContain('## Speaker `pop-a`');
    expect(md).toContain('| scrub-1 | 2 | 0 | 0 | ok |');
  });

  it('exits 3 when one speaker’s plan trips the guard, naming it', async () => {
    const r = await plan('--from-dir', 'announced');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('scrub-1: mass-withdraw guard tripped');
    expect(r.stderr).not.toContain('pop-a: mass-withdraw');
  });

  it('refuses a selection that matches no speaker, at file:line:col', async () => {
    const r = await runCli(['plan', '--routes', 'bad', '--inventory', 'speakers.yaml'], {
      cwd: dir,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad/x.yaml:4:23: error E_SELECTOR: routes[0].speaker-selector');
  });

  it('validate --inventory checks every speaker’s view and the selections', async () => {
    const ok = await runCli(['validate', '--routes', 'routes.d', '--inventory', 'speakers.yaml'], {
      cwd: dir,
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('routes.d: 1 file, pop-a 2 routes, scrub-1 2 routes, 0 errors');
    const bad = await runCli(['validate', '--routes', 'bad', '--inventory', 'speakers.yaml'], {
      cwd: dir,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad/x.yaml:4:23: error E_SELECTOR');
  });
});
