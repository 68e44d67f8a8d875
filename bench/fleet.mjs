// Fleet benchmarks (issue 11), against a real etcd on loopback (port 23880): 100k routes in etcd
// (write, size) and a speaker's cold start from etcd to its last command on stdout; a one-route PUT
// to the line on every speaker's stdout (3 speakers, acks off). Needs `npm run build` and `etcd`.
//   node bench/fleet.mjs [--routes 100000] [--puts 10]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import { parseRouteDocument } from '../dist/config/load-routes.js';
import { EtcdDocumentStore } from '../dist/sources/etcd-store.js';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '100000' },
    puts: { type: 'string', default: '10' },
  },
});
const N = Number(values.routes);
const PUTS = Number(values.puts);
const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
const ENDPOINT = 'http://127.0.0.1:23880';
const children = [];

function startEtcd() {
  const p = spawn(
    'etcd',
    [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${ENDPOINT}`,
      `--advertise-client-urls=${ENDPOINT}`,
      '--listen-peer-urls=http://127.0.0.1:23881',
      '--initial-advertise-peer-urls=http://127.0.0.1:23881',
      '--initial-cluster=default=http://127.0.0.1:23881',
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  children.push(p);
  return p;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(check, ms, what) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await sleep(5);
  }
}

/** Counts the prefixes announced on stdout, and remembers when each line arrived. */
function speaker(name, port, prefix) {
  const p = spawn(
    process.execPath,
    [
      MAIN,
      'run',
      '--ack',
      'off',
      '--exabgp-version',
      '4.2',
      '--speaker',
      name,
      '--routes',
      join(dir, 'empty'),
      '--state-dir',
      join(dir, name),
      '--listen',
      `127.0.0.1:${port}`,
      '--etcd-endpoints',
      ENDPOINT,
      '--etcd-prefix',
      prefix,
      '--log-level',
      'warn',
      '--max-withdraw',
      '100%',
    ],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
  children.push(p);
  const s = { name, port, proc: p, announced: 0, lines: [], buf: '', started: performance.now() };
  p.stdout.setEncoding('utf8').on('data', (d) => {
    const now = performance.now();
    s.buf += d;
    let i;
    while ((i = s.buf.indexOf('\n')) >= 0) {
      const line = s.buf.slice(0, i);
      s.buf = s.buf.slice(i + 1);
      s.lines.push({ at: now, line });
      if (line.startsWith('announce attributes'))
        s.announced += line.split(' nlri ')[1].split(' ').length;
      else if (line.startsWith('announce route')) s.announced += 1;
    }
  });
  return s;
}

const rss = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  startEtcd();
  const client = new Etcd3({ hosts: ENDPOINT });
  await until(
    async () =>
      client
        .put('/probe')
        .value('1')
        .then(
          () => true,
          () => false,
        ),
    20_000,
    'etcd',
  );
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'empty'));

  // 1. 100k routes into etcd, then a cold start of one speaker from it
  const prefixes = Array.from(
    { length: N },
    (_, i) => `      - 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`,
  );
  const doc = `routes:\n  - next-hop: 192.0.2.1\n    community: [65000:1]\n    prefixes:\n${prefixes.join('\n')}\n`;
  const parsed = parseRouteDocument('api', doc);
  const store = new EtcdDocumentStore(client, '/bench-cold');
  let t = performance.now();
  await store.write({ format: 1, routes: parsed.routes }, { by: 'bench', now: Date.now() });
  const writeMs = performance.now() - t;
  const head = (await store.read()).head;
  t = performance.now();
  await store.read();
  const readMs = performance.now() - t;
  const cold = speaker('cold', 23870, '/bench-cold');
  await until(() => cold.announced >= N, 120_000, 'cold start');
  const coldMs = cold.lines.at(-1).at - cold.started;
  await sleep(500);
  const coldRss = rss(cold.proc.pid);
  cold.proc.kill('SIGTERM');
  console.log(
    `| ${N} routes: write to etcd | ${writeMs.toFixed(0)} ms (${head.shards} shards, ${(head.bytes / 1024).toFixed(0)} KiB gzipped) |`,
  );
  console.log(
    `| ${N} routes: read back (head + shards + gunzip + parse) | ${readMs.toFixed(0)} ms |`,
  );
  console.log(
    `| speaker cold start from etcd to the last of ${N} routes on stdout (process start included) | ${coldMs.toFixed(0)} ms |`,
  );
  console.log(`| speaker RSS after the cold start | ${coldRss.toFixed(0)} MiB |`);

  // 2. one-route PUT to the line on each of 3 speakers
  const fleet = [
    speaker('s1', 23871, '/bench-put'),
    speaker('s2', 23872, '/bench-put'),
    speaker('s3', 23873, '/bench-put'),
  ];
  await until(
    async () =>
      (
        await Promise.all(
          fleet.map((s) =>
            fetch(`http://127.0.0.1:${s.port}/healthz`).then(
              (r) => r.ok,
              () => false,
            ),
          ),
        )
      ).every(Boolean),
    20_000,
    'speakers',
  );
  await sleep(1000);
  const afterResponse = [];
  const afterSend = [];
  for (let k = 0; k < PUTS; k++) {
    const line = `announce route 192.0.2.0/24 next-hop 10.0.0.1 med ${k + 1}`;
    const body = `routes:\n  - prefix: 192.0.2.0/24\n    next-hop: 10.0.0.1\n    med: ${k + 1}\n`;
    const sent = performance.now();
    const res = await fetch(`http://127.0.0.1:23871/v1/desired`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body,
    });
    const answered = performance.now();
    if (res.status !== 200) throw new Error(`PUT ${res.status}`);
    await until(
      () => fleet.every((s) => s.lines.some((l) => l.line === line)),
      10_000,
      'all speakers',
    );
    const at = fleet.map((s) => s.lines.find((l) => l.line === line).at);
    afterResponse.push(Math.max(...at) - answered);
    afterSend.push(Math.max(...at) - sent);
    await sleep(200);
  }
  const rssFleet = fleet.map((s) => rss(s.proc.pid));
  console.log(
    `| one-route PUT: last of 3 speakers' stdout line after the PUT's response (median, max of ${PUTS}) | ${med(afterResponse).toFixed(1)} ms, ${Math.max(...afterResponse).toFixed(1)} ms |`,
  );
  console.log(
    `| one-route PUT: last of 3 speakers' stdout line after the PUT was sent (median, max) | ${med(afterSend).toFixed(1)} ms, ${Math.max(...afterSend).toFixed(1)} ms |`,
  );
  console.log(
    `| speaker RSS, small state (3 speakers) | ${rssFleet.map((r) => r.toFixed(0)).join(', ')} MiB |`,
  );
  client.close();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  });
