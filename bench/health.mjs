// Health checks at scale: 1000 tcp checks (one per gated route) at a 1 s interval against a local
// TCP service, for 10 s: the checker's CPU (user + system of this process, which runs only the
// checker and the service), the event loop's worst delay, and the gate evaluation of 1000 routes.
//   npm run build && node bench/health.mjs
import { createServer } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { applyHealth } from '../dist/core/health.js';
import { encodeAttributes, routeKey } from '../dist/core/route.js';
import { systemClock } from '../dist/runtime/clock.js';
import { createSilentLogger } from '../dist/runtime/logger.js';
import { HealthChecker } from '../dist/runtime/checks/checker.js';

const N = 1000;
const SECONDS = 10;
const server = createServer((s) => s.end());
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

const specs = new Map();
for (let i = 0; i < N; i++)
  specs.set(`c${i}`, {
    name: `c${i}`,
    kind: 'tcp',
    host: '127.0.0.1',
    port,
    intervalMs: 1000,
    timeoutMs: 500,
    fastIntervalMs: 1000,
    rise: 2,
    fall: 2,
    initial: 'down',
  });
let changes = 0;
const checker = new HealthChecker({
  clock: systemClock,
  log: createSilentLogger(),
  persisted: new Map(),
  persist: () => undefined,
  onChange: () => changes++,
});
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
checker.sync(specs);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
loop.disable();
const runs = checker.status().reduce((n, s) => n + s.runs, 0);
checker.stop();
server.close();

const routes = new Map();
for (let i = 0; i < N; i++) {
  const attributes = { nextHop: '192.0.2.1' };
  const r = {
    target: '*',
    afi: 'ipv4',
    safi: 'unicast',
    prefix: `10.${i >> 8}.${i & 255}.0/24`,
    attributes,
    value: encodeAttributes(attributes),
    health: { op: 'all', checks: [`c${i}`], specs: [specs.get(`c${i}`)], text: `c${i}` },
  };
  routes.set(routeKey(r), r);
}
const states = checker.states();
const g0 = performance.now();
for (let k = 0; k < 100; k++) applyHealth(routes, states, { percent: 50 }, () => true);
const gateMs = (performance.now() - g0) / 100;

console.log(
  JSON.stringify({
    checks: N,
    seconds: Math.round(wall / 100) / 10,
    runs,
    state_changes: changes,
    cpu_percent_of_one_core: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
    event_loop_max_delay_ms: Math.round(loop.max / 1e6),
    gate_1000_routes_ms: Math.round(gateMs * 100) / 100,
  }),
);
