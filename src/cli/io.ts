// The process streams and environment a CLI command runs with, injected so tests can drive commands
// in-process. Commands return an exit code; only main.ts calls process.exit.
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes shared by every command (README "CLI and exit codes"). */
export const EXIT = {
  ok: 0,
  error: 1,
  changes: 2,
  guard: 3,
} as const;

export function writeLine(stream: Writable, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function isTty(stream: Readable | Writable): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** Is colour wanted on this stream: a TTY, and NO_COLOR unset. */
export function wantsColor(stream: Writable, env: CliIo['env']): boolean {
  return isTty(stream) && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '');
}

/** An error as a CLI message: lowercase first letter, no trailing full stop (style.md B7). */
export function errorText(err: unknown): string {
  const s = (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}
