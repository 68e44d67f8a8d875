// A real `node dist/main.js run --ack off` on a free loopback port, in a temp directory with a few
// route files, for the HTTP fuzz test and soak: its stdout (ExaBGP's channel), stderr lines, peak
// RSS, and a timed SIGTERM. Not a test file.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN } from './spawn-cli.js';

export const FILE_ROUTES = {
  'edge.yaml':
    'routes:\n  - prefix: 198.51.100.0/24\n    next-hop: 192.0.2.1\n    community: [65000:1]\n',
  'rtbh.yaml':
    'defaults:\n  next-hop: 192.0.2.66\n  community: [blackhole]\nroutes:\n  - prefixes: [203.0.113.7/32, 203.0.113.9/32]\n',
} as const;

export interface FuzzServer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  /** Everything written on stdout so far. */
  stdout(): string;
  readonly stderrLines: string[];
  /** Peak resident memory of the process (VmHWM), in MiB. */
  peakRssMib(): number;
  /** Current resident memory (VmRSS), in MiB. */
  rssMib(): number;
  readonly exited: Promise<number | null>;
  /** SIGTERM and wait: exit code and how long it took. */
  stop(): Promise<{ code: number | null; ms: number }>;
  /** Kill if still running and remove the temp directory. */
  dispose(): void;
}

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

export async function startFuzzServer(extra: readonly string[] = []): Promise<FuzzServer> {
  const root = mkdtempSync(join(tmpdir(), 'http-fuzz-'));
  const routes = join(root, 'routes.d');
  mkdirSync(routes);
  for (const [name, text] of Object.entries(FILE_ROUTES)) writeFileSync(join(routes, name), text);
  const args = [MAIN, 'run', '--ack', 'off', '--listen', '127.0.0.1:0', '--routes', routes];
  args.push('--state-dir', join(root, 'state'), '--resync-interval', '0', '--debounce-ms', '50');
  const child = spawn(process.execPath, [...args, ...extra], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => (out += d));
  const stderrLines: string[] = [];
  let pending = '';
  let onPort: (port: number) => void = () => undefined;
  const portKnown = new Promise<number>((resolve) => (onPort = resolve));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    const parts = (pending + d).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      stderrLines.push(line);
      if (line.includes('"http api listening"'))
        onPort((JSON.parse(line) as { port: number }).port);
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  const timeout = new Promise<never>((_r, reject) =>
    setTimeout(
      () => reject(new Error(`no "http api listening" in 20 s:\n${stderrLines.join('\n')}`)),
      20_000,
    ).unref(),
  );
  const port = await Promise.race([portKnown, timeout]);
  const pid = child.pid ?? 0;
  return {
    child,
    port,
    stdout: () => out,
    stderrLines,
    peakRssMib: () => statusField(pid, 'VmHWM'),
    rssMib: () => statusField(pid, 'VmRSS'),
    exited,
    async stop() {
      const started = performance.now();
      child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: performance.now() - started };
    },
    dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    },
  };
}
