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

/** Is colour wanted on this stream: a TTY, and NO_COLOR unset. */
export function wantsColor(stream: Writable, env: CliIo['env']): boolean {
  const tty = (stream as Writable & { isTTY?: boolean }).isTTY === true;
  return tty && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '');
}
