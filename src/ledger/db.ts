// The ledger's SQLite file: its name, opening it (read-write or read-only) and the reads shared by
// the live Ledger and the read-only snapshot. No schema changes here (ledger.ts owns the schema).
import Database from 'better-sqlite3';
import type { Route } from '../core/route.js';
import { ReconcilerError } from '../errors.js';

export const LEDGER_FILE = 'ledger.sqlite';

export type Db = Database.Database;

export function openDb(path: string, readonly: boolean): Db {
  try {
    return new Database(path, readonly ? { readonly: true, fileMustExist: true } : {});
  } catch (err) {
    throw new ReconcilerError('E_STATE', `cannot open ledger "${path}"`, { cause: err });
  }
}

/** The stored api source's routes; empty when never set. */
export function readApiRoutes(db: Db): Route[] {
  const row = db.prepare('SELECT routes FROM api_source WHERE id = 1').get() as
    { routes: string } | undefined;
  return row === undefined ? [] : (JSON.parse(row.routes) as Route[]);
}
