// A real ExaBGP (4.2 or 5.0) for the e2e suite: writes exabgp.conf + exabgp.env, starts it in the
// foreground with its pid recorded and its log captured to a file, stops/restarts it by pid.
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExabgpVersion } from './binaries.js';
import { spawnDaemon, waitFor, type Daemon } from './processes.js';

export interface ExabgpNeighbor {
  /** The peer's address (BIRD's local address); also the route target selector. */
  peerAddress: string;
  /** ExaBGP's source address (and router-id). */
  localAddress: string;
  asn: number;
  /** BIRD's listening port: ExaBGP dials out to it. */
  port: number;
}

export interface ExabgpOptions {
  dir: string;
  exabgpPath: string;
  /** Which CLI and env-file convention `exabgpPath` follows (default 4.2). */
  version?: ExabgpVersion;
  neighbors: readonly ExabgpNeighbor[];
  /** Absolute path of the process program (a wrapper script). */
  processRun: string;
  encoder?: 'text' | 'json';
  /** `respawn` of the process block (default true). */
  respawn?: boolean;
  /** Also negotiate ipv4 flow and ipv6 flow (FlowSpec) with every neighbor. */
  flow?: boolean;
  /** Extra ini settings, e.g. `{ 'exabgp.api': { ack: 'false' } }`; merged over the defaults. */
  env?: Record<string, Record<string, string>>;
}

export interface Exabgp {
  readonly dir: string;
  readonly version: ExabgpVersion;
  readonly confFile: string;
  readonly envFile: string;
  readonly logFile: string;
  /** The running daemon's pid (changes on restart). */
  pid(): number;
  isRunning(): boolean;
  logText(): string;
  /** Stop by pid (SIGTERM, then SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** Start a new instance with the same files (after stop()). */
  start(): Promise<void>;
  /** Stop, then start a new instance with the same files. */
  restart(): Promise<void>;
}

/**
 * The env the suite uses: ack on, no CLI pipes, root (the helper writes root-owned temp dirs),
 * no listener, log to stdout, and `exabgp.reactor.speed = 0.1` (measured: 100k routes ingest
 * 4x faster than with the default 1.0; see exabgp-api.md §13).
 */
export const DEFAULT_ENV: Record<string, Record<string, string>> = {
  'exabgp.api': { ack: 'true', cli: 'false', respawn: 'true' },
  'exabgp.daemon': { user: "'root'", daemonize: 'false', drop: 'false' },
  'exabgp.tcp': { bind: "''" },
  // timestamps on (5.0's default is short); E2E_EXABGP_DEBUG=1 adds DEBUG (tracebacks, every line)
  'exabgp.log': { destination: "'stdout'", level: 'INFO', short: 'false' },
  'exabgp.reactor': { speed: '0.1' },
};

export function renderExabgpEnv(overrides: Record<string, Record<string, string>> = {}): string {
  const sections = new Map<string, Record<string, string>>();
  for (const [name, values] of Object.entries(DEFAULT_ENV)) sections.set(name, { ...values });
  for (const [name, values] of Object.entries(overrides)) {
    sections.set(name, { ...(sections.get(name) ?? {}), ...values });
  }
  return [...sections]
    .map(
      ([name, values]) =>
        `[${name}]\n${Object.entries(values)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
    )
    .join('\n');
}

export function renderExabgpConfig(
  options: Pick<ExabgpOptions, 'neighbors' | 'processRun' | 'encoder' | 'respawn' | 'flow'>,
): string {
  const process = `process reconciler {
    run ${options.processRun};
    encoder ${options.encoder ?? 'text'};
    respawn ${options.respawn === false ? 'false' : 'true'};
}
`;
  const neighbors = options.neighbors.map(
    (n) => `neighbor ${n.peerAddress} {
    router-id ${n.localAddress};
    local-address ${n.localAddress};
    local-as ${n.asn};
    peer-as ${n.asn};
    connect ${n.port};
    family { ipv4 unicast; ipv6 unicast; ipv4 mpls-vpn; ipv4 nlri-mpls;${options.flow === true ? ' ipv4 flow; ipv6 flow;' : ''} }
    api { processes [ reconciler ]; neighbor-changes; }
}
`,
  );
  return [process, ...neighbors].join('\n');
}

/**
 * The command line of one ExaBGP instance. 4.2: `--env FILE conf`; `--env` must be an absolute path
 * (4.2 resolves a relative one against /etc/exabgp and would silently read Debian's env: user
 * exabgp, CLI pipes on). 5.0 reads no /etc fallback and has no `--env`: `--env-file FILE server conf`,
 * plus `EXABGP_ENVFILE` in its environment (exabgp5.md §6).
 */
export function exabgpCommand(
  version: ExabgpVersion,
  envFile: string,
  confFile: string,
): { args: string[]; env: NodeJS.ProcessEnv } {
  if (version === '4.2') return { args: ['--env', envFile, confFile], env: process.env };
  return {
    args: ['--env-file', envFile, 'server', confFile],
    env: { ...process.env, EXABGP_ENVFILE: envFile },
  };
}

/** Start ExaBGP in the foreground (see exabgpCommand for the per-version command line). */
export function startExabgp(options: ExabgpOptions): Exabgp {
  const confFile = join(options.dir, 'exabgp.conf');
  const envFile = join(options.dir, 'exabgp.env');
  const logFile = join(options.dir, 'exabgp.log');
  writeFileSync(confFile, renderExabgpConfig(options));
  // E2E_EXABGP_DEBUG=1: ExaBGP logs every command line it reads from our process and the traceback
  // of a session reset (both only at DEBUG; large logs, slower ingest)
  const debug =
    process.env['E2E_EXABGP_DEBUG'] === '1'
      ? { 'exabgp.log': { level: 'DEBUG', processes: 'true' } }
      : {};
  writeFileSync(envFile, renderExabgpEnv({ ...debug, ...options.env }));
  const version = options.version ?? '4.2';
  const command = exabgpCommand(version, envFile, confFile);
  let daemon: Daemon;
  const launch = () => {
    daemon = spawnDaemon(options.exabgpPath, command.args, {
      logFile,
      cwd: options.dir,
      env: command.env,
      expect: confFile,
    });
  };
  launch();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) => {
    await daemon.stop(signal, graceMs);
  };
  return {
    dir: options.dir,
    version,
    confFile,
    envFile,
    logFile,
    pid: () => daemon.pid,
    isRunning: () => daemon.isRunning(),
    logText: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop,
    async start() {
      if (daemon.isRunning()) throw new Error('exabgp is already running');
      launch();
      await waitFor(() => daemon.isRunning(), { timeoutMs: 5_000, what: 'exabgp started' });
    },
    async restart() {
      await stop();
      launch();
      await waitFor(() => daemon.isRunning(), { timeoutMs: 5_000, what: 'exabgp restarted' });
    },
  };
}
