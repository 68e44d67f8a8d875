// A real DNS server for the dns check tests: Debian's dnsmasq (package dnsmasq-base) on a loopback
// port, authoritative for `test` (unknown names there are NXDOMAIN), started by the test and
// stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';

export const DNSMASQ = '/usr/sbin/dnsmasq';

export interface Dnsmasq {
  readonly port: number;
  readonly server: string;
  readonly pid: number;
  /** SIGSTOP: it stops answering (queries time out). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Start dnsmasq with these record flags (`--address=/svc.test/192.0.2.1`, ...), answering. */
export async function startDnsmasq(records: readonly string[], port?: number): Promise<Dnsmasq> {
  if (!existsSync(DNSMASQ))
    throw new Error(
      `${DNSMASQ} not found: apt-get install -y dnsmasq-base (see README quick start)`,
    );
  const p = port ?? (await freeUdpPort());
  const child: ChildProcess = spawn(
    DNSMASQ,
    [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      `--port=${p}`,
      '--pid-file=',
      '--local=/test/',
      ...records,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const pid = child.pid ?? 0;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const r = new Resolver({ timeout: 200, tries: 1 });
  r.setServers([`127.0.0.1:${p}`]);
  const end = Date.now() + 5000;
  for (;;) {
    const answered = await r.resolve('ready.probe.test', 'A').then(
      () => true,
      (e: NodeJS.ErrnoException) => e.code === 'ENOTFOUND',
    );
    if (answered) break;
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`dnsmasq did not answer on 127.0.0.1:${p}: ${stderr}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  return {
    port: p,
    server: `127.0.0.1:${p}`,
    pid,
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
      await exited;
    },
  };
}
