// The durable record of what ExaBGP acknowledged for us (SQLite via better-sqlite3, WAL): announced
// routes, pending intents (one row per written line), the ExaBGP instance identity, the last applied
// desired sources and the api source. Every mutation is one transaction; an in-memory mirror serves
// reads. Row layout: ledger-codec.ts; schema and migration: ledger-migrate.ts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Route, RouteKey, RouteSet } from '../core/route.js';
import { routeKey } from '../core/route.js';
import { ReconcilerError } from '../errors.js';
import type { InstanceIdentity } from '../exabgp/io/instance.js';
import {
  AnnouncedRows,
  bareRoute,
  collectUnusedValues,
  encodeRouteLines,
  encodeSourceRoutes,
  readAnnounced,
  readDesiredSources,
  readIntents,
  ValueIds,
} from './codec.js';
import { LEDGER_FILE, openDb, readApiRoutes, type Db } from './db.js';
import { routesJson } from '../config/route-json.js';
import { IntentIndex } from './intents.js';
import { CURRENT_SCHEMA, prepareSchema, setMeta } from './migrate.js';

export { LEDGER_FILE } from './db.js';
// Kept here for importers of the read-only snapshot that predate ledger-snapshot.ts.
export { readLedgerSnapshot, type LedgerSnapshot } from './snapshot.js';

export const LEDGER_SCHEMA_VERSION = CURRENT_SCHEMA;

export type CommitKind = 'set' | 'remove' | 'none';

export interface PendingEntry {
  readonly route: Route;
  readonly commit: CommitKind;
}

/** One route of a line about to be written, and what the line's `done` commits. */
export interface PendingMark {
  readonly route: Route;
  readonly commit: CommitKind;
  /** routeKey(route), when the caller has it already. */
  readonly key?: RouteKey;
}

/** One settled line's effect: `set` routes, `remove` keys, or just `clear` the pending mark. */
export type SettleOp =
  | { readonly kind: 'set'; readonly route: Route; readonly key?: RouteKey }
  | { readonly kind: 'remove'; readonly key: RouteKey }
  | { readonly kind: 'clear'; readonly key: RouteKey };

/** A desired source as last applied: its content hash and its routes. */
export interface StoredSource {
  readonly source: string;
  readonly hash: string;
  readonly routes: readonly Route[];
}

export class Ledger {
  private readonly announcedMap = new Map<RouteKey, Route>();
  private readonly pendingMap = new Map<RouteKey, PendingEntry>();
  private readonly storedHashes = new Map<string, string>();
  private readonly values: ValueIds;
  private readonly announcedRows: AnnouncedRows;
  /** Unsettled keys of each intent row (one row per written line and commit kind). */
  private readonly intents = new IntentIndex();

  private constructor(
    private readonly db: Db,
    readonly path: string,
    /** The schema version this ledger was migrated from when opened, if it was. */
    readonly migratedFrom: number | undefined,
  ) {
    this.values = new ValueIds(db);
    this.announcedRows = new AnnouncedRows(db);
    this.load();
  }

  /** Open (creating the directory and schema, migrating an older one) the ledger. Throws E_STATE. */
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
      const migratedFrom = prepareSchema(db, path);
      collectUnusedValues(db);
      return new Ledger(db, path, migratedFrom);
    } catch (err) {
      db.close();
      if (err instanceof ReconcilerError) throw err;
      throw new ReconcilerError('E_STATE', `cannot initialise ledger "${path}"`, { cause: err });
    }
  }

  private changes = 0;
  /** expiry_clock, read on first use. */
  private clocks: Map<string, number> | undefined;

  /** Counts changes to the announced and pending routes: equal revisions, same routes. */
  get revision(): number {
    return this.changes;
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
    this.transaction(() => {
      this.db.exec('DELETE FROM announced_route; DELETE FROM intent;');
      setMeta(this.db, 'instance', JSON.stringify(instance));
    });
    this.announcedMap.clear();
    this.pendingMap.clear();
    this.intents.clear();
    this.changes += 1;
  }

  /**
   * An ExaBGP we cannot identify, or a ledger that recorded none: its RIB may hold our routes or
   * none of them. Keep every route and mark it pending, so the next plan re-asserts each key
   * (announced if desired, withdrawn if not): neither an empty RIB nor a trusted ledger.
   */
  markAllUncertain(instance: InstanceIdentity | null): number {
    const routes = [...this.announcedForDiff().values()];
    if (routes.length > 0)
      this.markPendingLines([routes.map((route) => ({ route, commit: 'set' as const }))]);
    this.transaction(() => setMeta(this.db, 'instance', JSON.stringify(instance)));
    return routes.length;
  }

  /** Record intent before writing one line: its keys become pending. */
  markPending(entries: readonly PendingMark[]): void {
    this.markPendingLines([entries]);
  }

  /**
   * Record intent before writing `lines` (one transaction, one row per line and commit kind).
   * A re-assert (`none`) never hides an earlier unsettled mark of the same key: that mark carries
   * the route a crash recovery may have to withdraw.
   */
  markPendingLines(lines: readonly (readonly PendingMark[])[]): void {
    const marks = new Map<RouteKey, PendingEntry>();
    const rows: { commit: CommitKind; keys: RouteKey[]; routes: Route[] }[] = [];
    for (const line of lines) {
      const byCommit = new Map<
        CommitKind,
        { commit: CommitKind; keys: RouteKey[]; routes: Route[] }
      >();
      for (const e of line) {
        const key = e.key ?? routeKey(e.route);
        const earlier = marks.get(key) ?? this.pendingMap.get(key);
        if (e.commit === 'none' && earlier !== undefined) continue;
        marks.set(key, { route: bareRoute(e.route), commit: e.commit });
        let row = byCommit.get(e.commit);
        if (row === undefined) {
          row = { commit: e.commit, keys: [], routes: [] };
          byCommit.set(e.commit, row);
          rows.push(row);
        }
        row.keys.push(key);
        row.routes.push(e.route);
      }
    }
    if (rows.length === 0) return;
    const insert = this.db.prepare('INSERT INTO intent (commit_kind, routes) VALUES (?, ?)');
    const written = this.transaction(() =>
      rows.map((row) => {
        const ids = row.routes.map((r) => this.values.idOf(r));
        const id = Number(insert.run(row.commit, encodeRouteLines(row.keys, ids)).lastInsertRowid);
        return { id, keys: row.keys, ids };
      }),
    );
    for (const { id, keys, ids } of written) this.intents.note(id, keys, ids);
    for (const [key, m] of marks) this.pendingMap.set(key, m);
    this.changes += 1;
  }

  /** Apply settled lines' effects in ack order, in one transaction. */
  settle(ops: readonly SettleOp[]): void {
    if (ops.length === 0) return;
    const rows = this.announcedRows;
    const keys = ops.map((op) => (op.kind === 'set' ? (op.key ?? routeKey(op.route)) : op.key));
    const cleared = this.intents.rowsLosing(keys.filter((_, i) => ops[i]!.kind === 'clear'));
    this.transaction(() => {
      ops.forEach((op, i) => {
        if (op.kind === 'set') rows.set(keys[i]!, this.values.idOf(op.route));
        else if (op.kind === 'remove') rows.remove(keys[i]!);
      });
      rows.flush();
      this.rewriteRows(cleared);
    });
    ops.forEach((op, i) => {
      const key = keys[i]!;
      if (op.kind === 'set') this.announcedMap.set(key, this.storedRoute(key, op.route));
      else if (op.kind === 'remove') this.announcedMap.delete(key);
      else this.pendingMap.delete(key);
    });
    this.intents.settled(cleared);
    this.changes += 1;
  }

  /** The desired sources of the last applied state (used when routes.d is invalid at start-up). */
  loadDesiredSources(): StoredSource[] {
    return readDesiredSources(this.db, this.values.byId);
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
    this.transaction(() => {
      for (const s of changed) upsert.run(s.source, s.hash, encodeSourceRoutes(s, this.values));
      for (const s of gone) del.run(s);
    });
    for (const s of changed) this.storedHashes.set(s.source, s.hash);
    for (const s of gone) this.storedHashes.delete(s);
  }

  /**
   * The ttl clocks of the desired state (core/expiry.ts clockKey): each of `clocks` not recorded
   * yet starts at `now`, durably; a recorded clock not in `clocks` (its entry left the desired
   * state, or its ttl changed) is dropped; `clocks` undefined only reads. Returns every clock's
   * start. Survives restarts, so a
   * ttl counts from when the entry was first accepted, not from the last start.
   */
  syncExpiryClocks(clocks: Iterable<string> | undefined, now: number): ReadonlyMap<string, number> {
    const known = (this.clocks ??= new Map(
      (
        this.db.prepare('SELECT clock, started_at FROM expiry_clock').raw().all() as [
          string,
          number,
        ][]
      ).map(([c, t]) => [c, t] as const),
    ));
    if (clocks === undefined) return known; // read only
    const wanted = new Set(clocks);
    const added = [...wanted].filter((c) => !known.has(c));
    const dropped = [...known.keys()].filter((c) => !wanted.has(c));
    if (added.length === 0 && dropped.length === 0) return known;
    this.transaction(() => {
      const insert = this.db.prepare(
        'INSERT OR REPLACE INTO expiry_clock (clock, started_at) VALUES (?, ?)',
      );
      const remove = this.db.prepare('DELETE FROM expiry_clock WHERE clock = ?');
      for (const c of added) insert.run(c, now);
      for (const c of dropped) remove.run(c);
    });
    for (const c of added) known.set(c, now);
    for (const c of dropped) known.delete(c);
    return known;
  }

  /** The last state of each health check (core/health.ts), persisted across restarts. */
  getHealthStates(): ReadonlyMap<string, 'up' | 'down'> {
    const rows = this.db.prepare('SELECT name, state FROM health_state').raw().all() as [
      string,
      string,
    ][];
    return new Map(rows.map(([n, st]) => [n, st === 'up' ? 'up' : 'down'] as const));
  }

  /** Record a health check's new state (on each change of state). */
  setHealthState(name: string, state: 'up' | 'down', now: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO health_state (name, state, changed_at) VALUES (?, ?, ?)')
      .run(name, state, now);
  }

  /** The api source (the last accepted PUT or form edit); empty when never set. */
  getApiRoutes(): Route[] {
    return readApiRoutes(this.db);
  }

  /** Store the api source durably (before the HTTP response). */
  setApiRoutes(routes: readonly Route[], now: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO api_source (id, routes, updated_at) VALUES (1, ?, ?)')
      .run(routesJson(routes), now);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Delete intent rows whose keys all settled; rewrite the rest without the settled keys. */
  private rewriteRows(cleared: ReadonlyMap<number, ReadonlySet<RouteKey>>): void {
    const drop = this.db.prepare('DELETE FROM intent WHERE id = ?');
    const update = this.db.prepare('UPDATE intent SET routes = ? WHERE id = ?');
    for (const [id, gone] of cleared) {
      const rest = this.intents.restOf(id, gone);
      if (rest === null) drop.run(id);
      else if (rest !== undefined) update.run(encodeRouteLines(rest.keys, rest.valueIds), id);
    }
  }

  /** The route to keep as announced: its pending mark's copy when it is the same, else a bare one. */
  private storedRoute(key: RouteKey, route: Route): Route {
    const marked = this.pendingMap.get(key)?.route;
    return marked?.value === route.value ? marked : bareRoute(route);
  }

  /** Run `fn` in one transaction; a rollback also forgets value ids it interned. */
  private transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      this.values.reload();
      this.announcedRows.discard();
      throw err;
    }
  }

  private load(): void {
    for (const [key, route] of readAnnounced(this.db, this.values.byId)) {
      this.announcedMap.set(key, route);
    }
    for (const row of readIntents(this.db, this.values.byId)) {
      const keys = row.routes.map(routeKey);
      row.routes.forEach((route, i) => {
        if (row.commit === 'none' && this.pendingMap.has(keys[i]!)) return;
        this.pendingMap.set(keys[i]!, { route, commit: row.commit });
      });
      this.intents.note(
        row.id,
        keys,
        row.routes.map((r) => this.values.idOf(r)),
      );
    }
    for (const row of this.db.prepare('SELECT source, hash FROM desired_source').all() as {
      source: string;
      hash: string;
    }[]) {
      this.storedHashes.set(row.source, row.hash);
    }
  }
}
