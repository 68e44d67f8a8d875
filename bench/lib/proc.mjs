// Process helpers for the benchmarks: spawn the built CLI with a probe that records its peak RSS and
// CPU at exit, read peak RSS and CPU of any pid from /proc, medians, and a `done`-answering pipe.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const MAIN_JS = join(REPO, 'dist', 'main.js');
/** Extra node flags for benchmarked processes, e.g. BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/p'. */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
const PROBE = pathToFileURL(fileURLToPath(new URL('./exit-probe.mjs', import.meta.url))).href;

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function tempDir(name) {
  return mkdtempSync(join(tmpdir(), `bench-${name}-`));
}

const CLK_TCK = 100;

/** utime + stime of a live pid in seconds (from /proc/<pid>/stat), or NaN. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Peak resident set size so far of a live pid in MB (VmHWM), or NaN. */
export function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? NaN : Number(m[1]) / 1024;
  } catch {
    return NaN;
  }
}

/**
 * Run `node dist/main.js ...args` to completion with stdout discarded; resolves with wall time,
 * peak RSS and CPU as the process itself saw them at exit.
 */
export function runCli(args) {
  const dir = tempDir('probe');
  const probeFile = join(dir, 'probe.json');
  const started = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, '--import', PROBE, MAIN_JS, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, BENCH_PROBE_FILE: probeFile },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const probe = existsSync(probeFile) ? JSON.parse(readFileSync(probeFile, 'utf8')) : {};
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`exit ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ seconds, rssMb: probe.maxRssMb, cpu: probe.cpuSeconds });
    });
  });
}

/**
 * `run` as ExaBGP would see it, with this process playing ExaBGP: every line on its stdout is
 * answered `done` at once. `onLine(text, at)` sees each command with its arrival time.
 */
export function startRun(args, onLine) {
  const dir = tempDir('probe');
  const probeFile = join(dir, 'probe.json');
  const startedAt = performance.now();
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, '--import', PROBE, MAIN_JS, 'run', ...args],
    {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, BENCH_PROBE_FILE: probeFile },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-200_000);
  });
  let partial = '';
  child.stdout.setEncoding('ascii');
  child.stdout.on('data', (chunk) => {
    const at = performance.now();
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (lines.length > 0) child.stdin.write('done\n'.repeat(lines.length));
    for (const line of lines) onLine(line, at);
  });
  child.stdin.on('error', () => undefined);
  const exited = new Promise((resolve) => {
    child.on('exit', (code) => {
      const probe = existsSync(probeFile) ? JSON.parse(readFileSync(probeFile, 'utf8')) : {};
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, rssMb: probe.maxRssMb, cpu: probe.cpuSeconds });
    });
  });
  return {
    child,
    startedAt,
    stderr: () => stderr,
    /** Close stdin (ExaBGP went away): `run` exits 0. */
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Number of prefixes an ExaBGP command announces or withdraws. */
export function prefixesInLine(line) {
  const nlri = line.indexOf(' nlri ');
  if (nlri < 0) return / route /.test(line) ? 1 : 0;
  let n = 0;
  for (let i = nlri + 5; i < line.length; i++) if (line.charCodeAt(i) === 32) n++;
  return n;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll until `predicate()` is truthy; throws after `timeoutMs`. */
export async function waitUntil(predicate, timeoutMs, what, intervalMs = 20) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
