// Ledger schema 1 (one JSON route per announced and per pending row): read for the migration to
// schema 2 and for read-only snapshots of a ledger not yet migrated. Never writes.
import type { Route, RouteKey } from '../core/route.js';
import type { CommitKind, StoredSource } from './ledger.js';
import type { Db } from './db.js';

export interface LedgerV1 {
  readonly announced: Map<RouteKey, Route>;
  readonly pending: Map<RouteKey, { readonly route: Route; readonly commit: CommitKind }>;
  readonly desiredSources: StoredSource[];
}

function tableExists(db: Db, name: string): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
    undefined
  );
}

export function readLedgerV1(db: Db): LedgerV1 {
  const announced = new Map<RouteKey, Route>();
  const pending = new Map<RouteKey, { route: Route; commit: CommitKind }>();
  if (tableExists(db, 'announced')) {
    const rows = db.prepare('SELECT key, route FROM announced').raw().all() as [string, string][];
    for (const [key, route] of rows) announced.set(key, JSON.parse(route) as Route);
  }
  if (tableExists(db, 'pending')) {
    const rows = db.prepare('SELECT key, route, commit_kind FROM pending').raw().all() as [
      string,
      string,
      CommitKind,
    ][];
    for (const [key, route, commit] of rows)
      pending.set(key, { route: JSON.parse(route) as Route, commit });
  }
  const desiredSources: StoredSource[] = [];
  if (tableExists(db, 'desired_source')) {
    const rows = db
      .prepare('SELECT source, hash, routes FROM desired_source ORDER BY source')
      .raw()
      .all() as [string, string, string][];
    for (const [source, hash, routes] of rows)
      desiredSources.push({ source, hash, routes: JSON.parse(routes) as Route[] });
  }
  return { announced, pending, desiredSources };
}
