// One e2e rig: a temp dir, BIRD with two passive peers, ExaBGP dialling both, and the process under
// test (our `run` through a wrapper script, or a line feeder for harness checks). Stops everything by pid.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import { MAIN_JS } from './binaries.js';
import { startBird, type Bird } from './bird.js';
import { startExabgp, type Exabgp, type ExabgpNeighbor } from './exabgp.js';
import { isAlive, readPidFile, stopAll, stopPid, trackPid, waitFor } from './processes.js';

/** Documentation ASN (RFC 5398), so example as-paths (65000, 65001, ...) never look like a loop to BIRD. */
export const ASN = 64496;

/** A peer as the tests see it: BIRD protocol name, BIRD's address (= route target), ExaBGP's address. */
export interface RigPeer {
  protocol: string;
  address: string;
  exabgpAddress: string;
  port: number;
}

/**
 * Addresses and ports of a slot; each test file uses its own slot so files never collide:
 * 127.0.<slot>.1/.2 (peer A: BIRD/ExaBGP), 127.0.<slot>.11/.12 (peer B), ports 12000+10*slot (+1).
 * A file's 5.0 half uses its slot + 20 (scenario.ts versionSlot); the table is in test/e2e/README.md.
 * 9-11 are the benchmarks' (12 is progress-status); 40 and above are kept free for experiments.
 */
export function slotPeers(slot: number): [RigPeer, RigPeer] {
  if (!Number.isInteger(slot) || slot < 1 || slot > 250) throw new Error(`bad slot ${slot}`);
  const port = 12_000 + slot * 10;
  return [
    { protocol: 'peer_a', address: `127.0.${slot}.1`, exabgpAddress: `127.0.${slot}.2`, port },
    {
      protocol: 'peer_b',
      address: `127.0.${slot}.11`,
      exabgpAddress: `127.0.${slot}.12`,
      port: port + 1,
    },
  ];
}

/**
 * More ExaBGP speakers in one slot (the fleet file): speaker `k` (0-2) gets the addresses
 * 127.0.<slot>.(20k+1/2/11/12) and the ports 12000+10*slot+2k (+1); speaker 0 is slotPeers(slot).
 */
export function slotSpeakerPeers(slot: number, k: number): [RigPeer, RigPeer] {
  if (!Number.isInteger(k) || k < 0 || k > 2) throw new Error(`bad speaker index ${k}`);
  const [a, b] = slotPeers(slot);
  const at = (p: RigPeer, d: number): RigPeer => ({
    ...p,
    address: p.address.replace(/\.(\d+)$/, (_m, n: string) => `.${Number(n) + 20 * k}`),
    exabgpAddress: p.exabgpAddress.replace(/\.(\d+)$/, (_m, n: string) => `.${Number(n) + 20 * k}`),
    port: 12_000 + slot * 10 + 2 * k + d,
  });
  return [at(a, 0), at(b, 1)];
}

export type ProcessSpec =
  | { kind: 'reconciler'; args?: readonly string[]; wrapper?: 'exec' | 'supervise' }
  | { kind: 'feeder' };

export interface RigOptions {
  slot: number;
  /** Short name used in the temp dir name. */
  name: string;
  binaries: Binaries;
  process: ProcessSpec;
  encoder?: 'text' | 'json';
  respawn?: boolean;
  env?: Record<string, Record<string, string>>;
  /** FlowSpec: BIRD flow4/flow6 channels and ExaBGP's ipv4/ipv6 flow families (default off). */
  flow?: boolean;
  /** Wait for both sessions before returning (default true). */
  waitEstablished?: boolean;
  /** Addresses and ports instead of slotPeers(slot) (several speakers in one slot). */
  peers?: [RigPeer, RigPeer];
  /** Called with the fresh directories before any daemon starts (e.g. to write routes.d). */
  prepare?: (dirs: { dir: string; routesDir: string; stateDir: string }) => void;
}

export interface ProcessExit {
  pid: number;
  /** Shell exit status: the code, or 128 + signal number. */
  status: number;
}

export interface Rig {
  readonly dir: string;
  readonly routesDir: string;
  readonly stateDir: string;
  readonly peers: readonly [RigPeer, RigPeer];
  readonly bird: Bird;
  readonly exabgp: Exabgp;
  /** Pid of the process under test right now (from the wrapper's pid file), if running. */
  processPid(): number | undefined;
  /** Every pid the wrapper has written, one per (re)spawn. */
  processStarts(): number[];
  /** Wait until a process with a pid not in `known` is running; returns its pid. */
  waitProcessStart(known?: readonly number[], timeoutMs?: number): Promise<number>;
  /** Supervise wrapper only: how each start ended. */
  processExits(): ProcessExit[];
  /** While held, a (re)spawned wrapper waits before starting our process (bounded: 30 s). */
  hold(on: boolean): void;
  /** Our process's stderr (pino JSON lines); `since` is an offset from stderrMark(). */
  stderrText(since?: number): string;
  stderrJson(since?: number): Record<string, unknown>[];
  /** The current length of our process's stderr, for stderrText(since). */
  stderrMark(): number;
  /** Wait until a stderr line after `since` contains every one of `needles`; returns that line. */
  waitStderr(
    needles: readonly string[],
    options?: { since?: number; timeoutMs?: number },
  ): Promise<string>;
  /** Replace the extra arguments the wrapper passes to `run` on its next (re)spawn. */
  setProcessArgs(args: readonly string[]): void;
  /** Feeder only: append command lines for the feeder to write to ExaBGP. */
  feed(lines: readonly string[]): void;
  /** Feeder only: forget every fed line (a respawned feeder replays the command file from the start). */
  clearFeed(): void;
  /** Feeder only: the lines ExaBGP wrote back (acks, events), empty lines dropped. */
  feederInput(): string[];
  waitEstablished(timeoutMs?: number): Promise<void>;
  /** Last lines of every log, for a failure report. */
  diagnostics(lines?: number): string;
  /** Keep the temp dir after stop() (call on failure). */
  keepArtifacts(): void;
  stop(): Promise<void>;
}

const FEEDER_JS = `// e2e line feeder: forwards new complete lines of a command file to stdout (ExaBGP),
// appends everything ExaBGP writes on stdin to a file. Exits on stdin EOF.
import fs from 'node:fs';
const [commandFile, inputFile] = process.argv.slice(2);
let offset = 0;
let pending = '';
setInterval(() => {
  let size = 0;
  try { size = fs.statSync(commandFile).size; } catch { return; }
  if (size <= offset) return;
  const fd = fs.openSync(commandFile, 'r');
  const buf = Buffer.alloc(size - offset);
  fs.readSync(fd, buf, 0, buf.length, offset);
  fs.closeSync(fd);
  offset = size;
  pending += buf.toString('ascii');
  const end = pending.lastIndexOf('\\n');
  if (end >= 0) { process.stdout.write(pending.slice(0, end + 1)); pending = pending.slice(end + 1); }
}, 50);
process.stdin.on('data', (d) => fs.appendFileSync(inputFile, d));
process.stdin.on('end', () => process.exit(0));
`;

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `run` program for ExaBGP. It waits while `<dir>/hold` exists (bounded: 30 s) so a test can
 * change routes.d while our process is down, reads the extra `run` arguments at each spawn, and
 * records the pid of each start. `exec` mode: node replaces the shell (ExaBGP is its parent).
 * `supervise` mode: the shell stays as the parent (a wrapper between ExaBGP and us), forwards
 * SIGTERM/SIGINT, and records `<pid> <exit status>` in `<dir>/process.exits`.
 */
function writeWrapper(dir: string, binaries: Binaries, spec: ProcessSpec): string {
  const wrapper = join(dir, 'process.sh');
  const d = shellQuote(dir);
  const head = [
    '#!/bin/sh',
    '# generated by the e2e harness (test/e2e/harness/rig.ts)',
    `D=${d}`,
    'i=0',
    'while [ -e "$D/hold" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done',
  ];
  let body: string[];
  if (spec.kind === 'feeder') {
    writeFileSync(join(dir, 'feeder.mjs'), FEEDER_JS);
    body = [
      'echo $$ > "$D/process.pid"; echo $$ >> "$D/process.pids"',
      `exec ${shellQuote(binaries.node)} "$D/feeder.mjs" "$D/commands.txt" "$D/process.stdin.log" 2>>"$D/process.stderr.log"`,
    ];
  } else {
    const cmd = `${shellQuote(binaries.node)} ${shellQuote(MAIN_JS)} run --routes "$D/routes.d" --state-dir "$D/state" "$@"`;
    const args = 'eval "set -- $(cat "$D/process.args")"';
    body =
      spec.wrapper === 'exec'
        ? [
            args,
            'echo $$ > "$D/process.pid"; echo $$ >> "$D/process.pids"',
            `exec ${cmd} 2>>"$D/process.stderr.log"`,
          ]
        : [
            args,
            'exec 3<&0',
            `${cmd} <&3 3<&- 2>>"$D/process.stderr.log" &`,
            'child=$!',
            'exec 3<&-',
            'echo $child > "$D/process.pid"; echo $child >> "$D/process.pids"',
            'trap \'echo "$child TERM $(date +%s%3N)" >> "$D/process.signals"; kill -TERM $child 2>/dev/null\' TERM',
            "trap 'kill -INT $child 2>/dev/null' INT",
            'wait $child; status=$?',
            'while kill -0 $child 2>/dev/null; do wait $child; status=$?; done',
            'echo "$child $status $(date +%s%3N)" >> "$D/process.exits"',
            'exit $status',
          ];
  }
  writeFileSync(wrapper, [...head, ...body, ''].join('\n'));
  chmodSync(wrapper, 0o755);
  return wrapper;
}

function tail(path: string, lines: number): string {
  if (!existsSync(path)) return '(absent)';
  return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), `e2e-${options.name}-`));
  const routesDir = join(dir, 'routes.d');
  const stateDir = join(dir, 'state');
  mkdirSync(routesDir);
  mkdirSync(stateDir);
  const paths = {
    pidFile: join(dir, 'process.pid'),
    pidsFile: join(dir, 'process.pids'),
    stderr: join(dir, 'process.stderr.log'),
    commands: join(dir, 'commands.txt'),
    input: join(dir, 'process.stdin.log'),
    routes: routesDir,
    state: stateDir,
    args: join(dir, 'process.args'),
  };
  writeFileSync(paths.commands, '');
  options.prepare?.({ dir, routesDir, stateDir });
  const setProcessArgs = (args: readonly string[]) =>
    writeFileSync(paths.args, args.map(shellQuote).join(' '));
  setProcessArgs(options.process.kind === 'reconciler' ? (options.process.args ?? []) : []);
  const wrapper = writeWrapper(dir, options.binaries, options.process);
  const peers = options.peers ?? slotPeers(options.slot);
  const bird = await startBird({
    dir,
    birdPath: options.binaries.bird,
    birdcPath: options.binaries.birdc,
    routerId: peers[0].address,
    peers: peers.map((p) => ({
      name: p.protocol,
      address: p.address,
      port: p.port,
      neighbor: p.exabgpAddress,
      asn: ASN,
      ...(options.flow === true ? { flow: true } : {}),
    })),
  });
  const neighbors: ExabgpNeighbor[] = peers.map((p) => ({
    peerAddress: p.address,
    localAddress: p.exabgpAddress,
    asn: ASN,
    port: p.port,
  }));
  const exabgp = startExabgp({
    dir,
    exabgpPath: options.binaries.exabgp,
    version: options.binaries.exabgpVersion,
    neighbors,
    processRun: wrapper,
    ...(options.encoder === undefined ? {} : { encoder: options.encoder }),
    ...(options.respawn === undefined ? {} : { respawn: options.respawn }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.flow === true ? { flow: true } : {}),
  });
  let keep = process.env['E2E_KEEP_ARTIFACTS'] === '1';
  const processStarts = () =>
    existsSync(paths.pidsFile)
      ? readFileSync(paths.pidsFile, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map(Number)
      : [];
  const rig: Rig = {
    dir,
    routesDir,
    stateDir,
    peers,
    bird,
    exabgp,
    processPid() {
      const pid = readPidFile(paths.pidFile);
      return pid !== undefined && isAlive(pid, dir) ? pid : undefined;
    },
    processStarts,
    async waitProcessStart(known = [], timeoutMs = 20_000) {
      const pid = await waitFor(
        () => {
          const pid = readPidFile(paths.pidFile);
          return pid !== undefined && !known.includes(pid) && isAlive(pid, dir) ? pid : undefined;
        },
        { timeoutMs, what: 'the process under test to start' },
      );
      trackPid(pid, dir);
      return pid;
    },
    processExits() {
      const file = join(dir, 'process.exits');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [pid, status] = l.split(' ').map(Number);
          return { pid: pid ?? 0, status: status ?? -1 };
        });
    },
    hold(on) {
      if (on) writeFileSync(join(dir, 'hold'), '');
      else rmSync(join(dir, 'hold'), { force: true });
    },
    stderrText: (since = 0) =>
      existsSync(paths.stderr) ? readFileSync(paths.stderr).subarray(since).toString('utf8') : '',
    stderrMark: () => (existsSync(paths.stderr) ? statSync(paths.stderr).size : 0),
    async waitStderr(needles, options = {}) {
      return waitFor(
        () =>
          rig
            .stderrText(options.since ?? 0)
            .split('\n')
            .find((l) => needles.every((n) => l.includes(n))),
        {
          timeoutMs: options.timeoutMs ?? 20_000,
          what: `a stderr line with ${JSON.stringify(needles)}`,
        },
      );
    },
    stderrJson(since = 0) {
      return rig
        .stderrText(since)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
    },
    setProcessArgs,
    feed(lines) {
      appendFileSync(paths.commands, lines.map((l) => `${l}\n`).join(''));
    },
    clearFeed() {
      writeFileSync(paths.commands, '');
      options.prepare?.({ dir, routesDir, stateDir });
    },
    feederInput() {
      if (!existsSync(paths.input)) return [];
      return readFileSync(paths.input, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
    },
    async waitEstablished(timeoutMs = 30_000) {
      await Promise.all(peers.map((p) => bird.waitEstablished(p.protocol, timeoutMs)));
    },
    diagnostics(lines = 40) {
      return [
        `artifacts: ${dir}`,
        `--- process stderr (last ${lines}) ---\n${tail(paths.stderr, lines)}`,
        `--- exabgp log (last ${lines}) ---\n${tail(exabgp.logFile, lines)}`,
        `--- bird log (last ${lines}) ---\n${tail(join(dir, 'bird.events.log'), lines)}`,
      ].join('\n');
    },
    keepArtifacts() {
      keep = true;
    },
    async stop() {
      await exabgp.stop();
      // the cmdline of our process (and of its wrapper) contains the unique temp dir: no pid-reuse accidents
      for (const pid of processStarts()) await stopPid(pid, dir, { graceMs: 2_000 });
      await bird.stop();
      await stopAll();
      if (keep) process.stderr.write(`e2e artifacts kept in ${dir}\n`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
  if (options.waitEstablished !== false) await rig.waitEstablished();
  return rig;
}
