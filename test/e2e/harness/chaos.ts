// The chaos trials (test/e2e/chaos.e2e.test.ts in CI, test/soak/chaos.soak.test.ts for the soak):
// real ExaBGP + BIRD, our process respawned by ExaBGP. From a converged 20k-route table, each trial
// applies a 20k-route change (10k withdraws, 10k announces, 5k attribute changes, ipv4 and ipv6
// mixed) and kill -9s our process at a random instant during it; some trials change the files
// again while it is down. After the respawn converges: BIRD's RIB equals the desired routes exactly,
// no BGP session reset, and no route at BIRD that the ledger does not know.
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import {
  EXABGP_RELEASES,
  MAIN_JS,
  baseRunArgs,
  type Binaries,
  type ExabgpVersion,
} from './binaries.js';
import { isAlive, signalPid, waitFor } from './processes.js';
import type { Rig } from './rig.js';
import {
  diffRib,
  expectedPeerRoutes,
  formatRibDiff,
  generatePrefixes,
  isEmptyDiff,
  writeRouteFile,
  type E2eRoute,
  type RibDiff,
} from './routes.js';
import {
  countersSince,
  describeVersions,
  snapshotCounters,
  useRig,
  useSessionGuard,
  versionSlot,
} from './scenario.js';

/** Deterministic PRNG (mulberry32): a trial is reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UNIVERSE = 20_000;
const V4 = generatePrefixes(UNIVERSE, { base: 160 });
const V6 = generatePrefixes(UNIVERSE, { family: 'ipv6', base: 0x160 });
/** The prefix pool: 20k ipv4 /24s and 20k ipv6 /64s; a table holds half of it. */
const POOL = [...V4, ...V6];
const TABLE = 20_000;

/** Attribute sets a route can carry (an attribute change moves it to another one). */
const VARIANTS: readonly ((v6: boolean) => Omit<E2eRoute, 'prefixes'>)[] = [
  (v6) => ({ nextHop: v6 ? '2001:db8::a0' : '192.0.2.160', med: 100, communities: ['65000:1'] }),
  (v6) => ({ nextHop: v6 ? '2001:db8::a1' : '192.0.2.161', med: 200 }),
  (v6) => ({
    nextHop: v6 ? '2001:db8::a2' : '192.0.2.162',
    med: 300,
    largeCommunities: ['65000:2:1'],
  }),
  (v6) => ({ nextHop: v6 ? '2001:db8::a3' : '192.0.2.163', asPath: [65010, 65020], med: 400 }),
  (v6) => ({ nextHop: v6 ? '2001:db8::a4' : '192.0.2.164', localPref: 300 }),
  (v6) => ({
    nextHop: v6 ? '2001:db8::a5' : '192.0.2.165',
    origin: 'egp',
    extCommunities: ['target:65000:5'],
  }),
];

/** A desired table: prefix → variant index. */
export type Table = Map<string, number>;

export function initialTable(random: () => number): Table {
  const table: Table = new Map();
  for (const prefix of shuffle(POOL, random).slice(0, TABLE))
    table.set(prefix, Math.floor(random() * VARIANTS.length));
  return table;
}

function shuffle<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface Change {
  next: Table;
  removed: number;
  added: number;
  changed: number;
}

/** Remove `size` routes, add `size` from the rest of the pool, change the attributes of `size / 2`. */
export function changeTable(table: Table, random: () => number, size: number): Change {
  const present = shuffle([...table.keys()], random);
  const absent = shuffle(
    POOL.filter((p) => !table.has(p)),
    random,
  );
  const next: Table = new Map(table);
  const removed = present.slice(0, size);
  for (const prefix of removed) next.delete(prefix);
  const kept = present.slice(size, size + Math.floor(size / 2));
  for (const prefix of kept) {
    const variant = table.get(prefix) ?? 0;
    next.set(
      prefix,
      (variant + 1 + Math.floor(random() * (VARIANTS.length - 1))) % VARIANTS.length,
    );
  }
  const added = absent.slice(0, size);
  for (const prefix of added) next.set(prefix, Math.floor(random() * VARIANTS.length));
  return { next, removed: removed.length, added: added.length, changed: kept.length };
}

/** The table as routes.d entries: one `prefixes:` entry per family and variant. */
function groupTable(table: Table): { variant: number; route: E2eRoute }[] {
  const groups = new Map<string, string[]>();
  for (const [prefix, variant] of table) {
    const key = `${variant} ${prefix.includes(':') ? 6 : 4}`;
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(prefix);
  }
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, prefixes]) => {
      const [variant = 0, family] = key.split(' ').map(Number);
      return { variant, route: { ...VARIANTS[variant]!(family === 6), prefixes } };
    });
}

export function tableRoutes(table: Table): E2eRoute[] {
  return groupTable(table).map((g) => g.route);
}

/** Two files, the variants split between them (each file mixes ipv4 and ipv6). */
export function writeTable(dir: string, table: Table): void {
  const groups = groupTable(table);
  const half = VARIANTS.length / 2;
  writeRouteFile(
    dir,
    'chaos-a.yaml',
    groups.filter((g) => g.variant < half).map((g) => g.route),
  );
  writeRouteFile(
    dir,
    'chaos-b.yaml',
    groups.filter((g) => g.variant >= half).map((g) => g.route),
  );
}

/**
 * Wait until every peer's RIB equals `routes` exactly. Cheap polling first (BIRD's imported count
 * and counters, until they match and stop moving), then a full attribute diff; repeated until the
 * time is up. Returns the last diff per peer (empty when exact).
 */
export async function waitExactRib(
  rig: Rig,
  routes: readonly E2eRoute[],
  timeoutMs: number,
): Promise<{ exact: boolean; diffs: Record<string, RibDiff> }> {
  const deadline = Date.now() + timeoutMs;
  const expected = new Map(
    rig.peers.map((p) => [p.protocol, expectedPeerRoutes(routes, p.address)]),
  );
  let diffs: Record<string, RibDiff> = {};
  let last = '';
  let stableSince = Date.now();
  for (;;) {
    const stats = await Promise.all(rig.peers.map((p) => rig.bird.stats(p.protocol)));
    const now = JSON.stringify(stats.map((s) => [s.routesImported, s.counters]));
    if (now !== last) stableSince = Date.now();
    last = now;
    const counted = stats.every((s) => s.routesImported === expected.get(s.name)?.size);
    if ((counted && Date.now() - stableSince >= 500) || Date.now() >= deadline) {
      diffs = {};
      for (const peer of rig.peers)
        diffs[peer.protocol] = diffRib(
          expected.get(peer.protocol) ?? new Map(),
          await rig.bird.routes(peer.protocol),
        );
      if (Object.values(diffs).every(isEmptyDiff)) return { exact: true, diffs };
      if (Date.now() >= deadline) return { exact: false, diffs };
      await sleep(1_000);
    } else {
      await sleep(250);
    }
  }
}

/**
 * The routes at BIRD that the ledger does not know, read with `plan --from-state` (read-only, safe
 * while live). The ledger holds desired − announce ∪ withdraw ∪ update keys; every route here is a
 * `*` route, so the key is the prefix. Also returns the plan's change counts (0 when converged).
 */
export async function ledgerCheck(
  rig: Rig,
  routes: readonly E2eRoute[],
): Promise<{ unknown: string[]; changes: Record<string, number> }> {
  const result = spawnSync(
    process.execPath,
    [MAIN_JS, 'plan', '--routes', rig.routesDir, '--from-state', rig.stateDir, '--format', 'json'],
    { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
  );
  if (result.stdout === '') throw new Error(`plan --from-state failed: ${result.stderr}`);
  const plan = JSON.parse(result.stdout) as {
    changes: { action: string; prefix: string; target: string }[];
  };
  const desired = new Set(routes.flatMap((r) => r.prefixes ?? []));
  const changes: Record<string, number> = {};
  const notInLedger = new Set<string>();
  const ledgerOnly = new Set<string>();
  for (const c of plan.changes) {
    changes[c.action] = (changes[c.action] ?? 0) + 1;
    if (c.action === 'announce') notInLedger.add(c.prefix);
    if (c.action === 'withdraw') ledgerOnly.add(c.prefix);
  }
  const unknown: string[] = [];
  for (const peer of rig.peers) {
    for (const route of await rig.bird.routes(peer.protocol)) {
      const known =
        (desired.has(route.prefix) && !notInLedger.has(route.prefix)) ||
        ledgerOnly.has(route.prefix);
      if (!known) unknown.push(`${peer.protocol} ${route.prefix}`);
    }
  }
  return { unknown, changes };
}

/** Unread bytes in the pipe that make a kill cut a line at ExaBGP (it reads 16 KiB at a time). */
const CUT_AT = 20_000;

/**
 * Kill `pid` (our process) -9 while more than CUT_AT bytes of its output wait unread in the pipe
 * to ExaBGP, read with FIONREAD on a second read end of that pipe (/proc/<pid>/fd/1). A running
 * ExaBGP drains the pipe within a millisecond, so ExaBGP is paused (SIGSTOP) for up to 300 ms at
 * a time, which lets our process write the lines its window allows; when they pass CUT_AT the kill
 * is sent and ExaBGP resumes (SIGCONT), else it resumes and the next pause comes 50-300 ms later.
 * (Pauses are nothing against the 30 s hold time.) Woken, ExaBGP 4.2 reads 16 KiB, runs the whole
 * lines and keeps the cut one as the start of the next process's first line (exabgp5.md §4, §9);
 * 5.0.12+ drops it. After `limitMs` it kills anyway. Returns the unread bytes at the kill.
 */
function killMidLine(pid: number, exabgpPid: number, limitMs: number, seed: number): number {
  const script = [
    'import fcntl,os,random,signal,struct,sys,termios,time',
    'node,exa,need,limit=int(sys.argv[1]),int(sys.argv[2]),int(sys.argv[3]),float(sys.argv[4])',
    'random.seed(int(sys.argv[5]))',
    'r=os.open("/proc/%d/fd/1"%node,os.O_RDONLY|os.O_NONBLOCK)',
    'fill=lambda:struct.unpack("i",fcntl.ioctl(r,termios.FIONREAD,b"\\0"*4))[0]',
    'end=time.time()+limit',
    'while True:',
    '  os.kill(exa,signal.SIGSTOP)',
    '  until=time.time()+0.3',
    '  n=fill()',
    '  while n<need and time.time()<until:',
    '    time.sleep(0.002)',
    '    n=fill()',
    '  if n>=need or time.time()>=end:',
    '    os.kill(node,signal.SIGKILL)',
    '    time.sleep(0.05)',
    '    os.kill(exa,signal.SIGCONT)',
    '    print(n)',
    '    break',
    '  os.kill(exa,signal.SIGCONT)',
    '  time.sleep(0.05+random.random()*0.25)',
  ].join('\n');
  const result = spawnSync(
    'python3',
    [
      '-c',
      script,
      String(pid),
      String(exabgpPid),
      String(CUT_AT),
      String(limitMs / 1000),
      String(seed),
    ],
    { encoding: 'utf8', timeout: limitMs + 10_000 },
  );
  if (result.status !== 0) {
    process.kill(exabgpPid, 'SIGCONT');
    throw new Error(`mid-line kill helper failed: ${result.stderr}`);
  }
  return Number(result.stdout.trim());
}

/** ExaBGP's respawn limit: 5 starts per 64 s bucket (`int(time) & 0xFFFFC0`); stay under it. */
async function respectRespawnLimit(kills: number[]): Promise<void> {
  const bucket = (ms: number) => Math.floor(ms / 1000) & 0xffffffc0;
  const now = Date.now();
  if (kills.filter((k) => bucket(k) === bucket(now)).length >= 3) {
    await sleep((bucket(now) + 64) * 1000 - now + 100);
  }
}

/** Even trials kill half-way through a line, odd ones at a random instant. */
function trialMode(trial: number): 'mid-line' | 'timed' {
  return trial % 2 === 0 ? 'mid-line' : 'timed';
}

/** The `run` flags: the mass-withdraw guard is not under test (a trial withdraws 50% of the table). */
const RUN_ARGS = [...baseRunArgs(), '--max-withdraw', '100%'];

export interface TrialRecord {
  trial: number;
  seed: number;
  mode: 'mid-line' | 'timed';
  held: boolean;
  killAtMs: number;
  progress: string;
  exact: boolean;
  resets: number;
  convergenceMs: number;
  unknownToLedger: number;
}

export interface ChaosOptions {
  /** Base slot (below 20; the 5.0 half uses +20). */
  slot: number;
  name: string;
  trials: number;
  /** Base seed; trial i uses seed + i. Default: CHAOS_SEED, else the clock. */
  seed?: number;
}

/** One describe block per ExaBGP version, with `trials` chaos trials in it. */
export function defineChaosSuite(options: ChaosOptions): void {
  const envSeed = Number(process.env['CHAOS_SEED']);
  const baseSeed =
    options.seed ??
    (Number.isInteger(envSeed) && envSeed > 0 ? envSeed : Date.now() % 1_000_000_000);
  describeVersions(
    `chaos: kill -9 during a 20k-route change`,
    { needMain: true },
    (binaries, version) => chaosTrials(binaries, version, options, baseSeed),
  );
}

function chaosTrials(
  binaries: Binaries,
  version: ExabgpVersion,
  options: ChaosOptions,
  baseSeed: number,
): void {
  const release = EXABGP_RELEASES[version];
  let table = initialTable(rng(baseSeed));
  const rig = useRig({
    slot: versionSlot(options.slot, version),
    name: `${options.name}-${version}`,
    binaries,
    encoder: 'json',
    respawn: true,
    // the mass-withdraw guard is not under test: a trial withdraws 50% of the table
    process: {
      kind: 'reconciler',
      wrapper: 'exec',
      args: RUN_ARGS,
    },
    prepare: ({ routesDir }) => writeTable(routesDir, table),
  });
  const sessions = useSessionGuard(rig);
  const records: TrialRecord[] = [];
  const kills: number[] = [];
  let windowMs = 5_000;
  let dirty = false;

  afterAll(() => {
    if (records.length === 0) return;
    const exact = records.filter((r) => r.exact).length;
    const resets = records.reduce((n, r) => n + r.resets, 0);
    const worst = Math.max(...records.map((r) => r.convergenceMs));
    process.stderr.write(
      `chaos ${release}: ${exact}/${records.length} exact, ${resets} session resets, ` +
        `worst convergence ${(worst / 1000).toFixed(1)} s (seed ${baseSeed})\n`,
    );
  });

  it(`converges on the initial table of ${TABLE} routes (seed ${baseSeed})`, async () => {
    const started = Date.now();
    const result = await waitExactRib(rig(), tableRoutes(table), 240_000);
    // the change applies in about the initial time: a kill within 70% of it lands mid-apply mostly
    windowMs = Math.max(2_000, Math.round(0.7 * (Date.now() - started)));
    if (!result.exact) {
      throw new Error(
        Object.entries(result.diffs)
          .map(([p, d]) => `${p}: ${formatRibDiff(d)}`)
          .join('\n'),
      );
    }
    process.stderr.write(`chaos ${release}: initial ${TABLE} routes in ${windowMs} ms\n`);
  });

  for (let trial = 0; trial < options.trials; trial++) {
    const seed = baseSeed + 1 + trial;
    const mode = trialMode(trial);
    const held = [false, true, true, false][trial % 4] ?? false;
    it(`trial ${trial}: seed ${seed}, kill -9 ${mode === 'mid-line' ? 'half-way through writing a line (ExaBGP paused)' : 'at a random instant'}${held ? ', files changed again while it is down' : ''}`, async () => {
      const r = rig();
      const random = rng(seed);
      if (dirty) {
        // isolate this trial from a failed one: a fresh ExaBGP gets the full table from the ledger
        const starts = r.processStarts();
        await sessions().expectReset(async () => {
          await r.exabgp.restart();
          await r.waitProcessStart(starts);
        });
        await waitExactRib(r, tableRoutes(table), 240_000);
        dirty = false;
      }
      await respectRespawnLimit(kills);
      const change = changeTable(table, random, TABLE / 2);
      const ops = change.removed + change.added + change.changed;
      const before = await snapshotCounters(r);
      const starts = r.processStarts();
      const pid = r.processPid();
      expect(pid).toBeDefined();
      const mark = r.stderrMark();
      const killDelay = Math.round(random() * windowMs);
      let desired = change.next;
      let fill = 0;
      const exabgpMark = r.exabgp.logText().length;
      let written: number;
      if (mode === 'timed') {
        written = Date.now();
        writeTable(r.routesDir, change.next);
        await sleep(killDelay);
        if (held) r.hold(true);
        expect(signalPid(pid!, 'SIGKILL', r.dir)).toBe(true);
      } else {
        // an instant where a kill cuts a line at ExaBGP (see killMidLine). From the start: past
        // the first batches (1, 2, 4, ... 64 lines) our process writes one line per ack, and a
        // running ExaBGP has read every line its window allows, so the pipe never fills again.
        written = Date.now();
        writeTable(r.routesDir, change.next);
        if (held) r.hold(true);
        expect(isAlive(pid!, r.dir)).toBe(true);
        fill = killMidLine(pid!, r.exabgp.pid(), 20_000, seed);
      }
      const killAt = Date.now() - written;
      kills.push(Date.now());
      await waitFor(() => !isAlive(pid!), {
        timeoutMs: 5_000,
        what: 'the killed process to be gone',
      });
      const atKill = (await countersSince(r, before))[r.peers[0].protocol];
      const applied = r.stderrText(mark).includes('"outcome":"applied"');
      const progress = `${applied ? 'after the apply' : 'mid-apply'}${
        mode === 'mid-line'
          ? `, ${fill} bytes unread in the pipe${fill >= CUT_AT ? ' (a cut line)' : ' (no cut: none in 20 s)'}`
          : ''
      }, peer_a had ${Math.round(
        (100 * ((atKill?.updates ?? 0) + (atKill?.withdraws ?? 0))) / ops,
      )}% of ${ops} changes`;
      if (held) {
        const again = changeTable(change.next, random, 2_000);
        writeTable(r.routesDir, again.next);
        desired = again.next;
        await sleep(300);
        r.hold(false);
      }
      table = desired;
      const respawned = await r.waitProcessStart(starts, 30_000);
      const since = Date.now();
      const routes = tableRoutes(desired);
      const result = await waitExactRib(r, routes, 180_000);
      const convergenceMs = Date.now() - since;
      // the ledger settles from ExaBGP's answers, which may trail the UPDATEs: wait for it (longer
      // than the 30 s ack timeout), then it must equal the desired routes
      const settling = Date.now();
      let ledger = await ledgerCheck(r, routes);
      while (
        (Object.keys(ledger.changes).length > 0 || ledger.unknown.length > 0) &&
        Date.now() - settling < 60_000
      ) {
        await sleep(2_000);
        ledger = await ledgerCheck(r, routes);
      }
      const ledgerLagMs = Date.now() - settling;
      const resetsBefore = Object.values(sessions().unplannedResets()).reduce((a, b) => a + b, 0);
      const resetError = await sessions()
        .assertNoReset()
        .then(
          () => undefined,
          (error: Error) => error,
        );
      const resets =
        Object.values(sessions().unplannedResets()).reduce((a, b) => a + b, 0) - resetsBefore;
      const exabgpNotes = r.exabgp
        .logText()
        .slice(exabgpMark)
        .split('\n')
        .filter((l) => /not understood|error|Error|unknown command/.test(l))
        .slice(0, 3)
        .map((l) => l.slice(0, 200));
      const record: TrialRecord = {
        trial,
        seed,
        mode,
        held,
        killAtMs: killAt,
        progress,
        exact: result.exact,
        resets,
        convergenceMs: convergenceMs + ledgerLagMs,
        unknownToLedger: ledger.unknown.length,
      };
      records.push(record);
      process.stderr.write(
        `chaos ${release} trial ${trial} seed ${seed}: kill -9 at ${killAt} ms (${mode}, ${progress})` +
          `${held ? ', changed again while down' : ''}; respawned pid ${respawned}; ` +
          `${result.exact ? 'exact' : 'NOT exact'} ${(convergenceMs / 1000).toFixed(1)} s after the respawn, ` +
          `ledger settled ${(ledgerLagMs / 1000).toFixed(1)} s later; ` +
          `${resets} session resets; ${ledger.unknown.length} routes unknown to the ledger; ` +
          `plan from the ledger ${JSON.stringify(ledger.changes)}` +
          `${exabgpNotes.length > 0 ? `; exabgp: ${exabgpNotes.join(' | ')}` : ''}\n`,
      );
      dirty = !result.exact || resets > 0 || ledger.unknown.length > 0;
      const diffText = Object.entries(result.diffs)
        .filter(([, d]) => !isEmptyDiff(d))
        .map(([p, d]) => `${p}: ${formatRibDiff(d)}`)
        .join('\n');
      expect(result.exact, `RIB not exact (seed ${seed}):\n${diffText}`).toBe(true);
      expect(ledger.unknown, 'routes at BIRD the ledger does not know').toEqual([]);
      expect(ledger.changes, 'the ledger equals the desired routes').toEqual({});
      if (resetError !== undefined) throw resetError;
      expect(r.processStarts()).toHaveLength(starts.length + 1);
    });
  }
}
