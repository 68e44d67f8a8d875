// The compact row layout of ledger schema 2, shared by the live Ledger, its migration and the
// read-only snapshot: each distinct value stored once (value_text, interned by ValueIds), routes as
// `key \t value-id` lines. Encodes and decodes rows; the Ledger decides what is written when.
import type { Expiry } from '../core/expiry.js';
import type { HealthGate } from '../core/health.js';
import type { Afi, Route, RouteAttributes, RouteKey, Safi } from '../core/route.js';
import { isFlowRoute, routeKey } from '../core/route.js';
import { flowRoute } from '../config/flow-entries.js';
import { flowRuleFromTexts } from '../config/flow-text.js';
import { ReconcilerError } from '../errors.js';
import type { CommitKind, StoredSource } from './ledger.js';
import type { Db } from './db.js';

export const SCHEMA_V2 = `
CREATE TABLE IF NOT EXISTS health_state (name TEXT PRIMARY KEY, state TEXT NOT NULL,
  changed_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS expiry_clock (clock TEXT PRIMARY KEY, started_at INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS value_text (id INTEGER PRIMARY KEY, value TEXT NOT NULL,
  attributes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS announced_route (key TEXT PRIMARY KEY, value_id INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intent (id INTEGER PRIMARY KEY, commit_kind TEXT NOT NULL,
  routes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS desired_source (source TEXT PRIMARY KEY, hash TEXT NOT NULL,
  routes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_source (id INTEGER PRIMARY KEY CHECK (id = 1), routes TEXT NOT NULL,
  updated_at INTEGER NOT NULL);
`;

export interface StoredValue {
  readonly value: string;
  readonly attributes: RouteAttributes;
}

export type ValueTable = ReadonlyMap<number, StoredValue>;

/** One persisted intent row: a written line's routes and what its `done` commits. */
export interface IntentRow {
  readonly id: number;
  readonly commit: CommitKind;
  readonly routes: readonly Route[];
}

export function readValues(db: Db): Map<number, StoredValue> {
  const values = new Map<number, StoredValue>();
  const rows = db.prepare('SELECT id, value, attributes FROM value_text').raw().all() as [
    number,
    string,
    string,
  ][];
  for (const [id, value, attributes] of rows) {
    values.set(id, { value, attributes: JSON.parse(attributes) as RouteAttributes });
  }
  return values;
}

/** Rebuild a route from its key (target afi safi [rd X] prefix [path-information N]) and value. */
export function routeFromKey(key: RouteKey, v: StoredValue): Route {
  const p = key.split(' ');
  if (isFlowRoute({ safi: p[2] as Safi })) return flowFromKey(key, p, v);
  const target = p[0]!;
  const afi = p[1] as Afi;
  const safi = p[2] as Safi;
  const hasRd = p[3] === 'rd';
  const prefix = hasRd ? p[5]! : p[3]!;
  const rest = hasRd ? 6 : 4;
  const pi = p[rest] === 'path-information' ? Number(p[rest + 1]) : undefined;
  let route: Route;
  if (!hasRd && pi === undefined) {
    route = { target, afi, safi, prefix, attributes: v.attributes, value: v.value };
  } else {
    route = {
      target,
      afi,
      safi,
      prefix,
      ...(hasRd ? { rd: p[4]! } : {}),
      ...(pi === undefined ? {} : { pathInformation: pi }),
      attributes: v.attributes,
      value: v.value,
    };
  }
  if (routeKey(route) !== key) {
    throw new ReconcilerError('E_STATE', `ledger holds an unreadable route key "${key}"`);
  }
  return route;
}

/** A flow's key is `target afi flow[-vpn] [rd X] <match text>`; its rule is read back from the texts. */
function flowFromKey(key: RouteKey, p: readonly string[], v: StoredValue): Route {
  const hasRd = p[3] === 'rd';
  const matchText = p.slice(hasRd ? 5 : 3).join(' ');
  const read = flowRuleFromTexts(matchText, v.value);
  const route =
    read === undefined
      ? undefined
      : flowRoute(p[0] ?? '', read.afi, hasRd ? p[4] : undefined, read.rule);
  if (route === undefined || routeKey(route) !== key || route.value !== v.value) {
    throw new ReconcilerError('E_STATE', `ledger holds an unreadable flow "${key}"`);
  }
  return route;
}

function valueOf(values: ValueTable, id: number, key: string): StoredValue {
  const v = values.get(id);
  if (v === undefined) {
    throw new ReconcilerError('E_STATE', `ledger route "${key}" names unknown value ${id}`);
  }
  return v;
}

export function readAnnounced(db: Db, values: ValueTable): Map<RouteKey, Route> {
  const out = new Map<RouteKey, Route>();
  const rows = db.prepare('SELECT key, value_id FROM announced_route').raw().all() as [
    string,
    number,
  ][];
  for (const [key, id] of rows) out.set(key, routeFromKey(key, valueOf(values, id, key)));
  return out;
}

/** `key \t value-id` lines (a key never holds a tab or a newline); `valueIds` parallel to `keys`. */
export function encodeRouteLines(keys: readonly RouteKey[], valueIds: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < keys.length; i += 1) parts.push(`${keys[i]!}\t${valueIds[i]!}`);
  return parts.join('\n');
}

export function decodeRouteLines(text: string, values: ValueTable): Route[] {
  if (text.length === 0) return [];
  return text.split('\n').map((line) => {
    const tab = line.indexOf('\t');
    const key = line.slice(0, tab);
    const fields = line.slice(tab + 1).split('\t');
    const route = routeFromKey(key, valueOf(values, Number(fields[0]), key));
    if (fields.length < 3) return route;
    const source = fields[3] ?? '';
    const located = {
      ...route,
      source: { source, line: Number(fields[1]), col: Number(fields[2]) },
    };
    // A fifth field: the entry's expiry (desired sources only), JSON without tabs, or empty; a
    // sixth: its health gate (core/health.ts), JSON.
    const e = fields[4];
    const expiring =
      e === undefined || e === '' ? located : { ...located, expiry: JSON.parse(e) as Expiry };
    const h = fields[5];
    return h === undefined ? expiring : { ...expiring, health: JSON.parse(h) as HealthGate };
  });
}

/** Intent rows in write order. */
export function readIntents(db: Db, values: ValueTable): IntentRow[] {
  const rows = db.prepare('SELECT id, commit_kind, routes FROM intent ORDER BY id').raw().all() as [
    number,
    CommitKind,
    string,
  ][];
  return rows.map(([id, commit, text]) => ({ id, commit, routes: decodeRouteLines(text, values) }));
}

/** A desired source's routes: `key \t value-id \t line \t col \t source [\t expiry-json]` lines. */
export function encodeSourceRoutes(s: StoredSource, values: ValueIds): string {
  const parts: string[] = [];
  for (const r of s.routes) {
    const base = `${routeKey(r)}\t${values.idOf(r)}`;
    const located =
      r.source === undefined
        ? base
        : `${base}\t${r.source.line}\t${r.source.col}\t${r.source.source}`;
    if (r.expiry === undefined && r.health === undefined) parts.push(located);
    else {
      const withSource = r.source === undefined ? `${base}\t0\t0\t` : located;
      const expiry = r.expiry === undefined ? '' : JSON.stringify(r.expiry);
      const health = r.health === undefined ? '' : `\t${JSON.stringify(r.health)}`;
      parts.push(`${withSource}\t${expiry}${health}`);
    }
  }
  return parts.join('\n');
}

export function readDesiredSources(db: Db, values: ValueTable): StoredSource[] {
  const rows = db
    .prepare('SELECT source, hash, routes FROM desired_source ORDER BY source')
    .raw()
    .all() as [string, string, string][];
  return rows.map(([source, hash, text]) => ({
    source,
    hash,
    routes: decodeRouteLines(text, values),
  }));
}

export function readSchemaVersion(db: Db): number | undefined {
  const hasMeta = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
    .get();
  if (hasMeta === undefined) return undefined;
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as
    { value: string } | undefined;
  return row === undefined ? undefined : Number(row.value);
}

/** A route without its `source` (what the ledger keeps), built as one literal. */
export function bareRoute(r: Route): Route {
  if (r.source === undefined) return r;
  if (r.flow !== undefined) {
    const { source: _source, ...bare } = r;
    return bare;
  }
  if (r.rd === undefined && r.pathInformation === undefined) {
    return {
      target: r.target,
      afi: r.afi,
      safi: r.safi,
      prefix: r.prefix,
      attributes: r.attributes,
      value: r.value,
    };
  }
  return {
    target: r.target,
    afi: r.afi,
    safi: r.safi,
    prefix: r.prefix,
    ...(r.rd === undefined ? {} : { rd: r.rd }),
    ...(r.pathInformation === undefined ? {} : { pathInformation: r.pathInformation }),
    attributes: r.attributes,
    value: r.value,
  };
}

/** The value table, interned: a value's id, inserted (in the caller's transaction) when new. */
export class ValueIds {
  private readonly byValue = new Map<string, number>();
  private byIdMap = new Map<number, StoredValue>();
  private readonly insert;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO value_text (value, attributes) VALUES (?, ?)');
    this.reload();
  }

  get byId(): ValueTable {
    return this.byIdMap;
  }

  /** Re-read from the database (after a failed transaction rolled back new values). */
  reload(): void {
    this.byIdMap = readValues(this.db);
    this.byValue.clear();
    for (const [id, v] of this.byIdMap) this.byValue.set(v.value, id);
  }

  idOf(route: Pick<Route, 'value' | 'attributes'>): number {
    const known = this.byValue.get(route.value);
    if (known !== undefined) return known;
    const id = Number(
      this.insert.run(route.value, JSON.stringify(route.attributes)).lastInsertRowid,
    );
    this.byValue.set(route.value, id);
    this.byIdMap.set(id, { value: route.value, attributes: route.attributes });
    return id;
  }
}

const UPSERT_CHUNK = 100;

/**
 * Writes of announced (key, value id) rows in call order, `set`s batched into multi-row
 * statements (half the cost of one statement per route). Call flush() before the transaction ends.
 */
export class AnnouncedRows {
  private readonly one;
  private readonly many;
  private readonly del;
  private queued: (string | number)[] = [];

  constructor(db: Db) {
    const sql = 'INSERT OR REPLACE INTO announced_route (key, value_id) VALUES ';
    this.one = db.prepare(`${sql}(?, ?)`);
    this.many = db.prepare(sql + Array<string>(UPSERT_CHUNK).fill('(?, ?)').join(', '));
    this.del = db.prepare('DELETE FROM announced_route WHERE key = ?');
  }

  set(key: RouteKey, valueId: number): void {
    this.queued.push(key, valueId);
    if (this.queued.length === 2 * UPSERT_CHUNK) {
      this.many.run(this.queued);
      this.queued = [];
    }
  }

  remove(key: RouteKey): void {
    this.flush();
    this.del.run(key);
  }

  /** Forget queued sets (their transaction rolled back). */
  discard(): void {
    this.queued = [];
  }

  flush(): void {
    const q = this.queued;
    this.queued = [];
    for (let i = 0; i < q.length; i += 2) this.one.run(q[i], q[i + 1]);
  }
}

/** The value ids named in `key \t value-id ...` lines. */
function addLineValueIds(text: string, into: Set<number>): void {
  if (text.length === 0) return;
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    const end = line.indexOf('\t', tab + 1);
    into.add(Number(line.slice(tab + 1, end < 0 ? undefined : end)));
  }
}

/**
 * Delete values no announced route, intent or desired source names any more, when they are more
 * than twice the announced routes (values are never deleted as routes change). Returns how many.
 */
export function collectUnusedValues(db: Db): number {
  const counts = db
    .prepare(
      'SELECT (SELECT COUNT(*) FROM value_text) AS v, (SELECT COUNT(*) FROM announced_route) AS a',
    )
    .get() as { v: number; a: number };
  if (counts.v <= 2 * counts.a + 1024) return 0;
  const used = new Set<number>();
  const ids = db.prepare('SELECT DISTINCT value_id FROM announced_route').raw().all() as [number][];
  for (const [id] of ids) used.add(id);
  for (const table of ['intent', 'desired_source']) {
    const rows = db.prepare(`SELECT routes FROM ${table}`).raw().all() as [string][];
    for (const [text] of rows) addLineValueIds(text, used);
  }
  const all = db.prepare('SELECT id FROM value_text').raw().all() as [number][];
  const del = db.prepare('DELETE FROM value_text WHERE id = ?');
  let deleted = 0;
  db.transaction(() => {
    for (const [id] of all) {
      if (used.has(id)) continue;
      del.run(id);
      deleted += 1;
    }
  })();
  return deleted;
}
