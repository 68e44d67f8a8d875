// The bundled ExaBGP examples load in the real daemons: the configuration with ExaBGP 4.2
// (`--test`) and 5.0 (`validate`), each version with its own env file.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBinary, isCi, REPO_ROOT } from './harness/binaries.js';

const EXAMPLES = join(REPO_ROOT, 'examples', 'exabgp');
const EXABGP_42 = findBinary('exabgp');
const EXABGP_50 = process.env['EXABGP5'] ?? '/opt/exabgp-5.0.13/bin/exabgp';
const has50 = existsSync(EXABGP_50);

if (isCi() && (EXABGP_42 === undefined || !has50))
  throw new Error(`CI needs ExaBGP 4.2 (found ${EXABGP_42}) and 5.0 (${EXABGP_50})`);

describe('examples/exabgp', () => {
  it.skipIf(EXABGP_42 === undefined)('loads in ExaBGP 4.2 with its env file', () => {
    const r = spawnSync(
      EXABGP_42!,
      ['--test', '--env', join(EXAMPLES, 'exabgp.env'), join(EXAMPLES, 'exabgp.conf')],
      { encoding: 'utf8', env: { ...process.env, exabgp_daemon_user: 'root' }, timeout: 60_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/error|invalid/i);
  });

  it.skipIf(!has50)('loads in ExaBGP 5.0 with its env file', () => {
    const r = spawnSync(EXABGP_50, ['validate', join(EXAMPLES, 'exabgp.conf')], {
      encoding: 'utf8',
      env: { ...process.env, EXABGP_ENVFILE: join(EXAMPLES, 'exabgp-5.0.env') },
      timeout: 60_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('✓ loading');
  });
});
