// A read-only snapshot of a ledger (`plan --from-state`, `announced` over a live state dir): one
// read transaction, never a write, safe while `run` is live.
import { join } from 'node:path';
import type { Route, RouteKey, RouteSet } from '../core/route.js';
import { ReconcilerError } from '../errors.js';
import type { InstanceIdentity } from './instance.js';
import type { StoredSource } from './ledger.js';
import { LEDGER_FILE, openDb, readApiRoutes, type Db } from './ledger-db.js';

export interface LedgerSnapshot {
  readonly announced: RouteSet;
  readonly pending: ReadonlySet<RouteKey>;
  /** announced plus pending-announce routes: what `plan --from-state` should diff against. */
  readonly announcedForDiff: RouteSet;
  readonly instance: InstanceIdentity | null;
  readonly desiredSources: readonly StoredSource[];
  readonly apiRoutes: readonly Route[];
}

/**
 * Read a ledger without writing to it, safe while `run` is live (WAL readers never block the
 * writer and see the last committed transaction). Throws E_STATE if there is no ledger.
 */
export function readLedgerSnapshot(stateDir: string): LedgerSnapshot {
  const path = join(stateDir, LEDGER_FILE);
  const db = openDb(path, true);
  try {
    const snapshot = db.transaction(() => snapshotOf(db))();
    return snapshot;
  } catch (err) {
    throw new ReconcilerError('E_STATE', `cannot read ledger "${path}"`, { cause: err });
  } finally {
    db.close();
  }
}

function snapshotOf(db: Db): LedgerSnapshot {
  const announced = new Map<RouteKey, Route>();
  for (const row of db.prepare('SELECT key, route FROM announced').all() as {
    key: string;
    route: string;
  }[]) {
    announced.set(row.key, JSON.parse(row.route) as Route);
  }
  const pending = new Set<RouteKey>();
  const view = new Map(announced);
  for (const row of db.prepare('SELECT key, route, commit_kind FROM pending').all() as {
    key: string;
    route: string;
    commit_kind: string;
  }[]) {
    pending.add(row.key);
    if (row.commit_kind !== 'none' && !view.has(row.key))
      view.set(row.key, JSON.parse(row.route) as Route);
  }
  const inst = db.prepare('SELECT value FROM meta WHERE key = ?').get('instance') as
    { value: string } | undefined;
  const sources = db
    .prepare('SELECT source, hash, routes FROM desired_source ORDER BY source')
    .all() as {
    source: string;
    hash: string;
    routes: string;
  }[];
  return {
    announced,
    pending,
    announcedForDiff: view,
    instance: inst === undefined ? null : (JSON.parse(inst.value) as InstanceIdentity | null),
    desiredSources: sources.map((r) => ({
      source: r.source,
      hash: r.hash,
      routes: JSON.parse(r.routes) as Route[],
    })),
    apiRoutes: readApiRoutes(db),
  };
}
