// The durable record of what ExaBGP acknowledged for us (SQLite via better-sqlite3, WAL): announced
// routes, pending intents, the ExaBGP instance identity, the last applied desired sources and the
// api source. Every mutation is one transaction; an in-memory mirror serves reads.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Route, RouteKey, RouteSet } from '../core/route.js';
import { routeKey } from '../core/route.js';
import { ReconcilerError } from '../errors.js';
import type { InstanceIdentity } from './instance.js';
import { LEDGER_FILE, openDb, readApiRoutes, type Db } from './ledger-db.js';

export { LEDGER_FILE } from './ledger-db.js';
// Kept here for importers of the read-only snapshot that predate ledger-snapshot.ts.
export { readLedgerSnapshot, type LedgerSnapshot } from './ledger-snapshot.js';

export const LEDGER_SCHEMA_VERSION = 1;

export type CommitKind = 'set' | 'remove' | 'none';

export interface PendingEntry {
  readonly route: Route;
  readonly commit: CommitKind;
}

/** One settled line's effect: `set` routes, `remove` keys, or just `clear` the pending mark. */
export type SettleOp =
  | { readonly kind: 'set'; readonly route: Route }
  | { readonly kind: 'remove'; readonly key: RouteKey }
  | { readonly kind: 'clear'; readonly key: RouteKey };

/** A desired source as last applied: its content hash and its routes. */
export interface StoredSource {
  readonly source: string;
  readonly hash: string;
  readonly routes: readonly Route[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS announced (key TEXT PRIMARY KEY, route TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (key TEXT PRIMARY KEY, route TEXT NOT NULL, commit_kind TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS desired_source (source TEXT PRIMARY KEY, hash TEXT NOT NULL, routes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_source (id INTEGER PRIMARY KEY CHECK (id = 1), routes TEXT NOT NULL,
  updated_at INTEGER NOT NULL);
`;

function stripSource(route: Route): Route {
  if (route.source === undefined) return route;
  const { source: _source, ...rest } = route;
  return rest;
}

export class Ledger {
  private readonly announcedMap = new Map<RouteKey, Route>();
  private readonly pendingMap = new Map<RouteKey, PendingEntry>();
  private readonly storedHashes = new Map<string, string>();

  private constructor(
    private readonly db: Db,
    readonly path: string,
  ) {
    this.load();
  }

  /** Open (creating the directory and schema) the ledger in `stateDir`. Throws E_STATE. */
  static open(stateDir: string): Ledger {
    try {
      mkdirSync(stateDir, { recursive: true });
    } catch (err) {
      throw new ReconcilerError('E_STATE', `cannot create state directory "${stateDir}"`, {
        cause: err,
      });
    }
    const path = join(stateDir, LEDGER_FILE);
    const db = openDb(path, false);
    try {
      // WAL + synchronous=NORMAL is durable against a process crash (kill -9): a committed
      // transaction is in the WAL file before commit returns. A power loss can lose the last
      // transactions, but it also restarts ExaBGP, whose new instance makes us reset the ledger.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      checkSchemaVersion(db, path);
    } catch (err) {
      db.close();
      if (err instanceof ReconcilerError) throw err;
      throw new ReconcilerError('E_STATE', `cannot initialise ledger "${path}"`, { cause: err });
    }
    return new Ledger(db, path);
  }

  /** Routes ExaBGP acknowledged. */
  get announced(): RouteSet {
    return this.announcedMap;
  }

  /** Keys whose state at ExaBGP is unknown (a line was written and not settled). */
  get pending(): ReadonlyMap<RouteKey, PendingEntry> {
    return this.pendingMap;
  }

  get pendingKeys(): ReadonlySet<RouteKey> {
    return new Set(this.pendingMap.keys());
  }

  /**
   * What the diff compares against: the acknowledged routes plus, for pending keys that are not
   * acknowledged, the route of the unsettled line (ExaBGP may hold it, so it may need a withdraw).
   */
  announcedForDiff(): RouteSet {
    let extra = false;
    for (const [key, p] of this.pendingMap) {
      if (p.commit !== 'none' && !this.announcedMap.has(key)) extra = true;
    }
    if (!extra) return this.announcedMap;
    const view = new Map(this.announcedMap);
    for (const [key, p] of this.pendingMap) {
      if (p.commit !== 'none' && !view.has(key)) view.set(key, p.route);
    }
    return view;
  }

  getInstance(): InstanceIdentity | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('instance') as
      { value: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.value) as InstanceIdentity | null);
  }

  /** A new ExaBGP instance has an empty RIB: forget every announced and pending route. */
  resetForInstance(instance: InstanceIdentity | null): void {
    this.db.transaction(() => {
      this.db.exec('DELETE FROM announced; DELETE FROM pending;');
      setMeta(this.db, 'instance', JSON.stringify(instance));
    })();
    this.announcedMap.clear();
    this.pendingMap.clear();
  }

  /** Record intent before writing: the keys become pending (one transaction per batch). */
  markPending(entries: readonly { readonly route: Route; readonly commit: CommitKind }[]): void {
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO pending (key, route, commit_kind) VALUES (?, ?, ?)',
    );
    const marks = new Map<RouteKey, PendingEntry>();
    for (const e of entries) {
      const route = stripSource(e.route);
      const key = routeKey(route);
      // A re-assert must not hide an earlier unsettled announce or withdraw of the same key: that
      // entry carries the route a crash recovery may have to withdraw.
      const earlier = marks.get(key) ?? this.pendingMap.get(key);
      if (e.commit === 'none' && earlier !== undefined) continue;
      marks.set(key, { route, commit: e.commit });
    }
    this.db.transaction(() => {
      for (const [key, m] of marks) insert.run(key, JSON.stringify(m.route), m.commit);
    })();
    for (const [key, m] of marks) this.pendingMap.set(key, m);
  }

  /** Apply settled lines' effects in ack order, in one transaction. */
  settle(ops: readonly SettleOp[]): void {
    if (ops.length === 0) return;
    const upsert = this.db.prepare('INSERT OR REPLACE INTO announced (key, route) VALUES (?, ?)');
    const del = this.db.prepare('DELETE FROM announced WHERE key = ?');
    const clear = this.db.prepare('DELETE FROM pending WHERE key = ?');
    this.db.transaction(() => {
      for (const op of ops) {
        if (op.kind === 'set') {
          const route = stripSource(op.route);
          upsert.run(routeKey(route), JSON.stringify(route));
        } else if (op.kind === 'remove') {
          del.run(op.key);
        } else {
          clear.run(op.key);
        }
      }
    })();
    for (const op of ops) {
      if (op.kind === 'set') {
        const route = stripSource(op.route);
        this.announcedMap.set(routeKey(route), route);
      } else if (op.kind === 'remove') {
        this.announcedMap.delete(op.key);
      } else {
        this.pendingMap.delete(op.key);
      }
    }
  }

  /** The desired sources of the last applied state (used when routes.d is invalid at start-up). */
  loadDesiredSources(): StoredSource[] {
    const rows = this.db
      .prepare('SELECT source, hash, routes FROM desired_source ORDER BY source')
      .all() as {
      source: string;
      hash: string;
      routes: string;
    }[];
    return rows.map((r) => ({
      source: r.source,
      hash: r.hash,
      routes: JSON.parse(r.routes) as Route[],
    }));
  }

  /** Replace the stored desired sources; only sources whose hash changed are rewritten. */
  saveDesiredSources(sources: readonly StoredSource[]): void {
    const seen = new Set(sources.map((s) => s.source));
    const changed = sources.filter((s) => this.storedHashes.get(s.source) !== s.hash);
    const gone = [...this.storedHashes.keys()].filter((s) => !seen.has(s));
    if (changed.length === 0 && gone.length === 0) return;
    const upsert = this.db.prepare(
      'INSERT OR REPLACE INTO desired_source (source, hash, routes) VALUES (?, ?, ?)',
    );
    const del = this.db.prepare('DELETE FROM desired_source WHERE source = ?');
    this.db.transaction(() => {
      for (const s of changed) upsert.run(s.source, s.hash, JSON.stringify(s.routes));
      for (const s of gone) del.run(s);
    })();
    for (const s of changed) this.storedHashes.set(s.source, s.hash);
    for (const s of gone) this.storedHashes.delete(s);
  }

  /** The api source (the last accepted PUT or form edit); empty when never set. */
  getApiRoutes(): Route[] {
    return readApiRoutes(this.db);
  }

  /** Store the api source durably (before the HTTP response). */
  setApiRoutes(routes: readonly Route[], now: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO api_source (id, routes, updated_at) VALUES (1, ?, ?)')
      .run(JSON.stringify(routes), now);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private load(): void {
    for (const row of this.db.prepare('SELECT key, route FROM announced').all() as {
      key: string;
      route: string;
    }[]) {
      this.announcedMap.set(row.key, JSON.parse(row.route) as Route);
    }
    for (const row of this.db.prepare('SELECT key, route, commit_kind FROM pending').all() as {
      key: string;
      route: string;
      commit_kind: CommitKind;
    }[]) {
      this.pendingMap.set(row.key, {
        route: JSON.parse(row.route) as Route,
        commit: row.commit_kind,
      });
    }
    for (const row of this.db.prepare('SELECT source, hash FROM desired_source').all() as {
      source: string;
      hash: string;
    }[]) {
      this.storedHashes.set(row.source, row.hash);
    }
  }
}

function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
}

function checkSchemaVersion(db: Db, path: string): void {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as
    { value: string } | undefined;
  if (row === undefined) {
    setMeta(db, 'schema_version', String(LEDGER_SCHEMA_VERSION));
    return;
  }
  if (Number(row.value) !== LEDGER_SCHEMA_VERSION) {
    throw new ReconcilerError(
      'E_STATE',
      `ledger "${path}" has schema version ${row.value}, expected ${LEDGER_SCHEMA_VERSION}`,
    );
  }
}
