// Shared flag parsing for the CLI commands: node:util parseArgs in strict mode, with --help and
// usage errors turned into values the command can report. No business logic here.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';
import { errorText, EXIT, writeLine } from './io.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export type ParsedArgs<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; strict: true }>
>['values'];

export type ArgsOutcome<O extends Options> =
  | { readonly kind: 'ok'; readonly values: ParsedArgs<O> }
  | { readonly kind: 'exit'; readonly code: number };

/**
 * Parse argv against `options`; `--help` prints `usage` to stdout and exits 0, an unknown flag or a
 * missing value prints the problem and the usage to stderr and exits 1.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: readonly string[],
  options: O,
  usage: string,
  io: CliIo,
): ArgsOutcome<O> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(usage);
    return { kind: 'exit', code: EXIT.ok };
  }
  try {
    const { values } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: false,
    });
    return { kind: 'ok', values };
  } catch (err) {
    writeLine(io.stderr, `exabgp-reconciler ${command}: ${errorText(err)}`);
    io.stderr.write(`\n${usage}`);
    return { kind: 'exit', code: EXIT.error };
  }
}

/** Report a usage problem found after parsing (e.g. two mutually exclusive flags). */
export function usageError(command: string, message: string, usage: string, io: CliIo): number {
  writeLine(io.stderr, `exabgp-reconciler ${command}: ${message}`);
  io.stderr.write(`\n${usage}`);
  return EXIT.error;
}
