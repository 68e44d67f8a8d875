// The stderr logger for `run`: one pino root on the given stream (fd 2), JSON lines by default,
// pino-pretty for terminals, and the field-name constants. Never writes to stdout.
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { PinoPretty as PinoPrettyFn } from 'pino-pretty';

export type { Logger };
export type LogFormat = 'json' | 'pretty';
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

/** The root logger; components take `logger.child({ component })`. */
export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, base: { name: 'exabgp-reconciler' } };
  if (options.format === 'pretty') {
    // Loaded only for `--log-format pretty` (~25 ms of start-up otherwise).
    const { PinoPretty } = createRequire(import.meta.url)('pino-pretty') as {
      PinoPretty: typeof PinoPrettyFn;
    };
    const pretty = PinoPretty({
      destination: options.stream,
      colorize: options.colorize ?? false,
      sync: true,
    });
    return pino(base, pretty);
  }
  return pino(base, options.stream);
}

/** A logger that drops everything (unit tests that do not assert on logs). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
