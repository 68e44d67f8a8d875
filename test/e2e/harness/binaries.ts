// Locates the real daemons the e2e suite drives (exabgp, bird, birdc) and our built binary.
// Under CI=true a missing binary is a failure, never a skip; locally the suite skips with the reason.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const MAIN_JS = join(REPO_ROOT, 'dist', 'main.js');

/** Debian packages that provide the binaries (what .ci/run installs). */
export const APT_PACKAGES = ['exabgp', 'bird2'] as const;

export interface Binaries {
  exabgp: string;
  bird: string;
  birdc: string;
  node: string;
}

/** Absolute path of `name` on PATH (plus the sbin directories), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export type Availability = { ok: true; binaries: Binaries } | { ok: false; reason: string };

/** Which daemons are present; `needMain` also requires `npm run build` output. */
export function checkBinaries(options: { needMain?: boolean } = {}): Availability {
  const exabgp = findBinary('exabgp');
  const bird = findBinary('bird');
  const birdc = findBinary('birdc');
  const missing = [
    exabgp === undefined ? 'exabgp (apt package exabgp)' : '',
    bird === undefined ? 'bird (apt package bird2)' : '',
    birdc === undefined ? 'birdc (apt package bird2)' : '',
    options.needMain === true && !existsSync(MAIN_JS) ? `${MAIN_JS} (run npm run build)` : '',
  ].filter((m) => m !== '');
  if (exabgp === undefined || bird === undefined || birdc === undefined || missing.length > 0) {
    return { ok: false, reason: `e2e prerequisites missing: ${missing.join(', ')}` };
  }
  return { ok: true, binaries: { exabgp, bird, birdc, node: process.execPath } };
}

export function isCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * Resolve the binaries for a test file. Missing under CI: throws (the file fails). Missing locally:
 * prints the reason on stderr and returns undefined, and the caller uses `describe.skipIf`.
 */
export function requireBinaries(options: { needMain?: boolean } = {}): Binaries | undefined {
  const availability = checkBinaries(options);
  if (availability.ok) return availability.binaries;
  if (isCi()) throw new Error(`${availability.reason} (CI=true: the e2e suite must not skip)`);
  process.stderr.write(`SKIPPING e2e file: ${availability.reason}\n`);
  return undefined;
}

let runHelp: string | undefined;

/** `run --help` of the built binary (cached), to adapt to flags that exist. */
export function runHelpText(): string {
  if (runHelp === undefined) {
    const result = spawnSync(process.execPath, [MAIN_JS, 'run', '--help'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    runHelp = `${result.stdout}${result.stderr}`;
  }
  return runHelp;
}

/**
 * Flags every e2e `run` gets: JSON logs, and no HTTP listener when the binary has `--listen`
 * (several rigs must never fight over the default port).
 */
export function baseRunArgs(): string[] {
  const args = ['--log-format', 'json'];
  if (runHelpText().includes('--listen')) args.push('--listen', 'none');
  return args;
}
