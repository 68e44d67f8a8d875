// Part 5: a real ExaBGP (4.2 or 5.0, setExabgpVersion) and BIRD 2 on loopback, built from the e2e harness (compiled into
// bench/out/harness): initial sync through our `run`, a naive one-line-per-prefix feeder and a bulk
// feeder; one-route edits through `run`; the same edit by ExaBGP's own reload (SIGUSR1).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuSeconds, MAIN_JS, peakRssMb, REPO, sleep, tempDir, waitUntil } from './proc.mjs';
import {
  ensureTree,
  fileName,
  GROUP_SIZE,
  PROBE_PREFIX,
  prefixOf,
  renderFile,
  routeCount,
} from './trees.mjs';

export const SLOT = 9; // test/e2e/harness/rig.ts reserves slots 7 and 9-12 for the benchmarks
export const PEER = {
  name: 'peer',
  address: `127.0.${SLOT}.1`,
  exabgp: `127.0.${SLOT}.2`,
  port: 12_000 + SLOT * 10,
};
const ASN = 65000;
let VERSION = '4.2';

/** Which ExaBGP the following measurements run against: '4.2' or '5.0'. */
export function setExabgpVersion(version) {
  VERSION = version;
}
const FEEDER = new URL('./feeder.mjs', import.meta.url).pathname;

/** Compile the e2e harness (TypeScript) to plain JS once per bench run; returns its modules. */
export async function loadHarness(outDir) {
  const out = join(outDir, 'harness');
  const files = ['binaries', 'bird', 'exabgp', 'processes'];
  const r = spawnSync(
    join(REPO, 'node_modules', '.bin', 'tsc'),
    [
      '--strict',
      '--outDir',
      out,
      '--rootDir',
      'test/e2e/harness',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      ...files.map((f) => `test/e2e/harness/${f}.ts`),
    ],
    { cwd: REPO, encoding: 'utf8' },
  );
  // Type errors in a harness file being edited still emit JS; only missing output is fatal.
  if (!files.every((f) => existsSync(join(out, `${f}.js`))))
    throw new Error(`harness: ${r.stdout}`);
  const load = (f) => import(pathToFileURL(join(out, `${f}.js`)).href);
  const [binaries, bird, exabgp, processes] = await Promise.all(files.map(load));
  return { binaries, bird, exabgp, processes };
}

/** The reconciler's attribute text for route i of a grouped tree (what encodeAttributes writes). */
function attributesOf(i) {
  return `next-hop 192.0.2.1 med ${Math.floor(i / GROUP_SIZE) % 10} community [ 65000:1 ]`;
}

/** Command file of a reference feeder: one `announce route` per prefix, or bulk lines of `size`. */
function writeCommands(path, tree, size) {
  const lines = [];
  for (let g = 0; g < tree.n; g += GROUP_SIZE) {
    const end = Math.min(tree.n, g + GROUP_SIZE);
    for (let i = g; i < end; i += size) {
      const prefixes = [];
      for (let j = i; j < Math.min(end, i + size); j++) prefixes.push(prefixOf(j));
      lines.push(
        size === 1
          ? `announce route ${prefixes[0]} ${attributesOf(i)}`
          : `announce attributes ${attributesOf(i)} nlri ${prefixes.join(' ')}`,
      );
    }
  }
  lines.push(`announce route ${PROBE_PREFIX} next-hop 192.0.2.1 med 0`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return lines.length;
}

/** The wrapper ExaBGP runs: waits for `go` (so the clock starts with the session up), then execs. */
export function writeWrapper(dir, command) {
  const path = join(dir, 'process.sh');
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `D='${dir}'`,
      'while [ ! -e "$D/go" ]; do sleep 0.01; done',
      'echo $$ > "$D/process.pid"',
      `exec ${command} 2>>"$D/process.stderr.log"`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}

function exabgpFiles(h, dir, { processRun, speed, groupUpdates, staticRoutes }) {
  const neighbors = [
    { peerAddress: PEER.address, localAddress: PEER.exabgp, asn: ASN, port: PEER.port },
  ];
  let conf = h.exabgp.renderExabgpConfig({ neighbors, processRun: processRun ?? '/bin/true' });
  if (processRun === undefined)
    conf = conf.replace(/^process reconciler \{[^}]*\}\n/m, '').replace(/\n\s*api \{[^}]*\}/, '');
  const options = [`group-updates ${groupUpdates ? 'true' : 'false'};`];
  if (staticRoutes !== undefined) options.push(`static {\n${staticRoutes}\n    }`);
  conf = conf.replace('    family {', `    ${options.join('\n    ')}\n    family {`);
  writeFileSync(join(dir, 'exabgp.conf'), conf);
  const env = h.exabgp.renderExabgpEnv({
    'exabgp.reactor': { speed: String(speed) },
    'exabgp.log': { level: 'WARNING' },
  });
  writeFileSync(join(dir, 'exabgp.env'), env);
}

export async function startPair(h, dir, exabgpOptions) {
  const bins = h.binaries.checkBinaries({ version: VERSION });
  if (!bins.ok) throw new Error(bins.reason);
  const bird = await h.bird.startBird({
    dir,
    birdPath: bins.binaries.bird,
    birdcPath: bins.binaries.birdc,
    routerId: PEER.address,
    peers: [
      { name: PEER.name, address: PEER.address, port: PEER.port, neighbor: PEER.exabgp, asn: ASN },
    ],
  });
  exabgpFiles(h, dir, exabgpOptions);
  const startedAt = performance.now();
  const command = h.exabgp.exabgpCommand(
    VERSION,
    join(dir, 'exabgp.env'),
    join(dir, 'exabgp.conf'),
  );
  const exabgp = h.processes.spawnDaemon(bins.binaries.exabgp, command.args, {
    logFile: join(dir, 'exabgp.log'),
    cwd: dir,
    env: command.env,
    expect: join(dir, 'exabgp.conf'),
  });
  const stop = async () => {
    await exabgp.stop('SIGTERM', 10_000);
    await bird.stop();
    await h.processes.stopAll();
  };
  return { bird, exabgp, startedAt, stop };
}

async function counters(bird) {
  const s = await bird.stats(PEER.name);
  return {
    imported: s.routesImported,
    updates: s.counters.importUpdatesReceived,
    withdraws: s.counters.importWithdrawsReceived,
  };
}

async function probeMed(bird) {
  const out = await bird.birdc('show', 'route', 'for', PEER_PROBE, 'all');
  const m = /BGP\.med:\s*(\d+)/.exec(out);
  return m === null ? undefined : Number(m[1]);
}
const PEER_PROBE = PROBE_PREFIX.split('/')[0];

/** Wait until BIRD's counters stop moving for `quietMs` (after an edit or a reload). */
async function settled(bird, quietMs = 1500) {
  let last = await counters(bird);
  let since = performance.now();
  for (;;) {
    await sleep(250);
    const now = await counters(bird);
    if (now.updates !== last.updates || now.withdraws !== last.withdraws) since = performance.now();
    else if (performance.now() - since >= quietMs) return now;
    last = now;
  }
}

/**
 * One initial sync of a grouped tree through `who`: 'reconciler', 'naive' (one line per prefix)
 * or 'bulk' (lines of `bulkSize` prefixes). Then, for the reconciler, `edits` one-route edits.
 */
export async function benchSync(
  h,
  outDir,
  tree,
  { who, bulkSize = 1000, speed, groupUpdates, edits = 0, runArgs = [] },
) {
  const dir = tempDir('exa');
  const routesDir = join(dir, 'routes.d');
  mkdirSync(routesDir);
  let command;
  if (who === 'reconciler') {
    const src = ensureTree(outDir, tree);
    for (let f = 0; f < tree.files; f++)
      writeFileSync(join(routesDir, fileName(f)), renderFile(tree, f));
    void src;
    command = `'${process.execPath}' '${MAIN_JS}' run --routes '${routesDir}' --state-dir '${join(dir, 'state')}' --listen none --log-level warn --resync-interval 0 ${runArgs.join(' ')}`;
  } else {
    writeCommands(join(dir, 'commands.txt'), tree, who === 'naive' ? 1 : bulkSize);
    command = `'${process.execPath}' '${FEEDER}' '${join(dir, 'commands.txt')}'`;
  }
  const pair = await startPair(h, dir, {
    processRun: writeWrapper(dir, command),
    speed,
    groupUpdates,
  });
  const result = {
    who,
    bulkSize: who === 'bulk' ? bulkSize : undefined,
    speed,
    groupUpdates,
    n: routeCount(tree),
  };
  try {
    await pair.bird.waitEstablished(PEER.name, 30_000);
    const exaCpu0 = cpuSeconds(pair.exabgp.pid);
    const t0 = performance.now();
    writeFileSync(join(dir, 'go'), '');
    await waitUntil(
      async () => (await counters(pair.bird)).imported >= routeCount(tree),
      900_000,
      'the peer to hold every route',
      100,
    );
    result.seconds = (performance.now() - t0) / 1000;
    const pid = Number(
      spawnSync('cat', [join(dir, 'process.pid')], { encoding: 'utf8' }).stdout.trim(),
    );
    result.processCpu = cpuSeconds(pid);
    result.processRssMb = peakRssMb(pid);
    result.exabgpCpu = cpuSeconds(pair.exabgp.pid) - exaCpu0;
    const sync = await settled(pair.bird, 1000);
    result.updatesAtPeer = sync.updates;
    if (edits > 0) Object.assign(result, await editsThroughRun(pair.bird, routesDir, tree, edits));
  } finally {
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

async function editsThroughRun(bird, routesDir, tree, edits) {
  const latencies = [];
  const updates = [];
  for (let k = 1; k <= edits; k++) {
    const before = await counters(bird);
    const text = renderFile(tree, 0, k);
    writeFileSync(join(routesDir, `.${fileName(0)}.tmp`), text);
    const t0 = performance.now();
    spawnSync('mv', [join(routesDir, `.${fileName(0)}.tmp`), join(routesDir, fileName(0))]);
    await waitUntil(async () => (await probeMed(bird)) === k, 60_000, `med ${k} at the peer`, 5);
    latencies.push(performance.now() - t0);
    const after = await settled(bird, 1000);
    updates.push(after.updates - before.updates + after.withdraws - before.withdraws);
  }
  return { editMs: latencies, editUpdates: updates };
}

/** The same tree as static routes in exabgp.conf: start-up load, then one MED edit + SIGUSR1. */
export async function benchReload(h, tree, { speed, groupUpdates, edits = 1 }) {
  const dir = tempDir('exa-static');
  const staticRoutes = (probe) => {
    const lines = [];
    for (let i = 0; i < tree.n; i++) lines.push(`        route ${prefixOf(i)} ${attributesOf(i)};`);
    lines.push(`        route ${PROBE_PREFIX} next-hop 192.0.2.1 med ${probe};`);
    return lines.join('\n');
  };
  const files = { speed, groupUpdates, staticRoutes: staticRoutes(0) };
  const pair = await startPair(h, dir, files);
  const result = { who: 'static config', speed, groupUpdates, n: routeCount(tree) };
  try {
    await waitUntil(
      async () => (await counters(pair.bird)).imported >= routeCount(tree),
      900_000,
      'static routes at the peer',
      100,
    );
    result.startupSeconds = (performance.now() - pair.startedAt) / 1000;
    await settled(pair.bird, 1000);
    const latencies = [];
    const updates = [];
    for (let k = 1; k <= edits; k++) {
      exabgpFiles(h, dir, { ...files, staticRoutes: staticRoutes(k) });
      const before = await counters(pair.bird);
      const t0 = performance.now();
      process.kill(pair.exabgp.pid, 'SIGUSR1');
      await waitUntil(
        async () => (await probeMed(pair.bird)) === k,
        300_000,
        `med ${k} after reload`,
        5,
      );
      latencies.push(performance.now() - t0);
      const after = await settled(pair.bird, 2000);
      updates.push(after.updates - before.updates + after.withdraws - before.withdraws);
    }
    Object.assign(result, { editMs: latencies, editUpdates: updates });
  } finally {
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
