// The in-memory index of the ledger's intent rows: which unsettled keys each row still holds and
// which rows hold each key. Pure bookkeeping for ledger.ts, which does every read and write.
import type { RouteKey } from '../core/route.js';

interface RowState {
  readonly keys: readonly RouteKey[];
  readonly valueIds: readonly number[];
  live: number;
}

/** What is left of a partly settled row, to be rewritten (null: delete the row). */
export interface RowRest {
  readonly keys: RouteKey[];
  readonly valueIds: number[];
}

export class IntentIndex {
  private readonly rows = new Map<number, RowState>();
  /** One row id (the common case) or several. */
  private readonly keyRows = new Map<RouteKey, number | number[]>();

  clear(): void {
    this.rows.clear();
    this.keyRows.clear();
  }

  /** Record row `id` holding `keys` (with their value ids, parallel). */
  note(id: number, keys: readonly RouteKey[], valueIds: readonly number[]): void {
    const row: RowState = { keys, valueIds, live: 0 };
    this.rows.set(id, row);
    for (const key of keys) {
      const held = this.keyRows.get(key);
      if (held === undefined) this.keyRows.set(key, id);
      else if (typeof held === 'number') {
        if (held === id) continue;
        this.keyRows.set(key, [held, id]);
      } else if (!held.includes(id)) held.push(id);
      else continue;
      row.live += 1;
    }
  }

  private holds(id: number, key: RouteKey): boolean {
    const held = this.keyRows.get(key);
    return held === id || (Array.isArray(held) && held.includes(id));
  }

  /** The rows touched by settling `keys`, each with the keys it loses. */
  rowsLosing(keys: Iterable<RouteKey>): Map<number, Set<RouteKey>> {
    const out = new Map<number, Set<RouteKey>>();
    for (const key of keys) {
      const held = this.keyRows.get(key);
      if (held === undefined) continue;
      for (const id of typeof held === 'number' ? [held] : held) {
        const gone = out.get(id);
        if (gone === undefined) out.set(id, new Set([key]));
        else gone.add(key);
      }
    }
    return out;
  }

  /** What row `id` keeps once `gone` settle; null when nothing (delete it), undefined if unknown. */
  restOf(id: number, gone: ReadonlySet<RouteKey>): RowRest | null | undefined {
    const row = this.rows.get(id);
    if (row === undefined) return undefined;
    if (row.live <= gone.size) return null;
    const rest: RowRest = { keys: [], valueIds: [] };
    row.keys.forEach((key, i) => {
      if (!gone.has(key) && this.holds(id, key)) {
        rest.keys.push(key);
        rest.valueIds.push(row.valueIds[i]!);
      }
    });
    return rest;
  }

  /** Forget the settled keys (after their transaction committed). */
  settled(losing: ReadonlyMap<number, ReadonlySet<RouteKey>>): void {
    for (const [id, gone] of losing) {
      const row = this.rows.get(id);
      if (row !== undefined) {
        row.live -= gone.size;
        if (row.live <= 0) this.rows.delete(id);
      }
      for (const key of gone) this.keyRows.delete(key);
    }
  }
}
