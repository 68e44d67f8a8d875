// `run --health-fleet-floor N`: a bad value is a usage error (exit 1 on stderr, nothing on stdout)
// in a fleet; the flag is documented in the usage.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/spawn-cli.js';

describe('run --health-fleet-floor', () => {
  it.each([['-1'], ['one'], ['1.5']])('refuses %s in a fleet', async (value) => {
    const r = await runCli([
      'run',
      '--etcd-endpoints',
      'http://127.0.0.1:1',
      `--health-fleet-floor=${value}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`invalid health-fleet-floor "${value}"`);
  });

  it('reads the environment too', async () => {
    const r = await runCli(['run', '--etcd-endpoints', 'http://127.0.0.1:1'], {
      env: { EXABGP_RECONCILER_HEALTH_FLEET_FLOOR: 'x' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid health-fleet-floor "x"');
  });

  it('is in the usage', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.stdout).toContain('--health-fleet-floor N');
  });
});
