// FlowSpec scale (issue 10): `plan` for 10k rules, in-process costs (parse, diff, encode) and the sync
// cost of 10k rules through a real ExaBGP into BIRD (both versions). Needs `npm run build`, root,
// exabgp (4.2), /opt/exabgp-5.0.13/bin/exabgp and bird. Loopback slot 17 (127.0.17.x, port 12170):
// do not run while test/e2e/run-flows runs. Usage: node bench/flows.mjs [count=10000] [--no-exabgp]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 10_000);
const withExabgp = !process.argv.includes('--no-exabgp');
const root = new URL('..', import.meta.url).pathname;
const { parseRouteDocument } = await import(join(root, 'dist/config/load-routes.js'));
const { diffRoutes } = await import(join(root, 'dist/core/diff.js'));
const { routeKey } = await import(join(root, 'dist/core/route.js'));
const { encodePlanText } = await import(join(root, 'dist/exabgp/encode.js'));

function flowFile(n, rate) {
  const out = ['flows:'];
  for (let i = 0; i < n; i++) {
    const dest = `10.${80 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}/32`;
    out.push(
      '  - match:',
      `      destination: ${dest}`,
      '      protocol: udp',
      "      destination-port: [53, '8000-8080']",
      '    then:',
      `      rate-limit: ${i === 0 ? rate : 9600}`,
    );
  }
  return `${out.join('\n')}\n`;
}

const ms = (t0) => Math.round(performance.now() - t0);
const dir = mkdtempSync(join(tmpdir(), 'bench-flows-'));
const results = {};
try {
  const text = flowFile(count, 9600);
  let t0 = performance.now();
  const parsed = parseRouteDocument('flows.yaml', text);
  results.parse_ms = ms(t0);
  if (parsed.diagnostics.length > 0) throw new Error(parsed.diagnostics[0].message);
  const desired = new Map(parsed.routes.map((r) => [routeKey(r), r]));
  t0 = performance.now();
  const plan = diffRoutes(desired, new Map());
  results.diff_all_new_ms = ms(t0);
  t0 = performance.now();
  const lines = encodePlanText(plan);
  results.encode_ms = ms(t0);
  results.lines = lines.length;
  results.bytes = lines.reduce((n, l) => n + l.length + 1, 0);
  const changed = parseRouteDocument('flows.yaml', flowFile(count, 19200));
  const next = new Map(changed.routes.map((r) => [routeKey(r), r]));
  t0 = performance.now();
  const one = diffRoutes(next, desired);
  results.diff_one_change_ms = ms(t0);
  results.one_change_lines = encodePlanText(one).length;

  // the CLI: `plan` of the whole tree against an empty announced state, text output
  const routes = join(dir, 'routes.d');
  mkdirSync(routes);
  writeFileSync(join(routes, 'flows.yaml'), text);
  t0 = performance.now();
  execFileSync('node', [join(root, 'dist/main.js'), 'plan', '--routes', routes], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  results.cli_plan_ms = ms(t0);
  t0 = performance.now();
  execFileSync(
    'node',
    [join(root, 'dist/main.js'), 'plan', '--routes', routes, '--format', 'json'],
    {
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  );
  results.cli_plan_json_ms = ms(t0);

  if (withExabgp) {
    for (const version of ['4.2', '5.0']) results[`sync_${version}`] = await sync(version, lines);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ count, ...results }, null, 2)}\n`);

/** Time for ExaBGP to take `lines` (one per rule, acks counted) and for BIRD to hold them all. */
async function sync(version, lines) {
  const d = mkdtempSync(join(tmpdir(), `bench-flows-${version}-`));
  const procs = [];
  try {
    writeFileSync(
      join(d, 'bird.conf'),
      `router id 127.0.17.1;\nprotocol device { scan time 60; }\nflow4 table ft4;\nflow6 table ft6;\nprotocol bgp p {\n  local 127.0.17.1 port 12170 as 64496;\n  neighbor 127.0.17.2 as 64496;\n  passive on;\n  ipv4 { import all; export none; };\n  flow4 { table ft4; import all; export none; };\n  flow6 { table ft6; import all; export none; };\n}\n`,
    );
    writeFileSync(join(d, 'lines.txt'), `${lines.join('\n')}\n`);
    // the feeder: writes every line at once, counts `done`s, records when the last one came
    writeFileSync(
      join(d, 'feeder.mjs'),
      `import fs from 'node:fs';
const lines = fs.readFileSync(${JSON.stringify(join(d, 'lines.txt'))}, 'utf8');
const total = lines.split('\\n').length - 1;
setTimeout(() => { fs.writeFileSync(${JSON.stringify(join(d, 'start'))}, String(Date.now())); process.stdout.write(lines); }, 3000);
let acks = 0, buf = '';
process.stdin.on('data', (c) => { buf += c; const parts = buf.split('\\n'); buf = parts.pop();
  for (const p of parts) if (p === 'done' || p === 'error') { acks++; if (acks === total) fs.writeFileSync(${JSON.stringify(join(d, 'acked'))}, String(Date.now())); } });
process.stdin.on('end', () => process.exit(0));
`,
    );
    writeFileSync(
      join(d, 'exabgp.conf'),
      `process feeder {\n  run ${process.execPath} ${join(d, 'feeder.mjs')};\n  encoder text;\n}\nneighbor 127.0.17.1 {\n  router-id 127.0.17.2;\n  local-address 127.0.17.2;\n  local-as 64496;\n  peer-as 64496;\n  connect 12170;\n  family { ipv4 unicast; ipv4 flow; ipv6 flow; }\n  api { processes [ feeder ]; }\n}\n`,
    );
    writeFileSync(
      join(d, 'exabgp.env'),
      "[exabgp.api]\nack = true\ncli = false\n[exabgp.daemon]\nuser = 'root'\ndaemonize = false\ndrop = false\n[exabgp.tcp]\nbind = ''\n[exabgp.log]\ndestination = 'stdout'\nlevel = WARNING\n[exabgp.reactor]\nspeed = 0.1\n",
    );
    procs.push(
      spawn('bird', ['-f', '-c', join(d, 'bird.conf'), '-s', join(d, 'bird.ctl')], {
        stdio: 'ignore',
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    const env = join(d, 'exabgp.env');
    const exa =
      version === '4.2'
        ? spawn('exabgp', ['--env', env, join(d, 'exabgp.conf')], { stdio: 'ignore' })
        : spawn(
            '/opt/exabgp-5.0.13/bin/exabgp',
            ['--env-file', env, 'server', join(d, 'exabgp.conf')],
            {
              stdio: 'ignore',
              env: { ...process.env, EXABGP_ENVFILE: env },
            },
          );
    procs.push(exa);
    const birdc = (...w) =>
      execFileSync('birdc', ['-s', join(d, 'bird.ctl'), ...w], { encoding: 'utf8' });
    const deadline = Date.now() + 300_000;
    let start;
    let acked;
    let held;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      if (Date.now() > deadline) throw new Error(`${version}: no convergence in 300 s`);
      try {
        start ??= Number(execFileSync('cat', [join(d, 'start')], { encoding: 'utf8' }));
      } catch {
        continue;
      }
      try {
        acked ??= Number(execFileSync('cat', [join(d, 'acked')], { encoding: 'utf8' }));
      } catch {
        /* not yet */
      }
      const n = /(\d+) of \d+ routes for \d+ networks in table ft4/.exec(
        birdc('show', 'route', 'table', 'ft4', 'count'),
      );
      if (n !== null && Number(n[1]) >= lines.length) {
        held = Date.now();
        break;
      }
    }
    const stats = birdc('show', 'protocols', 'all', 'p');
    const updates = /Channel flow4[\s\S]*?Import updates:\s+(\d+)/.exec(stats)?.[1];
    return {
      acked_s: acked === undefined ? null : (acked - start) / 1000,
      at_peer_s: (held - start) / 1000,
      rules_per_s: Math.round(lines.length / ((held - start) / 1000)),
      peer_updates: Number(updates),
    };
  } finally {
    for (const p of procs.reverse()) {
      p.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1000));
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    rmSync(d, { recursive: true, force: true });
  }
}
