// ExaBGP instance identity (design.md §5): the nearest ancestor process that is ExaBGP (a wrapper
// script may sit between), identified by pid + start time from /proc/<pid>/stat. Reads /proc only.
import { readFileSync } from 'node:fs';

export interface InstanceIdentity {
  readonly pid: number;
  /** /proc/<pid>/stat field 22: start time in clock ticks after boot (unique with the pid). */
  readonly startTime: string;
  /** The process's command line, for logs and status only (not part of the identity). */
  readonly cmdline?: string;
}

export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly ppid: number;
  readonly startTime: string;
}

/**
 * Parse /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself contain
 * spaces and parentheses, so fields are counted from the last `)`.
 * @example parseProcStat('42 (exabgp) S 1 42 42 0 -1 ...') // { pid: 42, comm: 'exabgp', ppid: 1, ... }
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const ppid = Number(rest[1]);
  const startTime = rest[19];
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || startTime === undefined)
    return undefined;
  if (!/^\d+$/.test(startTime)) return undefined;
  return { pid, comm: text.slice(open + 1, close), ppid, startTime };
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/** Program names ExaBGP runs under: Debian's script and its alternative, pip's console script. */
const EXABGP_NAMES = new Set(['exabgp', 'exabgp.py', 'python3-exabgp']);
/** Entry modules a python may run directly (the 5.0 source tree's `sbin/exabgp` execs main.py). */
const ENTRY_FILE = /\/exabgp\/(?:application\/(?:main|server|bgp)|__main__)\.py$/;

/**
 * Is this process ExaBGP, however it was started? Debian 4.2 (`python3 /usr/sbin/exabgp conf`,
 * comm `exabgp`), a pip or virtualenv console script (`<venv>/bin/python <venv>/bin/exabgp conf`),
 * `python3 -m exabgp [server] conf`, the source tree (`python3 <root>/src/exabgp/application/
 * main.py conf`), or a container whose PID 1 is one of these. Never our own `exabgp-reconciler`
 * (node) nor a shell wrapper (its python child is nearer to us and found first).
 */
export function isExabgpProcess(comm: string, argv: readonly string[]): boolean {
  if (comm === 'exabgp') return true;
  const head = argv.slice(0, 4);
  if (head.slice(0, 3).some((a) => EXABGP_NAMES.has(basename(a)))) return true;
  if (head.some((a) => ENTRY_FILE.test(a))) return true;
  for (let i = 0; i + 1 < head.length; i += 1) {
    const m = head[i + 1] ?? '';
    if (head[i] === '-m' && (m === 'exabgp' || m.startsWith('exabgp.'))) return true;
  }
  return false;
}

export interface ProcReader {
  readStat(pid: number): string | undefined;
  readCmdline(pid: number): readonly string[] | undefined;
}

export const procfsReader: ProcReader = {
  readStat: (pid) => readOrUndefined(`/proc/${pid}/stat`),
  readCmdline: (pid) => {
    const raw = readOrUndefined(`/proc/${pid}/cmdline`);
    return raw === undefined ? undefined : raw.split('\0').filter((s) => s !== '');
  },
};

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** Identity of one process, or undefined if it does not exist (or there is no /proc). */
export function identifyProcess(
  pid: number,
  proc: ProcReader = procfsReader,
): InstanceIdentity | undefined {
  const stat = parseProcStat(proc.readStat(pid) ?? '');
  if (stat === undefined) return undefined;
  const argv = proc.readCmdline(pid) ?? [];
  return { pid, startTime: stat.startTime, cmdline: argv.join(' ') };
}

/**
 * Walk up from `startPid` (our parent) to the nearest ExaBGP ancestor; undefined if none. PID 1
 * is checked too: in a container ExaBGP may be the init process.
 */
export function findExabgpAncestor(
  startPid: number,
  proc: ProcReader = procfsReader,
): InstanceIdentity | undefined {
  let pid = startPid;
  for (let depth = 0; depth < 32 && pid >= 1; depth += 1) {
    const stat = parseProcStat(proc.readStat(pid) ?? '');
    if (stat === undefined) return undefined;
    const argv = proc.readCmdline(pid) ?? [];
    if (isExabgpProcess(stat.comm, argv)) {
      return { pid, startTime: stat.startTime, cmdline: argv.join(' ') };
    }
    pid = stat.ppid;
  }
  return undefined;
}

export function sameInstance(a: InstanceIdentity | null, b: InstanceIdentity | null): boolean {
  return a !== null && b !== null && a.pid === b.pid && a.startTime === b.startTime;
}
