// Benchmarks without ExaBGP: `plan` (whole process, cold), `run` cold start and one-route edits
// with this process answering `done`, and the command throughput of `run` into such a pipe.
import { rmSync } from 'node:fs';
import {
  cpuSeconds,
  median,
  peakRssMb,
  prefixesInLine,
  runCli,
  sleep,
  startRun,
  tempDir,
  waitUntil,
} from './proc.mjs';
import { PROBE_PREFIX, ensureTree, renderFile, routeCount, writeProbe } from './trees.mjs';

/** Part 1: `plan --format commands` over a tree, `runs` times. */
export async function benchPlan(outDir, tree, runs) {
  const dir = ensureTree(outDir, tree);
  const samples = [];
  for (let i = 0; i < runs; i++)
    samples.push(await runCli(['plan', '--routes', dir, '--format', 'commands']));
  return {
    seconds: median(samples.map((s) => s.seconds)),
    rssMb: median(samples.map((s) => s.rssMb)),
    cpu: median(samples.map((s) => s.cpu)),
    runs,
  };
}

function runArgs(dir, stateDir, extra) {
  return [
    '--routes',
    dir,
    '--state-dir',
    stateDir,
    '--ack',
    'on',
    '--resync-interval',
    '0',
    '--log-level',
    'warn',
    '--listen',
    'none',
    ...extra,
  ];
}

/**
 * Start `run` on a tree with an empty ledger and wait until every route was written: cold start
 * time (process start to the last command), peak RSS and CPU then, lines and routes per second.
 */
async function coldStart(dir, tree, extra) {
  const stateDir = tempDir('state');
  const expected = routeCount(tree);
  const seen = { routes: 0, lines: 0, firstAt: NaN, lastAt: NaN, waiters: [] };
  const run = startRun(runArgs(dir, stateDir, extra), (line, at) => {
    seen.lines++;
    seen.routes += prefixesInLine(line);
    if (Number.isNaN(seen.firstAt)) seen.firstAt = at;
    seen.lastAt = at;
    for (const w of seen.waiters) w(line, at);
  });
  try {
    await waitUntil(() => seen.routes >= expected, 600_000, `${expected} routes written`, 5);
  } catch (err) {
    await run.stop();
    throw new Error(`${err.message}; stderr: ${run.stderr().slice(-500)}`);
  }
  const cold = {
    seconds: (seen.lastAt - run.startedAt) / 1000,
    firstSeconds: (seen.firstAt - run.startedAt) / 1000,
    writeSeconds: (seen.lastAt - seen.firstAt) / 1000,
    rssMb: peakRssMb(run.child.pid),
    cpu: cpuSeconds(run.child.pid),
    lines: seen.lines,
    routes: seen.routes,
  };
  return { run, seen, cold, stateDir };
}

async function finish(run, stateDir) {
  const exit = await run.stop();
  rmSync(stateDir, { recursive: true, force: true });
  return exit;
}

/** Part 3 (and 4): cold start, `runs` times; medians. */
export async function benchCold(outDir, tree, runs, extra = []) {
  const dir = ensureTree(outDir, tree);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const { run, cold, stateDir } = await coldStart(dir, tree, extra);
    await finish(run, stateDir);
    samples.push(cold);
  }
  const pick = (k) => median(samples.map((s) => s[k]));
  const writeSeconds = pick('writeSeconds');
  return {
    seconds: pick('seconds'),
    firstSeconds: pick('firstSeconds'),
    rssMb: pick('rssMb'),
    cpu: pick('cpu'),
    lines: pick('lines'),
    linesPerSecond: pick('lines') / Math.max(writeSeconds, 1e-3),
    routesPerSecond: pick('routes') / Math.max(writeSeconds, 1e-3),
    runs,
  };
}

/**
 * Part 2: with the tree applied, `edits` one-route edits (the probe's MED, write + rename) and
 * the time from the rename to its command on stdout, for each debounce setting.
 */
export async function benchIncremental(outDir, tree, edits, debounceMs) {
  const dir = ensureTree(outDir, tree);
  const extra = debounceMs === undefined ? [] : ['--debounce-ms', String(debounceMs)];
  const { run, seen, stateDir } = await coldStart(dir, tree, extra);
  const latencies = [];
  try {
    await sleep(500);
    for (let k = 1; k <= edits; k++) {
      const text = renderFile(tree, 0, k);
      const want = `${PROBE_PREFIX} next-hop 192.0.2.1 med ${k}`;
      const arrived = new Promise((resolve) => {
        const w = (line, at) => {
          if (!line.includes(want)) return;
          seen.waiters = seen.waiters.filter((x) => x !== w);
          resolve(at);
        };
        seen.waiters.push(w);
      });
      const before = writeProbe(dir, tree, k, text);
      const at = await Promise.race([arrived, sleep(60_000).then(() => NaN)]);
      latencies.push(at - before);
      await sleep(300);
    }
  } finally {
    writeProbe(dir, tree, 0);
    await finish(run, stateDir);
  }
  return { ms: median(latencies), min: Math.min(...latencies), max: Math.max(...latencies), edits };
}
