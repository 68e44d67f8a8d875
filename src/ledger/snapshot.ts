// A read-only snapshot of a ledger (`plan --from-state`, `announced` over a live state dir): one
// read transaction, never a write, safe while `run` is live.
import { join } from 'node:path';
import type { Route, RouteKey, RouteSet } from '../core/route.js';
import { routeKey } from '../core/route.js';
import { ReconcilerError } from '../errors.js';
import type { InstanceIdentity } from '../exabgp/io/instance.js';
import type { CommitKind, StoredSource } from './ledger.js';
import {
  readAnnounced,
  readDesiredSources,
  readIntents,
  readSchemaVersion,
  readValues,
} from './codec.js';
import { LEDGER_FILE, openDb, readApiRoutes, type Db } from './db.js';
import { CURRENT_SCHEMA as LEDGER_SCHEMA_VERSION } from './migrate.js';
import { readLedgerV1, type LedgerV1 } from './v1.js';

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

/**
 * The health checks' persisted states (`plan --from-state`), read-only; empty when the ledger
 * predates them or holds none. Throws E_STATE if there is no ledger.
 */
export function readHealthStates(stateDir: string): ReadonlyMap<string, 'up' | 'down'> {
  const path = join(stateDir, LEDGER_FILE);
  const db = openDb(path, true);
  try {
    const rows = db.prepare('SELECT name, state FROM health_state').raw().all() as [
      string,
      string,
    ][];
    return new Map(rows.map(([n, st]) => [n, st === 'up' ? 'up' : 'down'] as const));
  } catch {
    return new Map();
  } finally {
    db.close();
  }
}

function snapshotOf(db: Db): LedgerSnapshot {
  const version = readSchemaVersion(db);
  const parts = version === 1 ? readLedgerV1(db) : readV2(db, version);
  const pending = new Set<RouteKey>(parts.pending.keys());
  const view = new Map(parts.announced);
  for (const [key, p] of parts.pending) {
    if (p.commit !== 'none' && !view.has(key)) view.set(key, p.route);
  }
  const inst = db.prepare('SELECT value FROM meta WHERE key = ?').get('instance') as
    { value: string } | undefined;
  return {
    announced: parts.announced,
    pending,
    announcedForDiff: view,
    instance: inst === undefined ? null : (JSON.parse(inst.value) as InstanceIdentity | null),
    desiredSources: parts.desiredSources,
    apiRoutes: readApiRoutes(db),
  };
}

/** Schema 2, with the Ledger's mark rule: a later row's mark wins unless it is a re-assert. */
function readV2(db: Db, version: number | undefined): LedgerV1 {
  if (version !== LEDGER_SCHEMA_VERSION) {
    throw new ReconcilerError('E_STATE', `unsupported ledger schema version ${String(version)}`);
  }
  const values = readValues(db);
  const pending = new Map<RouteKey, { route: Route; commit: CommitKind }>();
  for (const row of readIntents(db, values)) {
    for (const route of row.routes) {
      const key = routeKey(route);
      if (row.commit === 'none' && pending.has(key)) continue;
      pending.set(key, { route, commit: row.commit });
    }
  }
  return {
    announced: readAnnounced(db, values),
    pending,
    desiredSources: readDesiredSources(db, values),
  };
}
