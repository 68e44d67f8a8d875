// examples/prometheus and examples/grafana against a live `run` (dist/main.js, standalone, acks
// off, HTTP on an ephemeral loopback port): every metric and label value they reference exists in
// its GET /metrics, the rules file has the expected shape, and promtool (Debian's `prometheus`
// package) accepts the rules, their unit tests and every dashboard expression.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MAIN, REPO } from '../helpers/spawn-cli.js';

const RULES = join(REPO, 'examples', 'prometheus', 'exabgp-reconciler.rules.yml');
const RULES_TEST = join(REPO, 'examples', 'prometheus', 'exabgp-reconciler.rules.test.yml');
const DASHBOARD = join(REPO, 'examples', 'grafana', 'exabgp-reconciler.dashboard.json');
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
/** Prometheus's own series the rules may use besides ours. */
const PROMETHEUS_SERIES = new Set(['up']);

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: string };
  readonly annotations: { readonly summary: string; readonly description?: string };
}

let root: string;
let child: ChildProcessWithoutNullStreams;
let metricsText: string;
let runPort: number;

function rulesExprs(): { name: string; expr: string }[] {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ name: r.alert, expr: r.expr })));
}

function dashboardExprs(): { name: string; expr: string }[] {
  const doc = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
    templating: { list: { name: string; definition?: string }[] };
  };
  const panels = doc.panels.flatMap((p) => p.targets.map((t) => ({ name: p.title, expr: t.expr })));
  const vars = doc.templating.list
    .filter((v) => v.definition !== undefined)
    .map((v) => ({ name: `$${v.name}`, expr: v.definition! }));
  return [...panels, ...vars];
}

/** Metric names /metrics declares (# TYPE), with a histogram's _bucket, _sum and _count. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
  }
  return names;
}

/** `name{a="x",b="y"}` selectors with exact matchers (other than instance/job) in `expr`. */
function exactSelectors(expr: string): { metric: string; label: string; value: string }[] {
  const out: { metric: string; label: string; value: string }[] = [];
  for (const m of expr.matchAll(/(exabgp_reconciler_[a-z0-9_]+)\{([^}]*)\}/g)) {
    for (const l of m[2]!.matchAll(/([a-z_]+)="([^"]*)"/g)) {
      if (l[1] !== 'instance' && l[1] !== 'job')
        out.push({ metric: m[1]!, label: l[1]!, value: l[2]! });
    }
  }
  return out;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'examples-metrics-'));
  mkdirSync(join(root, 'routes.d'));
  writeFileSync(
    join(root, 'routes.d', 'a.yaml'),
    'routes:\n  - prefix: 10.1.0.0/24\n    next-hop: 192.0.2.1\n',
  );
  child = spawn(
    process.execPath,
    [
      MAIN,
      'run',
      '--routes',
      'routes.d',
      '--ack',
      'off',
      '--listen',
      '127.0.0.1:0',
      '--verify-interval',
      '0',
    ],
    { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdout.resume();
  const port = await new Promise<number>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`run did not listen: ${err}`)), 10_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      const m = /"port":(\d+),"msg":"http api listening"/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  runPort = port;
  const deadline = Date.now() + 10_000;
  for (;;) {
    metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    if (/^exabgp_reconciler_reconciles_total [1-9]/m.test(metricsText) || Date.now() > deadline)
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  if (child !== undefined) {
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.stdin.end();
    await closed;
  }
  rmSync(root, { recursive: true, force: true });
});

describe('examples/prometheus and examples/grafana', () => {
  it.each([
    ['the alert rules', rulesExprs],
    ['the dashboard', dashboardExprs],
  ])('%s reference only metrics a live /metrics exports', (_name, exprs) => {
    const exported = exportedNames(metricsText);
    expect(exported.size).toBeGreaterThan(20);
    const all = exprs();
    expect(all.length).toBeGreaterThan(5);
    for (const { name, expr } of all) {
      const referenced = [
        ...[...expr.matchAll(/\b(exabgp_reconciler_[a-z0-9_]+)/g)].map((m) => m[1]!),
        ...[...expr.matchAll(/\b([a-z_]+)\{/g)]
          .map((m) => m[1]!)
          .filter((n) => PROMETHEUS_SERIES.has(n)),
      ];
      expect(referenced.length, `${name}: ${expr}`).toBeGreaterThan(0);
      for (const metric of referenced) {
        if (PROMETHEUS_SERIES.has(metric)) continue;
        expect(exported.has(metric), `${name}: ${metric} is not in /metrics`).toBe(true);
      }
      for (const s of exactSelectors(expr)) {
        const sample = new RegExp(`^${s.metric}\\{[^}]*${s.label}="${s.value}"`, 'm');
        expect(sample.test(metricsText), `${name}: no ${s.metric}{${s.label}="${s.value}"}`).toBe(
          true,
        );
      }
    }
  });

  it('every rule is an alert with a severity, a summary and a valid duration', () => {
    const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
    expect(doc.groups).toHaveLength(1);
    const rules = doc.groups[0]!.rules;
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'ExabgpReconcileFailing',
        'ExabgpReconcileStale',
        'ExabgpGuardHoldingPlan',
        'ExabgpAckErrors',
        'ExabgpUsingLastGoodState',
        'ExabgpVerifyDrift',
      ]),
    );
    for (const r of rules) {
      expect(r.alert).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
    }
  });

  const promtool = PROMTOOL === undefined && process.env['CI'] !== 'true' ? it.skip : it;
  promtool('promtool accepts the rules and their unit tests', () => {
    if (PROMTOOL === undefined) throw new Error('promtool not found: apt-get install prometheus');
    const check = execFileSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(check).toContain('SUCCESS: 10 rules found');
    const test = execFileSync(PROMTOOL, ['test', 'rules', RULES_TEST], {
      encoding: 'utf8',
      cwd: join(REPO, 'examples', 'prometheus'),
    });
    expect(test).toContain('SUCCESS');
  });

  const PROMETHEUS = existsSync('/usr/bin/prometheus') ? '/usr/bin/prometheus' : undefined;
  const server = PROMETHEUS === undefined && process.env['CI'] !== 'true' ? it.skip : it;
  server(
    'a real Prometheus scrapes the live /metrics, loads the rules and answers every dashboard query',
    async () => {
      if (PROMETHEUS === undefined)
        throw new Error('prometheus not found: apt-get install prometheus');
      await withPrometheus(PROMETHEUS, root, runPort, async (query, get) => {
        // every rule loaded and evaluated without error
        const rules = (await get('/api/v1/rules')) as {
          groups: { rules: { name: string; health: string; lastError?: string }[] }[];
        };
        const loaded = rules.groups.flatMap((g) => g.rules);
        expect(loaded).toHaveLength(rulesExprs().length);
        for (const r of loaded)
          expect({ rule: r.name, health: r.health, error: r.lastError ?? '' }).toEqual({
            rule: r.name,
            health: 'ok',
            error: '',
          });
        // every dashboard panel query returns data for this instance
        for (const { name, expr } of dashboardExprs()) {
          if (expr.startsWith('label_values(')) continue;
          const result = await query(expr.replaceAll('$instance', '.+'));
          // The drift gauge has no samples before a --verify check (none here: acks are off).
          if (expr.includes('verify_drift_routes')) continue;
          expect(result.length, `${name}: ${expr} returned no series`).toBeGreaterThan(0);
        }
        // a healthy reconciler fires nothing
        const alerts = (await get('/api/v1/alerts')) as {
          alerts: { labels: { alertname: string }; state: string }[];
        };
        expect(alerts.alerts.filter((a) => a.state === 'firing')).toEqual([]);
      });
    },
    60_000,
  );

  promtool('promtool parses every dashboard expression', () => {
    if (PROMTOOL === undefined) throw new Error('promtool not found: apt-get install prometheus');
    // As recording rules, with the $instance variable replaced by what Grafana would send.
    const rules = dashboardExprs()
      .filter((e) => !e.expr.startsWith('label_values('))
      .map(
        (e, i) =>
          `      - record: dashboard:expr${i}\n        expr: ${JSON.stringify(e.expr.replaceAll('$instance', '.+'))}`,
      );
    const file = join(root, 'dashboard.rules.yml');
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const check = execFileSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8' });
    expect(check).toContain(`SUCCESS: ${rules.length} rules found`);
  });
});

type Query = (expr: string) => Promise<unknown[]>;
type Get = (path: string) => Promise<unknown>;

/**
 * Prometheus on an ephemeral loopback port, scraping `run` on `target` every second with the
 * example rules, until `up` is 1 and two scrapes have landed (so rate() has points); then `body`.
 */
async function withPrometheus(
  binary: string,
  dir: string,
  target: number,
  body: (query: Query, get: Get) => Promise<void>,
): Promise<void> {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  copyFileSync(RULES, join(dir, 'exabgp-reconciler.rules.yml'));
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'rule_files: [exabgp-reconciler.rules.yml]',
      'scrape_configs:',
      '  - job_name: exabgp-reconciler',
      `    static_configs: [{ targets: ['127.0.0.1:${target}'] }]`,
      '',
    ].join('\n'),
  );
  const prom = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  prom.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise((resolve) => prom.on('close', resolve));
  const get: Get = async (path) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(5000),
    });
    const doc = (await res.json()) as { status: string; data: unknown; error?: string };
    if (doc.status !== 'success') throw new Error(`${path}: ${doc.error ?? doc.status}`);
    return doc.data;
  };
  const query: Query = async (expr) =>
    ((await get(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as { result: unknown[] })
      .result;
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const up = await query('count_over_time(up{job="exabgp-reconciler"}[1m]) >= 3 and up == 1');
        const evaluated = (await get('/api/v1/rules')) as { groups: { lastEvaluation: string }[] };
        if (up.length > 0 && !evaluated.groups.some((g) => g.lastEvaluation.startsWith('0001')))
          break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`prometheus never scraped the reconciler: ${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await body(query, get);
  } finally {
    prom.kill('SIGTERM');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
