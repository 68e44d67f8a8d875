// Daemon processes for the e2e suite: spawn with the pid recorded, stop by pid, bounded polling.
// Every pid this module starts (or learns from a pid file) is tracked so stopAll() can end stragglers.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Shown in the timeout error. */
  what?: string;
}

/** Poll `predicate` until it returns a truthy value or the time is up (then throw with `what`). */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? 'condition'}${why}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Pids we started or adopted, with a word their /proc cmdline must contain (guards against pid reuse). */
const tracked = new Map<number, string>();

/** True when `pid` runs and its command line contains `expect` (when given). */
export function isAlive(pid: number, expect?: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // state is the field after the parenthesised comm; Z = zombie (already dead)
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    if (expect === undefined) return true;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(expect);
  } catch {
    return false;
  }
}

/** Remember a pid started elsewhere (e.g. our process, respawned by ExaBGP) so stopAll() ends it. */
export function trackPid(pid: number, expect: string): void {
  tracked.set(pid, expect);
}

/** Read a pid file written by a wrapper (`echo $$ > file`); undefined when absent or empty. */
export function readPidFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Send `signal` to `pid` if it still is the process we think it is; false when it was already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals, expect?: string): boolean {
  if (!isAlive(pid, expect)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM (or `signal`), wait up to `graceMs`, then SIGKILL; resolves once the pid is gone. */
export async function stopPid(
  pid: number,
  expect: string,
  options: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  signalPid(pid, options.signal ?? 'SIGTERM', expect);
  const deadline = Date.now() + (options.graceMs ?? 5_000);
  while (isAlive(pid, expect) && Date.now() < deadline) await sleep(50);
  if (signalPid(pid, 'SIGKILL', expect)) {
    const killDeadline = Date.now() + 5_000;
    while (isAlive(pid, expect) && Date.now() < killDeadline) await sleep(50);
  }
  tracked.delete(pid);
}

export interface Daemon {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Spawn `command` with stdout and stderr appended to `logFile`; the pid is tracked until stopped. */
export function spawnDaemon(
  command: string,
  args: readonly string[],
  options: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv; expect?: string },
): Daemon {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`failed to spawn ${command}`);
  const expect = options.expect ?? command.split('/').pop() ?? command;
  tracked.set(pid, expect);
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      tracked.delete(pid);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      running = false;
      resolve('spawn-error');
    });
  });
  return {
    pid,
    child,
    exited,
    isRunning: () => running,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000) {
      if (!running) return;
      child.kill(signal);
      const timer = sleep(graceMs).then(() => 'timeout' as const);
      if ((await Promise.race([exited, timer])) === 'timeout' && running) {
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(5_000)]);
      }
    },
  };
}

/** End every tracked process (stragglers after a failure): SIGTERM, then SIGKILL. */
export async function stopAll(): Promise<void> {
  await Promise.all([...tracked].map(([pid, expect]) => stopPid(pid, expect, { graceMs: 3_000 })));
}

/** Last resort when the test worker exits: SIGKILL everything still tracked, synchronously. */
process.once('exit', () => {
  for (const [pid, expect] of tracked) signalPid(pid, 'SIGKILL', expect);
});
