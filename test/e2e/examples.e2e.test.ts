// The bundled ExaBGP examples load in the real daemons: the configuration with ExaBGP 4.2
// (`--test`) and 5.0 (`validate`), each version with its own env file.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBinaries, isCi, REPO_ROOT, selectedVersions } from './harness/binaries.js';

const EXAMPLES = join(REPO_ROOT, 'examples', 'exabgp');
const found42 = checkBinaries({ version: '4.2' });
const found50 = checkBinaries({ version: '5.0' });
const EXABGP_42 = found42.ok ? found42.binaries.exabgp : undefined;
const EXABGP_50 = found50.ok ? found50.binaries.exabgp : '';
const has50 = found50.ok;

if (isCi() && (!found42.ok || !found50.ok))
  throw new Error(
    `CI needs ExaBGP 4.2 and 5.0: ${found42.ok ? '' : found42.reason} ${found50.ok ? '' : found50.reason}`,
  );

// each e2e project (e2e-4.2, e2e-5.0) checks its own version's example only
const versions = selectedVersions();

describe('examples/exabgp', () => {
  if (versions.includes('4.2')) {
    it.skipIf(EXABGP_42 === undefined)('loads in ExaBGP 4.2 with its env file', () => {
      const r = spawnSync(
        EXABGP_42!,
        ['--test', '--env', join(EXAMPLES, 'exabgp.env'), join(EXAMPLES, 'exabgp.conf')],
        { encoding: 'utf8', env: { ...process.env, exabgp_daemon_user: 'root' }, timeout: 60_000 },
      );
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/error|invalid/i);
    });
  }

  if (versions.includes('5.0')) {
    it.skipIf(!has50)('loads in ExaBGP 5.0 with its env file', () => {
      const r = spawnSync(EXABGP_50, ['validate', join(EXAMPLES, 'exabgp.conf')], {
        encoding: 'utf8',
        env: { ...process.env, EXABGP_ENVFILE: join(EXAMPLES, 'exabgp-5.0.env') },
        timeout: 60_000,
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toContain('✓ loading');
    });
  }
});
