// `npm run bench`: builds route trees in bench/out/, measures plan, run (incremental, cold start,
// throughput) and, with ExaBGP + BIRD installed, initial sync and one-route edits on loopback.
// Prints tables and writes bench/out/results.json. Not part of `npm test`.
//   npm run bench -- --only plan,incremental,cold,throughput,exabgp --sizes 10k,100k --runs 3
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchSync, benchReload, loadHarness, setExabgpVersion } from './lib/exabgp.mjs';
import { benchCold, benchIncremental, benchPlan } from './lib/local.mjs';
import { median, REPO } from './lib/proc.mjs';
import { parseSize, sizeLabel } from './lib/trees.mjs';

const PARTS = ['plan', 'incremental', 'cold', 'throughput', 'exabgp'];
const USAGE = `usage: npm run bench -- [options]
  --only LIST         parts: ${PARTS.join(',')} (default: all)
  --sizes LIST        route counts for plan/incremental/cold (default 10k,100k,1m)
  --forms LIST        route,grouped (default both)
  --files LIST        files per tree (default 1,100,1000)
  --runs N            repetitions, medians reported (default 3)
  --edits N           one-route edits per incremental measurement (default 5)
  --exabgp-sizes LIST initial sync sizes with ExaBGP (default 10k,100k)
  --exabgp-versions LIST  ExaBGP versions to measure, side by side (default 4.2,5.0)
  --quick             sizes 10k,100k; files 1,1000; runs 1; edits 3; exabgp 10k only
Separate benchmarks (after npm run build), see bench/RESULTS.md:
  node bench/health.mjs       1000 health checks in one process (checker CPU, gates)
  node bench/health-rig.mjs   1000 gated routes under ExaBGP 4.2/5.0 + BIRD: CPU, fail -> withdraw
  node bench/flows.mjs, node bench/fleet.mjs`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    sizes: { type: 'string' },
    forms: { type: 'string' },
    files: { type: 'string' },
    runs: { type: 'string' },
    edits: { type: 'string' },
    'exabgp-sizes': { type: 'string' },
    'exabgp-versions': { type: 'string' },
    quick: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const list = (text, fallback) => (text ?? fallback).split(',').filter((s) => s !== '');
const quick = values.quick === true;
const parts = list(values.only, PARTS.join(','));
for (const p of parts) if (!PARTS.includes(p)) throw new Error(`unknown part ${p}\n${USAGE}`);
const sizes = list(values.sizes, quick ? '10k,100k' : '10k,100k,1m').map(parseSize);
const forms = list(values.forms, 'route,grouped');
const fileCounts = list(values.files, quick ? '1,1000' : '1,100,1000').map(Number);
const runs = Number(values.runs ?? (quick ? 1 : 3));
const edits = Number(values.edits ?? (quick ? 3 : 5));
const exabgpSizes = list(values['exabgp-sizes'], quick ? '10k' : '10k,100k').map(parseSize);
const exabgpVersions = list(values['exabgp-versions'], '4.2,5.0');

const OUT = join(REPO, 'bench', 'out');
mkdirSync(OUT, { recursive: true });
const started = Date.now();
const results = {
  date: new Date().toISOString(),
  machine: {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    ramGb: +(totalmem() / 2 ** 30).toFixed(1),
    freeGbAtStart: +(freemem() / 2 ** 30).toFixed(1),
    loadAtStart: loadavg().map((l) => +l.toFixed(2)),
  },
  node: process.version,
  options: { parts, sizes, forms, fileCounts, runs, edits, exabgpSizes },
  plan: [],
  incremental: [],
  cold: [],
  throughput: [],
  exabgp: [],
};

const f1 = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
function log(text) {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${text}\n`);
}
function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  const text = [
    `\n${title}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  process.stdout.write(`${text.join('\n')}\n`);
}
function trees(allSizes = sizes) {
  const out = [];
  for (const n of allSizes)
    for (const form of forms) for (const files of fileCounts) out.push({ form, n, files });
  return out;
}
const label = (t) => `${t.form} ${sizeLabel(t.n)} / ${t.files} file${t.files === 1 ? '' : 's'}`;
// Parts not run this time keep their results from the previous run (bench/out/results.json).
const previous = (() => {
  try {
    return JSON.parse(readFileSync(join(OUT, 'results.json'), 'utf8'));
  } catch {
    return {};
  }
})();
const save = () => {
  const merged = { ...results };
  for (const p of PARTS)
    if (!parts.includes(p) && previous[p] !== undefined) merged[p] = previous[p];
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(merged, null, 2)}\n`);
};

if (parts.includes('plan')) {
  for (const tree of trees()) {
    log(`plan ${label(tree)}`);
    results.plan.push({ tree, ...(await benchPlan(OUT, tree, runs)) });
    save();
  }
  table(
    'plan --format commands (whole process, cold; medians)',
    ['tree', 'seconds', 'peak RSS MB', 'CPU s'],
    results.plan.map((r) => [label(r.tree), f1(r.seconds, 2), f1(r.rssMb, 0), f1(r.cpu, 2)]),
  );
}

if (parts.includes('incremental')) {
  for (const tree of trees(sizes.filter((n) => n <= 100_000))) {
    for (const debounce of [0, undefined]) {
      log(`incremental ${label(tree)} debounce ${debounce ?? 'default'}`);
      results.incremental.push({
        tree,
        debounceMs: debounce ?? 'default (100)',
        ...(await benchIncremental(OUT, tree, edits, debounce)),
      });
      save();
    }
  }
  table(
    'run: one-route edit (write + rename) to its command on stdout (ms; median, min-max)',
    ['tree', 'debounce', 'median', 'min-max'],
    results.incremental.map((r) => [
      label(r.tree),
      r.debounceMs,
      f1(r.ms, 0),
      `${f1(r.min, 0)}-${f1(r.max, 0)}`,
    ]),
  );
}

if (parts.includes('cold')) {
  for (const tree of trees().filter((t) => t.files !== 100)) {
    log(`cold ${label(tree)}`);
    results.cold.push({ tree, ...(await benchCold(OUT, tree, tree.n >= 1e6 ? 1 : runs)) });
    save();
  }
  table(
    'run: cold start, empty ledger, to the last command written (pipe answering done)',
    [
      'tree',
      'first line s',
      'last line s',
      'peak RSS MB',
      'CPU s',
      'lines',
      'routes/s while writing',
    ],
    results.cold.map((r) => [
      label(r.tree),
      f1(r.firstSeconds, 2),
      f1(r.seconds, 2),
      f1(r.rssMb, 0),
      f1(r.cpu, 2),
      r.lines,
      f1(r.routesPerSecond, 0),
    ]),
  );
}

if (parts.includes('throughput')) {
  const n = Math.min(100_000, Math.max(...sizes));
  for (const window of [1, 16, 64, 256]) {
    const tree = { form: 'unique', n, files: 1 };
    log(`throughput ${label(tree)} --max-inflight ${window}`);
    results.throughput.push({
      tree,
      window,
      ...(await benchCold(OUT, tree, runs, ['--max-inflight', String(window)])),
    });
    save();
  }
  table(
    'run: command lines per second into a pipe answering done at once (one route per line)',
    ['tree', '--max-inflight', 'lines/s', 'cold start s'],
    results.throughput.map((r) => [
      label(r.tree),
      r.window,
      f1(r.linesPerSecond, 0),
      f1(r.seconds, 2),
    ]),
  );
}

async function exabgpPart(version) {
  let h;
  try {
    h = await loadHarness(OUT);
    const bins = h.binaries.checkBinaries({ version });
    if (!bins.ok) throw new Error(bins.reason);
    setExabgpVersion(version);
  } catch (err) {
    log(`exabgp ${version} part skipped: ${err.message}`);
    results.exabgp.push({ version, skipped: err.message });
    return;
  }
  const add = async (what, fn) => {
    log(`exabgp ${version} ${what}`);
    try {
      results.exabgp.push({ version, ...(await fn()) });
    } catch (err) {
      log(`  failed: ${err.message}`);
      results.exabgp.push({ failed: `${what}: ${err.message}` });
    }
    save();
  };
  for (const n of exabgpSizes) {
    const tree = { form: 'grouped', n, files: 1 };
    const big = n > 20_000;
    // The recommended settings first (speed 0.1, group-updates on): every feeder, interleaved,
    // `runs` times; medians.
    const samples = { reconciler: [], bulk: [], naive: [] };
    for (let i = 0; i < runs; i++) {
      for (const who of Object.keys(samples)) {
        const opts = {
          who,
          speed: 0.1,
          groupUpdates: true,
          edits: who === 'reconciler' && i === 0 ? edits : 0,
        };
        log(`exabgp ${version} ${sizeLabel(n)} ${who} speed 0.1 (run ${i + 1}/${runs})`);
        try {
          samples[who].push(await benchSync(h, OUT, tree, opts));
        } catch (err) {
          log(`  failed: ${err.message}`);
        }
      }
    }
    for (const list of Object.values(samples)) {
      if (list.length === 0) continue;
      const pick = (k) => median(list.map((r) => r[k]));
      results.exabgp.push({
        version,
        ...list[0],
        runs: list.length,
        seconds: pick('seconds'),
        processCpu: pick('processCpu'),
        exabgpCpu: pick('exabgpCpu'),
        samples: list.map((r) => r.seconds),
      });
    }
    save();
    const split = { form: 'grouped', n, files: 1000 };
    await add(`${sizeLabel(n)} reconciler, 1000 files, edits with --debounce-ms 0`, async () => ({
      ...(await benchSync(h, OUT, split, {
        who: 'reconciler',
        speed: 0.1,
        groupUpdates: true,
        edits,
        runArgs: ['--debounce-ms', '0'],
      })),
      label: 'reconciler, 1000 files, debounce 0',
    }));
    if (!big) {
      for (const bulkSize of [100, 500]) {
        await add(`${sizeLabel(n)} bulk ${bulkSize}`, () =>
          benchSync(h, OUT, tree, { who: 'bulk', bulkSize, speed: 0.1, groupUpdates: true }),
        );
      }
      for (const [speed, groupUpdates] of [
        [1.0, true],
        [0.1, false],
        [1.0, false],
      ]) {
        for (const who of ['reconciler', 'bulk', 'naive']) {
          await add(`${sizeLabel(n)} ${who} speed ${speed} group-updates ${groupUpdates}`, () =>
            benchSync(h, OUT, tree, { who, speed, groupUpdates }),
          );
        }
      }
    } else {
      await add(`${sizeLabel(n)} reconciler speed 1.0`, () =>
        benchSync(h, OUT, tree, { who: 'reconciler', speed: 1.0, groupUpdates: true }),
      );
    }
    await add(`${sizeLabel(n)} static config + SIGUSR1`, () =>
      benchReload(h, tree, { speed: 0.1, groupUpdates: true, edits: big ? 1 : 3 }),
    );
  }
}

function exabgpTable() {
  const rows = results.exabgp
    .filter((r) => r.n !== undefined)
    .map((r) => [
      r.version,
      sizeLabel(r.n - 1),
      r.label ?? r.who + (r.bulkSize ? ` ${r.bulkSize}/line` : ''),
      r.runs ?? 1,
      r.speed,
      r.groupUpdates ? 'on' : 'off',
      f1(r.seconds ?? r.startupSeconds, 2),
      f1(r.processCpu, 2),
      f1(r.exabgpCpu, 2),
      r.editMs ? f1(median(r.editMs), 0) : '',
      r.editUpdates ? r.editUpdates.join(',') : '',
    ]);
  table(
    'ExaBGP -> BIRD 2 on loopback: initial sync until the peer holds every route; one-route edit',
    [
      'exabgp',
      'routes',
      'feeder',
      'runs',
      'speed',
      'group-updates',
      'sync s',
      'feeder CPU s',
      'ExaBGP CPU s',
      'edit ms',
      'edit updates',
    ],
    rows,
  );
}

if (parts.includes('exabgp')) {
  for (const version of exabgpVersions) await exabgpPart(version);
  exabgpTable();
}

results.loadAtEnd = loadavg().map((l) => +l.toFixed(2));
results.minutes = +((Date.now() - started) / 60000).toFixed(1);
save();
results.versions = Object.fromEntries(
  [
    ['exabgp', ['exabgp', '--version']],
    ['exabgp5', [process.env.EXABGP5 ?? '/opt/exabgp-5.0.13/bin/exabgp', 'version']],
    ['bird', ['bird', '--version']],
    ['kernel', ['uname', '-r']],
  ].map(([name, [cmd, ...args]]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return [name, `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]?.trim() || 'absent'];
  }),
);
save();
log(
  `done in ${results.minutes} min; load average ${results.loadAtEnd.join(' ')}; bench/out/results.json`,
);
log('health checks on the rig: node bench/health-rig.mjs (see npm run bench -- --help)');
process.exit(0);
