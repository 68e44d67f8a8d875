// examples/systemd: what each unit must say for the reconciler (state directory, user, restart
// policy, no SIGUSR1 reload), and `systemd-analyze verify` where it is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../helpers/spawn-cli.js';

const DIR = join(REPO, 'examples', 'systemd');
const UNITS = [
  ['4.2', 'exabgp-4.2.service', '/usr/sbin/exabgp'],
  ['5.0', 'exabgp-5.0.service', '/usr/local/bin/exabgp'],
] as const;
const ANALYZE = '/usr/bin/systemd-analyze';

/** `Key=value` lines of the [Service] section (comments dropped). */
function serviceKeys(text: string): Map<string, string[]> {
  const section = text.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  const keys = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m !== null) keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!]);
  }
  return keys;
}

describe.each(UNITS)('examples/systemd for ExaBGP %s', (_version, file, exabgp) => {
  const text = readFileSync(join(DIR, file), 'utf8');
  const keys = serviceKeys(text);

  it('restarts ExaBGP always (it exits 0 after "Too many death")', () => {
    expect(keys.get('Restart')).toEqual(['always']);
  });

  it("owns the reconciler's state directory, the --state-dir of examples/exabgp/exabgp.conf", () => {
    expect(keys.get('StateDirectory')).toEqual(['exabgp-reconciler']);
    const conf = readFileSync(join(REPO, 'examples', 'exabgp', 'exabgp.conf'), 'utf8');
    expect(conf).toContain('--state-dir /var/lib/exabgp-reconciler');
  });

  it('runs as exabgp, stops ExaBGP first, and never sends SIGUSR1 (a full re-send)', () => {
    expect(keys.get('User')).toEqual(['exabgp']);
    expect(keys.get('KillMode')).toEqual(['mixed']);
    expect(keys.has('ExecReload')).toBe(false);
    expect(keys.get('ExecStart')?.[0]?.startsWith(exabgp)).toBe(true);
  });

  it.skipIf(!existsSync(ANALYZE))('passes systemd-analyze verify', () => {
    // The ExaBGP path of this machine when the unit's is absent (5.0 from the tarball here).
    const local = [exabgp, '/opt/exabgp-5.0.13/bin/exabgp'].find((p) => existsSync(p));
    if (local === undefined) return;
    const dir = mkdtempSync(join(tmpdir(), 'unit-'));
    try {
      const unit = join(dir, 'exabgp-example.service');
      writeFileSync(unit, text.replaceAll(exabgp, local));
      // Unknown keys and bad values are warnings on stderr with exit status 0: none allowed.
      const r = spawnSync(ANALYZE, ['verify', unit], { encoding: 'utf8' });
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
        status: 0,
        stdout: '',
        stderr: '',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
