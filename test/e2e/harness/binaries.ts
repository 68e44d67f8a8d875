// Locates the real daemons the e2e suite drives (ExaBGP 4.2 or 5.0, bird, birdc) and our built binary.
// Under CI=true a missing binary is a failure, never a skip; locally the suite skips with the reason.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const MAIN_JS = join(REPO_ROOT, 'dist', 'main.js');

/** Debian packages that provide the binaries (what .ci/run installs). */
export const APT_PACKAGES = ['exabgp', 'bird2'] as const;

/** The ExaBGP versions every scenario runs on. */
export const VERSIONS = ['4.2', '5.0'] as const;
export type ExabgpVersion = (typeof VERSIONS)[number];

/**
 * Where ExaBGP 5.0.13 is looked for: `EXABGP5` if set, else the prefix `.ci/run` installs it to
 * (`bash ../shared/exabgp5/install.sh /opt/exabgp-5.0.13`), else the developer machines' prefix.
 */
export const EXABGP5_DEFAULTS = ['/opt/exabgp-5.0.13/bin/exabgp', '/opt/exabgp5/bin/exabgp'];

/** The exact releases the suite is written against (the 4.2 half is Debian bookworm's package). */
export const EXABGP_RELEASES: Record<ExabgpVersion, string> = { '4.2': '4.2.21', '5.0': '5.0.13' };

export interface Binaries {
  exabgp: string;
  /** Which ExaBGP `exabgp` is (its CLI, env-file lookup and as-path syntax differ). */
  exabgpVersion: ExabgpVersion;
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
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const reported = new Map<string, string>();

/** The release line an ExaBGP binary prints (`ExaBGP : 4.2.21`), cached per path. */
export function exabgpRelease(path: string, version: ExabgpVersion): string {
  const cached = reported.get(path);
  if (cached !== undefined) return cached;
  // 4.2: `exabgp --version`; 5.0: the `version` subcommand (`--version` is a usage error there)
  const args = version === '4.2' ? ['--version'] : ['version'];
  const result = spawnSync(path, args, { encoding: 'utf8', timeout: 20_000 });
  const text = `${result.stdout}${result.stderr}`;
  const release = /ExaBGP\s*:\s*(\S+)/.exec(text)?.[1] ?? `unknown (${text.trim().slice(0, 80)})`;
  reported.set(path, release);
  return release;
}

/** The ExaBGP binary of `version`, or why it is missing. */
function findExabgp(version: ExabgpVersion): { path: string } | { missing: string } {
  if (version === '4.2') {
    const path = findBinary('exabgp');
    return path === undefined ? { missing: 'exabgp 4.2 (apt package exabgp)' } : { path };
  }
  const fromEnv = process.env['EXABGP5'];
  const candidates = fromEnv !== undefined && fromEnv !== '' ? [fromEnv] : EXABGP5_DEFAULTS;
  const path = candidates.find(isExecutable);
  return path === undefined
    ? {
        missing: `exabgp 5.0 at ${candidates.join(' or ')} (bash ../shared/exabgp5/install.sh /opt/exabgp-5.0.13, or set EXABGP5)`,
      }
    : { path };
}

export type Availability = { ok: true; binaries: Binaries } | { ok: false; reason: string };

/**
 * Which daemons are present; `needMain` also requires `npm run build` output. `version` picks the
 * ExaBGP (default 4.2); a binary that reports another release than the expected line is missing.
 */
export function checkBinaries(
  options: { needMain?: boolean; version?: ExabgpVersion } = {},
): Availability {
  const version = options.version ?? '4.2';
  const exabgp = findExabgp(version);
  const bird = findBinary('bird');
  const birdc = findBinary('birdc');
  let wrongRelease = '';
  if ('path' in exabgp) {
    const release = exabgpRelease(exabgp.path, version);
    if (!release.startsWith(`${version}.`))
      wrongRelease = `ExaBGP ${version} (${exabgp.path} reports ${release})`;
  }
  const missing = [
    'missing' in exabgp ? exabgp.missing : wrongRelease,
    bird === undefined ? 'bird (apt package bird2)' : '',
    birdc === undefined ? 'birdc (apt package bird2)' : '',
    options.needMain === true && !existsSync(MAIN_JS) ? `${MAIN_JS} (run npm run build)` : '',
  ].filter((m) => m !== '');
  if (!('path' in exabgp) || bird === undefined || birdc === undefined || missing.length > 0) {
    return { ok: false, reason: `e2e prerequisites missing: ${missing.join(', ')}` };
  }
  return {
    ok: true,
    binaries: { exabgp: exabgp.path, exabgpVersion: version, bird, birdc, node: process.execPath },
  };
}

export function isCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * Resolve the binaries for a test file (or one version's half of it). Missing under CI: throws
 * (the file fails). Missing locally: prints the reason on stderr and returns undefined, and the
 * caller uses `describe.skipIf`.
 */
export function requireBinaries(
  options: { needMain?: boolean; version?: ExabgpVersion } = {},
): Binaries | undefined {
  const availability = checkBinaries(options);
  if (availability.ok) return availability.binaries;
  const what = options.version === undefined ? 'e2e file' : `ExaBGP ${options.version} half`;
  if (isCi()) throw new Error(`${availability.reason} (CI=true: the e2e suite must not skip)`);
  process.stderr.write(`SKIPPING e2e ${what}: ${availability.reason}\n`);
  return undefined;
}

/**
 * The versions this run covers: both, or only those named in `E2E_EXABGP` (`4.2`, `5.0`, `4.2,5.0`),
 * which the vitest projects `e2e-4.2` / `e2e-5.0` set so the two halves can run side by side.
 */
export function selectedVersions(): ExabgpVersion[] {
  const only = process.env['E2E_EXABGP'];
  if (only === undefined || only.trim() === '') return [...VERSIONS];
  const wanted = only.split(',').map((v) => v.trim());
  const unknown = wanted.filter((v) => !(VERSIONS as readonly string[]).includes(v));
  if (unknown.length > 0) throw new Error(`E2E_EXABGP: unknown version ${unknown.join(', ')}`);
  return VERSIONS.filter((v) => wanted.includes(v));
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
