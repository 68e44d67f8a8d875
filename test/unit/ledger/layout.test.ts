import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { routeKey, type Route } from '../../../src/core/route.js';
import { applyLines } from '../../../src/runtime/apply.js';
import { systemClock } from '../../../src/runtime/clock.js';
import { startExabgpReader } from '../../../src/exabgp/io/reader.js';
import { ExabgpWriter } from '../../../src/exabgp/io/writer.js';
import { LEDGER_SCHEMA_VERSION, Ledger } from '../../../src/ledger/ledger.js';
import { readLedgerSnapshot } from '../../../src/ledger/snapshot.js';
import { createSilentLogger } from '../../../src/runtime/logger.js';
import { FakeExabgp } from '../../helpers/fake-exabgp.js';
import { route } from '../../helpers/routes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-layout-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const a = route({ prefix: '10.0.0.0/24', med: 1 });
const b = route({ prefix: '10.0.1.0/24', med: 1 });
const c = route({ prefix: '10.0.2.0/24', med: 2 });
const vpn = route({ prefix: '10.9.0.0/24', safi: 'mpls-vpn', rd: '65000:1', label: [100] });
const addPath = route({ prefix: '10.8.0.0/24', pathInformation: 7, target: '192.0.2.10' });

function count(table: string): number {
  const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A schema 1 ledger as the previous release wrote it. */
function writeV1Ledger(): void {
  const db = new Database(join(dir, 'ledger.sqlite'));
  db.exec(`
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE announced (key TEXT PRIMARY KEY, route TEXT NOT NULL);
CREATE TABLE pending (key TEXT PRIMARY KEY, route TEXT NOT NULL, commit_kind TEXT NOT NULL);
CREATE TABLE desired_source (source TEXT PRIMARY KEY, hash TEXT NOT NULL, routes TEXT NOT NULL);
CREATE TABLE api_source (id INTEGER PRIMARY KEY CHECK (id = 1), routes TEXT NOT NULL,
  updated_at INTEGER NOT NULL);`);
  const put = (k: string, v: string): unknown =>
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(k, v);
  put('schema_version', '1');
  put('instance', JSON.stringify({ pid: 42, startTime: '1234' }));
  for (const r of [a, vpn])
    db.prepare('INSERT INTO announced VALUES (?, ?)').run(routeKey(r), JSON.stringify(r));
  db.prepare('INSERT INTO pending VALUES (?, ?, ?)').run(routeKey(c), JSON.stringify(c), 'set');
  db.prepare('INSERT INTO pending VALUES (?, ?, ?)').run(routeKey(a), JSON.stringify(a), 'remove');
  const sourced: Route = { ...b, source: { source: 'routes.d/b.yaml', line: 3, col: 5 } };
  db.prepare('INSERT INTO desired_source VALUES (?, ?, ?)').run(
    'routes.d/b.yaml',
    'h1',
    JSON.stringify([sourced]),
  );
  db.close();
}

describe('Ledger schema 2 layout', () => {
  it('writes one intent row per line and stores each distinct value once', () => {
    const ledger = Ledger.open(dir);
    ledger.markPendingLines([
      [
        { route: a, commit: 'set' },
        { route: b, commit: 'set' },
      ],
      [{ route: c, commit: 'set' }],
    ]);
    expect(count('intent')).toBe(2);
    ledger.settle([
      { kind: 'set', route: a },
      { kind: 'set', route: b },
      { kind: 'clear', key: routeKey(a) },
      { kind: 'clear', key: routeKey(b) },
    ]);
    expect(count('intent')).toBe(1);
    expect(count('announced_route')).toBe(2);
    expect(count('value_text')).toBe(2);
    ledger.close();
  });

  it('after a crash keeps pending exactly the keys not yet settled, also inside a partly settled line', () => {
    const crashed = Ledger.open(dir);
    crashed.markPendingLines([
      [
        { route: a, commit: 'set' },
        { route: b, commit: 'set' },
      ],
    ]);
    crashed.settle([
      { kind: 'set', route: a },
      { kind: 'clear', key: routeKey(a) },
    ]);
    // kill -9 here: no close
    const ledger = Ledger.open(dir);
    expect(ledger.pendingKeys).toEqual(new Set([routeKey(b)]));
    expect([...ledger.announced.keys()]).toEqual([routeKey(a)]);
    expect(ledger.announcedForDiff().get(routeKey(b))?.value).toBe(b.value);
    crashed.close();
    ledger.close();
  });

  it('clears a key marked by two lines from both rows, so a crash cannot bring it back', () => {
    const crashed = Ledger.open(dir);
    crashed.markPending([
      { route: a, commit: 'set' },
      { route: b, commit: 'set' },
    ]);
    crashed.markPending([{ route: a, commit: 'set' }]);
    crashed.settle([
      { kind: 'set', route: a },
      { kind: 'clear', key: routeKey(a) },
    ]);
    expect(count('intent')).toBe(1);
    const ledger = Ledger.open(dir);
    expect(ledger.pendingKeys).toEqual(new Set([routeKey(b)]));
    ledger.settle([{ kind: 'clear', key: routeKey(b) }]);
    expect(count('intent')).toBe(0);
    expect(ledger.pending.size).toBe(0);
    crashed.close();
    ledger.close();
  });

  it('keeps the order of sets and removes in a settle larger than one multi-row batch', () => {
    const many = Array.from({ length: 250 }, (_, i) =>
      route({ prefix: `10.1.${i}.0/24`, med: i % 3 }),
    );
    const ledger = Ledger.open(dir);
    ledger.settle([
      ...many.map((r) => ({ kind: 'set' as const, route: r })),
      { kind: 'remove', key: routeKey(many[7]!) },
      { kind: 'set', route: route({ prefix: '10.1.9.0/24', med: 99 }) },
      { kind: 'remove', key: routeKey(many[249]!) },
    ]);
    ledger.close();
    const reopened = Ledger.open(dir);
    expect(reopened.announced.size).toBe(248);
    expect(reopened.announced.has(routeKey(many[7]!))).toBe(false);
    expect(reopened.announced.has(routeKey(many[249]!))).toBe(false);
    expect(reopened.announced.get(routeKey(many[9]!))?.value).toBe(
      route({ prefix: '10.1.9.0/24', med: 99 }).value,
    );
    expect(count('value_text')).toBe(4);
    reopened.close();
  });

  it('deletes values nothing names any more when they far outnumber the announced routes', () => {
    const ledger = Ledger.open(dir);
    ledger.saveDesiredSources([{ source: 'routes.d/a.yaml', hash: 'h', routes: [b] }]);
    ledger.markPending([{ route: c, commit: 'set' }]);
    for (let med = 100; med < 1200; med += 1) {
      ledger.settle([{ kind: 'set', route: route({ prefix: '10.0.0.0/24', med }) }]);
    }
    expect(count('value_text')).toBe(1102);
    ledger.close();
    const reopened = Ledger.open(dir);
    // The last value of a, b's (a desired source) and c's (an intent).
    expect(count('value_text')).toBe(3);
    expect(reopened.announced.get(routeKey(a))?.value).toBe(
      route({ prefix: '10.0.0.0/24', med: 1199 }).value,
    );
    expect(reopened.pending.get(routeKey(c))?.route).toEqual(c);
    expect(reopened.loadDesiredSources()[0]?.routes).toEqual([b]);
    reopened.close();
  });

  it.each([
    ['a route distinguisher', vpn],
    ['a path identifier and a neighbor target', addPath],
  ])('round-trips a route with %s', (_name, r) => {
    const ledger = Ledger.open(dir);
    ledger.settle([{ kind: 'set', route: r }]);
    ledger.markPending([{ route: r, commit: 'remove' }]);
    ledger.close();
    const reopened = Ledger.open(dir);
    expect(reopened.announced.get(routeKey(r))).toEqual(r);
    expect(reopened.pending.get(routeKey(r))).toEqual({ route: r, commit: 'remove' });
    reopened.close();
  });

  it('keeps the source positions of the stored desired sources', () => {
    const sourced: Route = { ...a, source: { source: 'routes.d/a.yaml', line: 4, col: 3 } };
    const ledger = Ledger.open(dir);
    ledger.saveDesiredSources([{ source: 'routes.d/a.yaml', hash: 'h', routes: [sourced, b] }]);
    ledger.close();
    const reopened = Ledger.open(dir);
    expect(reopened.loadDesiredSources()).toEqual([
      { source: 'routes.d/a.yaml', hash: 'h', routes: [sourced, b] },
    ]);
    reopened.close();
  });

  it('migrates a schema 1 ledger without losing an announced route, a pending mark or a desired source', () => {
    writeV1Ledger();
    const before = readLedgerSnapshot(dir);
    expect([...before.pending].sort()).toEqual([routeKey(a), routeKey(c)].sort());
    const ledger = Ledger.open(dir);
    expect(ledger.migratedFrom).toBe(1);
    expect([...ledger.announced.values()]).toEqual(
      [a, vpn].sort((x, y) => (routeKey(x) < routeKey(y) ? -1 : 1)),
    );
    expect(ledger.pending.get(routeKey(c))).toEqual({ route: c, commit: 'set' });
    expect(ledger.pending.get(routeKey(a))).toEqual({ route: a, commit: 'remove' });
    expect(ledger.getInstance()).toEqual({ pid: 42, startTime: '1234' });
    expect(ledger.loadDesiredSources()).toEqual(before.desiredSources);
    ledger.close();
    const after = readLedgerSnapshot(dir);
    expect(after.announcedForDiff).toEqual(before.announcedForDiff);
    expect(after.pending).toEqual(before.pending);
    const again = Ledger.open(dir);
    expect(again.migratedFrom).toBeUndefined();
    again.close();
  });

  it('refuses a ledger from a newer release as E_STATE', () => {
    const db = new Database(join(dir, 'ledger.sqlite'));
    db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    db.prepare('INSERT INTO meta VALUES (?, ?)').run(
      'schema_version',
      String(LEDGER_SCHEMA_VERSION + 1),
    );
    db.close();
    expect(() => Ledger.open(dir)).toThrow(expect.objectContaining({ code: 'E_STATE' }));
  });
});

describe('applyLines with the ledger', () => {
  it('makes each line pending durably before writing it and settles it only on done', async () => {
    const ledger = Ledger.open(dir);
    const seenPending: string[][] = [];
    const seenAnnounced: string[][] = [];
    const exabgp = new FakeExabgp({
      answer: () => {
        // Another connection (what a restart after kill -9 would read) sees the line's keys.
        const snapshot = readLedgerSnapshot(dir);
        seenPending.push([...snapshot.pending].sort());
        seenAnnounced.push([...snapshot.announced.keys()]);
        return 'done';
      },
    });
    const writer = new ExabgpWriter(
      exabgp.stdout,
      {
        ack: true,
        maxInFlightLines: 1,
        maxInFlightBytes: 1 << 20,
        ackTimeoutMs: 1000,
        quietAfterTimeoutMs: 5,
      },
      systemClock,
    );
    startExabgpReader(exabgp.stdin, {
      onMessage: (m) => (m.kind === 'ack' ? writer.handleAck(m.ok) : undefined),
      onEnd: () => writer.close('eof'),
    });
    const deps = { writer, ledger, logger: createSilentLogger(), clock: systemClock };
    const report = await applyLines(
      [
        { text: 'announce one', routes: [a, b], commit: 'set' },
        { text: 'announce two', routes: [c], commit: 'set' },
      ],
      deps,
      { batchLines: 1, commitEveryLines: 1, commitDelayMs: 1 },
    );
    expect(report.done).toBe(2);
    expect(seenPending[0]).toEqual(expect.arrayContaining([routeKey(a), routeKey(b)]));
    expect(seenPending[1]).toEqual(expect.arrayContaining([routeKey(c)]));
    // Not announced before its `done`.
    expect(seenAnnounced[0]).toEqual([]);
    expect(seenAnnounced[1]).not.toContain(routeKey(c));
    const after = readLedgerSnapshot(dir);
    expect(after.pending.size).toBe(0);
    expect([...after.announced.keys()].sort()).toEqual([a, b, c].map(routeKey).sort());
    expect(count('intent')).toBe(0);
    writer.close('eof');
    ledger.close();
  });
});
