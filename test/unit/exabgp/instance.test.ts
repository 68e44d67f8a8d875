import { describe, expect, it } from 'vitest';
import {
  findExabgpAncestor,
  isExabgpProcess,
  parseProcStat,
  sameInstance,
  type ProcReader,
} from '../../../src/exabgp/io/instance.js';

const stat = (pid: number, comm: string, ppid: number, start: string): string =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 1234 0 0 0 10 5 0 0 20 0 1 0 ${start} 123456 789 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0`;

describe('parseProcStat', () => {
  it.each([
    [
      'a plain name',
      stat(42, 'exabgp', 1, '98765'),
      { pid: 42, comm: 'exabgp', ppid: 1, startTime: '98765' },
    ],
    [
      'a name with spaces and parentheses',
      stat(7, 'a (b) c', 3, '5'),
      { pid: 7, comm: 'a (b) c', ppid: 3, startTime: '5' },
    ],
  ])('reads pid, ppid and start time (field 22) with %s', (_n, text, expected) => {
    expect(parseProcStat(text)).toEqual(expected);
  });

  it('rejects garbage', () => {
    expect(parseProcStat('not a stat line')).toBeUndefined();
    expect(parseProcStat('')).toBeUndefined();
  });
});

describe('isExabgpProcess', () => {
  it.each<[string, string, string[], boolean]>([
    [
      'the 4.2 script',
      'exabgp',
      ['/usr/bin/python3', '/usr/sbin/exabgp', '/etc/exabgp/exabgp.conf'],
      true,
    ],
    ['python running the script', 'python3', ['python3', '/usr/sbin/exabgp', 'conf'], true],
    ['python -m exabgp (5.x)', 'python3', ['python3', '-m', 'exabgp', 'server', 'conf'], true],
    [
      'the 5.0 source tree (sbin/exabgp execs main.py)',
      'python3',
      ['/usr/bin/python3', '/srv/exabgp-5.0.13/src/exabgp/application/main.py', 'conf'],
      true,
    ],
    [
      'a pip console script in a virtualenv',
      'python',
      ['/opt/venv/bin/python', '/opt/venv/bin/exabgp', 'server', '/etc/exabgp.conf'],
      true,
    ],
    [
      "Debian's alternative name",
      'python3',
      ['/usr/bin/python3', '/usr/sbin/python3-exabgp', 'conf'],
      true,
    ],
    [
      'python -m exabgp.application.main',
      'python3.11',
      ['python3.11', '-m', 'exabgp.application.main', 'conf'],
      true,
    ],
    [
      'a python running something else named like it',
      'python3',
      ['python3', '/opt/exabgp-tools/report.py'],
      false,
    ],
    ['our own binary', 'node', ['node', '/usr/bin/exabgp-reconciler', 'run'], false],
    ['a wrapper shell script', 'sh', ['/bin/sh', '/usr/local/bin/run-reconciler'], false],
    ['a shell', 'bash', ['bash'], false],
  ])('recognises %s', (_n, comm, argv, expected) => {
    expect(isExabgpProcess(comm, argv)).toBe(expected);
  });
});

function fakeProc(
  procs: Record<number, { comm: string; ppid: number; start: string; argv: string[] }>,
): ProcReader {
  return {
    readStat: (pid) => {
      const p = procs[pid];
      return p === undefined ? undefined : stat(pid, p.comm, p.ppid, p.start);
    },
    readCmdline: (pid) => procs[pid]?.argv,
  };
}

describe('findExabgpAncestor', () => {
  it('skips a wrapper script to find the nearest ExaBGP ancestor', () => {
    const proc = fakeProc({
      300: { comm: 'sh', ppid: 200, start: '30', argv: ['/bin/sh', '/usr/local/bin/wrap'] },
      200: {
        comm: 'exabgp',
        ppid: 1,
        start: '20',
        argv: ['/usr/bin/python3', '/usr/sbin/exabgp', 'conf'],
      },
    });
    expect(findExabgpAncestor(300, proc)).toEqual({
      pid: 200,
      startTime: '20',
      cmdline: '/usr/bin/python3 /usr/sbin/exabgp conf',
    });
  });

  it('finds nothing when started from a terminal', () => {
    const proc = fakeProc({
      300: { comm: 'bash', ppid: 100, start: '30', argv: ['bash'] },
      100: { comm: 'sshd', ppid: 1, start: '10', argv: ['sshd: user'] },
    });
    expect(findExabgpAncestor(300, proc)).toBeUndefined();
  });
});

describe('sameInstance', () => {
  it.each([
    [{ pid: 1, startTime: '5' }, { pid: 1, startTime: '5' }, true],
    [{ pid: 1, startTime: '5' }, { pid: 1, startTime: '6' }, false],
    [{ pid: 1, startTime: '5' }, null, false],
    [null, null, false],
  ])('compares %o and %o by pid and start time', (a, b, expected) => {
    expect(sameInstance(a, b)).toBe(expected);
  });
});

describe('findExabgpAncestor in a container', () => {
  it('finds ExaBGP running as PID 1', () => {
    const proc = fakeProc({
      1: {
        comm: 'exabgp',
        ppid: 0,
        start: '11',
        argv: ['/usr/local/bin/python', '/usr/local/bin/exabgp', 'c'],
      },
      30: { comm: 'node', ppid: 1, start: '90', argv: ['node', 'dist/main.js', 'run'] },
    });
    expect(findExabgpAncestor(1, proc)).toMatchObject({ pid: 1, startTime: '11' });
  });

  it('does not take a host init for ExaBGP', () => {
    const proc = fakeProc({
      1: { comm: 'systemd', ppid: 0, start: '1', argv: ['/sbin/init'] },
    });
    expect(findExabgpAncestor(1, proc)).toBeUndefined();
  });
});
