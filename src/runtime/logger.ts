// The stderr logger for `run`: one pino root on the given stream (fd 2), JSON lines by default,
// one readable line per event on a terminal (log-pretty.ts), and the field-name constants. Never
// writes to stdout.
import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { createPrettyDestination } from './log-pretty.js';

export type { Logger };
export type LogFormat = 'json' | 'pretty';
/** `auto`: pretty when the stream is a terminal, JSON otherwise (under ExaBGP, in CI, in pipes). */
export type LogFormatSetting = LogFormat | 'auto';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Field keys shared by every log line (style.md B8), so log queries stay stable. */
export const LogField = {
  file: 'file',
  route: 'route',
  prefix: 'prefix',
  action: 'action',
  reconcileId: 'reconcile_id',
  code: 'code',
  durationMs: 'duration_ms',
  line: 'line',
  reason: 'reason',
  neighbor: 'neighbor',
  count: 'count',
  diagnostics: 'diagnostics',
  planHash: 'plan_hash',
  instance: 'instance',
  err: 'err',
} as const;

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go: the process's stderr in production, a capture stream in tests. */
  readonly stream: Writable;
  readonly colorize?: boolean;
}

/**
 * The format and colour for `setting` on `stream`: `auto` is pretty only on a terminal; colour
 * only for pretty lines on a terminal with NO_COLOR unset or empty (https://no-color.org).
 */
export function resolveLogFormat(
  setting: LogFormatSetting,
  stream: Writable,
  env: Readonly<Record<string, string | undefined>>,
): { readonly format: LogFormat; readonly colorize: boolean } {
  const tty = (stream as { isTTY?: boolean }).isTTY === true;
  const format = setting === 'auto' ? (tty ? 'pretty' : 'json') : setting;
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  return { format, colorize: format === 'pretty' && tty && !noColor };
}

/** The root logger; components take `logger.child({ component })`. */
export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, base: { name: 'exabgp-reconciler' } };
  if (options.format === 'pretty') {
    const pretty = createPrettyDestination(options.stream, {
      color: options.colorize ?? false,
    });
    return pino(base, pretty);
  }
  return pino(base, options.stream);
}

/** A logger that drops everything (unit tests that do not assert on logs). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
