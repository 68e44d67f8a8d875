// Health checks on the real rig (issue 12): ExaBGP (4.2.21, 5.0.13) peered with BIRD 2 on loopback
// (slot 9, the benchmarks'), our `run` under ExaBGP with N routes, each gated by its own check at a
// 1 s interval (timeout 500ms, rise 2, fall 2), plus one ungated route, against a local service (started here, in this process, so its CPU is not ours).
// Measured: our process's CPU (utime + stime from /proc/PID/stat) over a steady window with every
// check up; then the service is stopped and BIRD's RIB is polled every 50 ms for the first and the
// last withdraw; with --health-floor 0 (and --max-withdraw 100%, or the guard would refuse) and
// with the default floor (50%: half the routes must stay at the peer). Then the service is started
// again and the time until every route is back is measured.
//   npm run build && node bench/health-rig.mjs [--routes 1000] [--versions 4.2,5.0] [--steady 60]
//     [--kind tcp|http|dns] [--floors 0,default] [--fail kill|hang (dns: SIGSTOP, queries time out)]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadHarness, PEER, setExabgpVersion, startPair, writeWrapper } from './lib/exabgp.mjs';
import { cpuSeconds, MAIN_JS, REPO, sleep, tempDir, waitUntil } from './lib/proc.mjs';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '1000' },
    versions: { type: 'string', default: '4.2,5.0' },
    steady: { type: 'string', default: '60' },
    kind: { type: 'string', default: 'tcp' },
    floors: { type: 'string', default: '0,default' },
    fail: { type: 'string', default: 'kill' },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: node bench/health-rig.mjs [--routes 1000] [--versions 4.2,5.0] [--steady 60] [--kind tcp|http|dns] [--floors 0,default] [--fail kill|hang] [--concurrency N]\n',
  );
  process.exit(0);
}
const N = Number(values.routes);
const STEADY_S = Number(values.steady);
const KIND = values.kind;
const VERSIONS = values.versions.split(',');
const FLOORS = values.floors.split(',');
const FAIL = values.fail;
if (FAIL === 'hang' && KIND !== 'dns') throw new Error('--fail hang needs --kind dns');
const SERVICE_PORT = PEER.port + 5; // in slot 9's range (12090-12099), unused by the rig
const HTTP_PORT = PEER.port + 6;
const OUT = join(REPO, 'bench', 'out');
mkdirSync(OUT, { recursive: true });
const started = Date.now();
const log = (text) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${text}\n`);

/** The local service the checks probe: a TCP or HTTP listener, or dnsmasq for dns checks. */
function startService() {
  if (KIND === 'dns') {
    const p = spawn(
      '/usr/sbin/dnsmasq',
      [
        '--keep-in-foreground',
        '--conf-file=/dev/null',
        '--no-resolv',
        '--no-hosts',
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        `--port=${SERVICE_PORT}`,
        '--pid-file=',
        '--address=/svc.test/192.0.2.1',
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((r) => p.once('exit', r));
    const stop = async () => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      p.kill('SIGCONT');
      p.kill('SIGKILL');
      await exited;
    };
    return {
      ready: sleep(500),
      stop,
      // --fail hang: dnsmasq stopped (SIGSTOP): every query waits for its timeout.
      fail: async () => (FAIL === 'hang' ? p.kill('SIGSTOP') : stop()),
    };
  }
  const sockets = new Set();
  const server =
    KIND === 'http' ? createHttpServer((_req, res) => res.end('ok')) : createServer((s) => s.end());
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const ready = new Promise((r) => server.listen(SERVICE_PORT, '127.0.0.1', r));
  const stop = async () => {
    if (!server.listening) return;
    const closed = new Promise((r) => server.close(r));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return { ready, stop, fail: stop };
}

function checkYaml(i) {
  const common = `    interval: 1s\n    timeout: 500ms\n    rise: 2\n    fall: 2\n    initial: down\n`;
  if (KIND === 'http')
    return `  c${i}:\n    kind: http\n    url: http://127.0.0.1:${SERVICE_PORT}/health\n${common}`;
  if (KIND === 'dns')
    return `  c${i}:\n    kind: dns\n    name: svc.test\n    server: 127.0.0.1:${SERVICE_PORT}\n    value: 192.0.2.1\n${common}`;
  return `  c${i}:\n    kind: tcp\n    host: 127.0.0.1\n    port: ${SERVICE_PORT}\n${common}`;
}

const prefixOf = (i) => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;

function routesFile() {
  const checks = [];
  const routes = [];
  for (let i = 0; i < N; i++) {
    checks.push(checkYaml(i));
    routes.push(`  - prefix: ${prefixOf(i)}\n    next-hop: 192.0.2.1\n    health: c${i}\n`);
  }
  // One route no check gates: withdrawing every announced route always trips the mass-withdraw
  // guard (README), so a node whose only routes are gated keeps its last batch; this one stays.
  routes.push(`  - prefix: 172.16.0.1/32\n    next-hop: 192.0.2.1\n`);
  return `checks:\n${checks.join('')}routes:\n${routes.join('')}`;
}

async function imported(bird) {
  return (await bird.stats(PEER.name)).routesImported;
}

async function status() {
  try {
    const r = await fetch(`http://127.0.0.1:${HTTP_PORT}/v1/status`);
    return await r.json();
  } catch {
    return undefined;
  }
}

async function one(h, version, floor) {
  setExabgpVersion(version);
  const dir = tempDir('health-rig');
  const routesDir = join(dir, 'routes.d');
  mkdirSync(routesDir);
  writeFileSync(join(routesDir, 'gated.yaml'), routesFile());
  const floorArgs = floor === 'default' ? [] : ['--health-floor', floor, '--max-withdraw', '100%'];
  const command = [
    `'${process.execPath}'`,
    `'${MAIN_JS}'`,
    'run',
    `--routes '${routesDir}'`,
    `--state-dir '${join(dir, 'state')}'`,
    `--listen 127.0.0.1:${HTTP_PORT}`,
    '--resync-interval 0',
    ...floorArgs,
    ...(values.concurrency === undefined ? [] : ['--health-concurrency', values.concurrency]),
  ].join(' ');
  let service = startService();
  await service.ready;
  const pair = await startPair(h, dir, {
    processRun: writeWrapper(dir, command),
    speed: 0.1,
    groupUpdates: true,
  });
  const result = {
    version,
    kind: KIND,
    fail: FAIL,
    concurrency: Number(values.concurrency ?? 32),
    routes: N,
    floor: floor === 'default' ? '50%' : floor,
  };
  try {
    await pair.bird.waitEstablished(PEER.name, 30_000);
    const since0 = (await pair.bird.stats(PEER.name)).since;
    const t0 = performance.now();
    writeFileSync(join(dir, 'go'), '');
    await waitUntil(async () => (await imported(pair.bird)) > N, 120_000, 'every route', 100);
    result.startToAllAnnouncedS = +((performance.now() - t0) / 1000).toFixed(2);
    const pid = Number(readFileSync(join(dir, 'process.pid'), 'utf8').trim());
    // Let the start-up burst (the announces, the first acks) settle before the steady window.
    await sleep(5000);
    const runs0 = (await status())?.checks?.checks?.reduce((n, c) => n + c.runs, 0);
    const cpu0 = cpuSeconds(pid);
    const exa0 = cpuSeconds(pair.exabgp.pid);
    const w0 = performance.now();
    await sleep(STEADY_S * 1000);
    const wall = (performance.now() - w0) / 1000;
    result.steadyWindowS = +wall.toFixed(1);
    result.ourCpuPercentOfOneCore = +(((cpuSeconds(pid) - cpu0) / wall) * 100).toFixed(1);
    result.exabgpCpuPercentOfOneCore = +(
      ((cpuSeconds(pair.exabgp.pid) - exa0) / wall) *
      100
    ).toFixed(1);
    const runs1 = (await status())?.checks?.checks?.reduce((n, c) => n + c.runs, 0);
    result.checkRunsPerSecond = Math.round((runs1 - runs0) / wall);
    result.rssMb = +(
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024
    ).toFixed(0);

    // The service fails: poll BIRD's RIB every 50 ms.
    const expectLeft = 1 + (floor === 'default' ? Math.floor(N / 2) : 0);
    const w0count = (await pair.bird.stats(PEER.name)).counters.importWithdrawsReceived;
    const f0 = performance.now();
    await service.fail();
    let first;
    let last;
    let seen = N + 1;
    const deadline = f0 + 120_000;
    while (performance.now() < deadline) {
      const n = await imported(pair.bird);
      const t = performance.now() - f0;
      if (n <= N && first === undefined) first = t;
      if (n !== seen) {
        seen = n;
        if (n <= expectLeft) {
          last = t;
          break;
        }
      }
      await sleep(50);
    }
    result.failToFirstWithdrawMs = first === undefined ? null : Math.round(first);
    result.failToLastWithdrawMs = last === undefined ? null : Math.round(last);
    // Nothing more leaves: the floor holds (or nothing is left).
    await sleep(5000);
    result.atPeerAfterFailure = await imported(pair.bird);
    const st2 = await status();
    result.heldByFloor = st2?.checks?.routes?.held_by_floor;
    result.gatedRoutesAfterFailure = st2?.checks?.routes;
    result.checksDownAfterFailure = st2?.checks?.checks?.filter((c) => c.state === 'down').length;
    if (process.env.BENCH_KEEP) {
      writeFileSync(join(OUT, 'health-rig-status.json'), JSON.stringify(st2, null, 2));
      spawnSync('cp', ['-r', dir, join(OUT, 'health-rig-dir')]);
    }
    const cpuF0 = cpuSeconds(pid);
    const wf0 = performance.now();
    await sleep(10_000);
    result.ourCpuPercentAllFailing = +(
      ((cpuSeconds(pid) - cpuF0) / ((performance.now() - wf0) / 1000)) *
      100
    ).toFixed(1);

    const w1count = (await pair.bird.stats(PEER.name)).counters.importWithdrawsReceived;
    result.withdrawsAtFailure = w1count - w0count;
    // The service returns.
    await service.stop();
    service = startService();
    const r0 = performance.now();
    await service.ready;
    await waitUntil(async () => (await imported(pair.bird)) > N, 60_000, 'routes back', 50);
    result.restartToAllBackMs = Math.round(performance.now() - r0);
    const end = await pair.bird.stats(PEER.name);
    result.sessionStayedUp = end.bgpState === 'Established' && end.since === since0;
    // Withdraws while the service came back: routes the floor held are let go as others return.
    result.withdrawsDuringRecovery = end.counters.importWithdrawsReceived - w1count;
  } finally {
    await service.stop().catch(() => undefined);
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

const h = await loadHarness(OUT);
const results = [];
for (const version of VERSIONS)
  for (const floor of FLOORS) {
    log(`ExaBGP ${version}, ${N} ${KIND} checks, floor ${floor}`);
    const r = await one(h, version, floor);
    log(JSON.stringify(r));
    results.push(r);
  }
const out = {
  date: new Date().toISOString(),
  machine: { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', load: loadavg() },
  node: process.version,
  results,
};
writeFileSync(join(OUT, 'health-rig.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
process.exit(0);
