// Ledger schema set-up and migration: a new ledger gets schema 2; a schema 1 ledger (same ExaBGP
// instance, so its entries still hold) is converted in place in one transaction, losing nothing.
import type { RouteKey } from '../core/route.js';
import { ReconcilerError } from '../errors.js';
import type { CommitKind } from './ledger.js';
import {
  encodeRouteLines,
  encodeSourceRoutes,
  readSchemaVersion,
  SCHEMA_V2,
  ValueIds,
} from './codec.js';
import type { Db } from './db.js';
import { readLedgerV1 } from './v1.js';

export const CURRENT_SCHEMA = 2;

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
}

/** Create or migrate the schema. Returns the version migrated from, if any. Throws E_STATE. */
export function prepareSchema(db: Db, path: string): number | undefined {
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const version = readSchemaVersion(db);
  if (version === undefined || version === CURRENT_SCHEMA) {
    db.exec(SCHEMA_V2);
    if (version === undefined) setMeta(db, 'schema_version', String(CURRENT_SCHEMA));
    return undefined;
  }
  if (version === 1) {
    db.transaction(() => migrateV1(db))();
    return 1;
  }
  throw new ReconcilerError(
    'E_STATE',
    `ledger "${path}" has schema version ${version}, expected ${CURRENT_SCHEMA}`,
  );
}

function migrateV1(db: Db): void {
  const old = readLedgerV1(db);
  db.exec('DROP TABLE IF EXISTS announced; DROP TABLE IF EXISTS pending;');
  db.exec('DROP TABLE IF EXISTS desired_source;');
  db.exec(SCHEMA_V2);
  const values = new ValueIds(db);
  const upsert = db.prepare('INSERT OR REPLACE INTO announced_route (key, value_id) VALUES (?, ?)');
  for (const [key, route] of old.announced) upsert.run(key, values.idOf(route));
  // Schema 1 held one pending entry per key: one intent row per commit kind keeps every mark.
  const byCommit = new Map<CommitKind, { keys: RouteKey[]; ids: number[] }>();
  for (const [key, p] of old.pending) {
    const row = byCommit.get(p.commit) ?? { keys: [], ids: [] };
    row.keys.push(key);
    row.ids.push(values.idOf(p.route));
    byCommit.set(p.commit, row);
  }
  const intent = db.prepare('INSERT INTO intent (commit_kind, routes) VALUES (?, ?)');
  for (const [commit, row] of byCommit) intent.run(commit, encodeRouteLines(row.keys, row.ids));
  const source = db.prepare('INSERT INTO desired_source (source, hash, routes) VALUES (?, ?, ?)');
  for (const s of old.desiredSources) source.run(s.source, s.hash, encodeSourceRoutes(s, values));
  setMeta(db, 'schema_version', String(CURRENT_SCHEMA));
}
