// `run` with stderr on a terminal (a pseudo-terminal from util-linux `script`): one readable line
// per event, coloured unless NO_COLOR is set; `--log-format json` still forces JSON there.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIN } from '../helpers/spawn-cli.js';

const SCRIPT = '/usr/bin/script';
const root = mkdtempSync(join(tmpdir(), 'run-tty-'));
mkdirSync(join(root, 'routes.d'));
writeFileSync(
  join(root, 'routes.d', 'a.yaml'),
  'routes:\n  - prefixes: [10.1.0.0/24, 10.1.1.0/24]\n    next-hop: 192.0.2.1\n',
);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** run's stderr as a terminal shows it, until the first reconcile is logged (bounded). */
function stderrOnTty(extra: string, env: Record<string, string | undefined>): Promise<string> {
  const state = mkdtempSync(join(root, 'state-'));
  const command = `${process.execPath} ${MAIN} run --routes routes.d --listen none --ack off --state-dir ${state} ${extra} 2>&1 >/dev/null`;
  const child = spawn(SCRIPT, ['-qfec', command, '/dev/null'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no reconcile logged: ${out}`));
    }, 15_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('reconcile done') && out.includes('\n', out.indexOf('reconcile done'))) {
        child.stdin.end();
        child.kill('SIGTERM');
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describe.skipIf(!existsSync(SCRIPT))('run on a terminal', () => {
  it('logs one readable line per event, without colour under NO_COLOR', async () => {
    const text = await stderrOnTty('', { NO_COLOR: '1' });
    const lines = text.split(/\r?\n/).filter((l) => l !== '');
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
    expect(text).not.toContain('\x1b[');
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}#1 reconcile done \+2 ~0 -0 \(=0\) /),
    );
  });

  it('colours the level when NO_COLOR is unset', async () => {
    const text = await stderrOnTty('', { NO_COLOR: undefined });
    expect(text).toContain('\x1b[32mINFO ');
  });

  it('still writes JSON lines with --log-format json', async () => {
    const text = await stderrOnTty('--log-format json', { NO_COLOR: '1' });
    const lines = text.split(/\r?\n/).filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
  });
});
