#!/usr/bin/env node
// Process entry: dispatch the CLI command and map its outcome to an exit code. The only caller of
// process.exit. Every command writes its product to stdout and everything else to stderr.
import { isBug } from './errors.js';
import type { CliIo } from './cli/io.js';

const USAGE = `usage: exabgp-reconciler <command> [options]

commands:
  run        the ExaBGP API process: watch routes, apply the diff to ExaBGP over stdout
  plan       dry-run diff of desired routes against an announced state (for CI)
  validate   check route files; diagnostics on stderr
  status     is it converged, and if not why (a running reconciler, or its ledger)
  confirm    confirm a plan held by the mass-withdraw guard, by its hash
  fleet      fleet status: every speaker sharing an etcd api source, converged or not

Run 'exabgp-reconciler <command> --help' for a command's options.
`;

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

// Loaded on demand: `validate` and `plan` should not pay for fastify, SQLite and chokidar.
const COMMANDS: Readonly<Record<string, Command>> = {
  validate: async (argv, io) => (await import('./cli/validate.js')).validateCommand(argv, io),
  plan: async (argv, io) => (await import('./cli/plan.js')).planCommand(argv, io),
  run: async (argv, io) => (await import('./cli/run.js')).runCommand(argv, io),
  status: async (argv, io) => (await import('./cli/status.js')).statusCommand(argv, io),
  confirm: async (argv, io) => (await import('./cli/confirm.js')).confirmCommand(argv, io),
  fleet: async (argv, io) => (await import('./cli/fleet.js')).fleetCommand(argv, io),
};

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  const io: CliIo = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  };
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`exabgp-reconciler: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  return command(rest, io);
}

main().then(
  (code) => {
    // Exit explicitly once stdout is flushed: a command is done when it returns, and a stray
    // timer or handle must not keep `run` alive after ExaBGP's shutdown notice (ExaBGP sends
    // SIGTERM 0.1 s later, when our signal handlers are already gone: exit 143).
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`exabgp-reconciler: ${isBug(err) ? '' : 'fatal: '}${text}\n`);
    process.exit(1);
  },
);
