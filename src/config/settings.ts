// Settings for `run`: flags > EXABGP_RECONCILER_* environment > defaults, validated once and frozen.
// The only place that interprets the environment; callers pass the result down explicitly.
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_GUARD_POLICY, parseGuardLimit, type GuardPolicy } from '../core/guard.js';
import { parseBroadFlowPolicy } from '../core/flow.js';
import { ReconcilerError } from '../errors.js';

export type AckSetting = 'on' | 'off' | 'auto';

export interface RunSettings {
  readonly routesDir: string;
  readonly stateDir: string;
  /** `auto`: on, except off when stdin is a terminal (nobody types `done`). */
  readonly ack: AckSetting;
  readonly ackTimeoutMs: number;
  readonly maxInFlightLines: number;
  readonly debounceMs: number;
  readonly resyncIntervalMs: number;
  readonly guard: GuardPolicy;
  readonly confirmWithdraw: boolean;
  readonly withdrawOnExit: boolean;
  readonly exitTimeoutMs: number;
  readonly exabgpPid: number | null;
  /** `--exabgp-version`: the dialect to speak; `auto` asks ExaBGP (`version`) at start-up. */
  readonly exabgpVersion: 'auto' | '4.2' | '5.0';
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  readonly logFormat: 'json' | 'pretty';
  /** `--listen`: HOST:PORT, [V6]:PORT or `none`; parsed and checked by the HTTP layer. */
  readonly listen: string;
  readonly tokenFile: string | null;
  /** `--body-limit` as given (`32m`); parsed by the HTTP layer. */
  readonly bodyLimit: string | null;
  /** `--verify`: compare ExaBGP's adj-rib-out with the ledger after start-up and repair drift. */
  readonly verify: boolean;
  /** `--verify-interval`: repeat the check this often (implies --verify); 0 = only after start-up. */
  readonly verifyIntervalMs: number;
}

/** Raw flag values as node:util parseArgs returns them (strings and booleans). */
export type RunFlags = Readonly<Record<string, string | boolean | undefined>>;

export const ENV_PREFIX = 'EXABGP_RECONCILER_';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `500ms`, `30s`, `5m`, `1h`; a bare number is seconds.
 * @example parseDuration('5m', 'resync-interval') // 300000
 */
export function parseDuration(text: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) {
    throw new ReconcilerError(
      'E_USAGE',
      `invalid --${name} "${text}": expected a duration such as 30s or 5m`,
    );
  }
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000));
}

function parseCount(text: string, name: string, min: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new ReconcilerError(
      'E_USAGE',
      `invalid --${name} "${text}": expected an integer >= ${min}`,
    );
  }
  return Number(text);
}

function parseChoice<T extends string>(text: string, name: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new ReconcilerError(
      'E_USAGE',
      `invalid --${name} "${text}": expected ${choices.join(', ')}`,
    );
  }
  return text as T;
}

function parseBool(text: string, name: string): boolean {
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(text)) return false;
  throw new ReconcilerError('E_USAGE', `invalid ${name} "${text}": expected true or false`);
}

function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replace(/-/g, '_');
}

/** Build the frozen run settings. Throws ReconcilerError E_USAGE naming the bad value. */
export function buildRunSettings(
  flags: RunFlags,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): RunSettings {
  const str = (flag: string): string | undefined => {
    const v = flags[flag];
    if (typeof v === 'string') return v;
    return env[envName(flag)];
  };
  const bool = (flag: string): boolean => {
    if (flags[flag] === true) return true;
    const v = env[envName(flag)];
    return v === undefined ? false : parseBool(v, envName(flag));
  };
  const path = (flag: string, fallback: string): string => {
    const p = str(flag) ?? fallback;
    return isAbsolute(p) ? p : resolve(cwd, p);
  };
  const pid = str('exabgp-pid');
  const verifyIntervalMs = parseDuration(str('verify-interval') ?? '0', 'verify-interval');
  const maxWithdraw = str('max-withdraw');
  const settings: RunSettings = {
    routesDir: path('routes', 'routes.d'),
    stateDir: path('state-dir', '.state'),
    ack: parseChoice(str('ack') ?? 'auto', 'ack', ['on', 'off', 'auto'] as const),
    ackTimeoutMs: parseDuration(str('ack-timeout') ?? '30s', 'ack-timeout'),
    maxInFlightLines: parseCount(str('max-inflight') ?? '64', 'max-inflight', 1),
    debounceMs: parseCount(str('debounce-ms') ?? '100', 'debounce-ms', 0),
    resyncIntervalMs: parseDuration(str('resync-interval') ?? '5m', 'resync-interval'),
    guard: withBroadFlow(
      maxWithdraw === undefined ? DEFAULT_GUARD_POLICY : parseGuardLimit(maxWithdraw),
      str('broad-flow'),
    ),
    confirmWithdraw: bool('confirm-withdraw'),
    withdrawOnExit: bool('withdraw-on-exit'),
    exitTimeoutMs: parseDuration(str('exit-timeout') ?? '5s', 'exit-timeout'),
    exabgpPid: pid === undefined ? null : parseCount(pid, 'exabgp-pid', 1),
    exabgpVersion: parseChoice(str('exabgp-version') ?? 'auto', 'exabgp-version', [
      'auto',
      '4.2',
      '5.0',
    ] as const),
    logLevel: parseChoice(str('log-level') ?? 'info', 'log-level', [
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
      'silent',
    ] as const),
    logFormat: parseChoice(str('log-format') ?? 'json', 'log-format', ['json', 'pretty'] as const),
    listen: str('listen') ?? '127.0.0.1:5000',
    tokenFile: str('token-file') === undefined ? null : path('token-file', ''),
    bodyLimit: str('body-limit') ?? null,
    // A repeat interval asks for the check, so it implies --verify.
    verify: bool('verify') || verifyIntervalMs > 0,
    verifyIntervalMs,
  };
  return Object.freeze(settings);
}

/** The guard policy with `--broad-flow V4,V6` (FlowSpec broad-rule limits), if given. */
export function withBroadFlow(policy: GuardPolicy, text: string | undefined): GuardPolicy {
  if (text === undefined) return policy;
  const broadFlow = parseBroadFlowPolicy(text);
  if (broadFlow === undefined)
    throw new ReconcilerError(
      'E_USAGE',
      `invalid --broad-flow "${text}": expected two prefix lengths, ipv4 then ipv6, such as 8,32`,
    );
  return { ...policy, broadFlow };
}
