// The api source shared by a fleet, kept in etcd (etcd-store.ts owns the layout). Every speaker
// holds the last document it read, persisted in its ledger before it is used, so losing etcd, or
// restarting while etcd is down, never changes the desired state: fail static (design.md §6).
// Watch events and reconnects only mean "read head again" (level-based); a periodic read is the
// safety net for anything a watch missed (compaction, partitions).
import type { Etcd3, Watcher } from 'etcd3';
import type { Diagnostic } from '../core/diagnostic.js';
import type { Route } from '../core/route.js';
import type { SourceResult } from '../config/load-routes.js';
import { isReconcilerError, ReconcilerError } from '../errors.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { LogField, type Logger } from '../runtime/logger.js';
import { apiSourceResult, type ApiRouteStore } from './api.js';
import { EtcdDocumentStore } from './etcd-store.js';
import type { ApiSource, OnSourceChange, SourceWatch } from './source.js';

export interface EtcdApiSourceOptions {
  readonly client: Etcd3;
  readonly prefix: string;
  /** This speaker's name (recorded as the writer of a PUT). */
  readonly speaker: string;
  /** Where the last document seen is persisted (the ledger). */
  readonly store: ApiRouteStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Read head this often even without a watch event (default 5 s: one small get). */
  readonly resyncMs?: number;
  /** Reconnect back-off: first delay and cap. */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

/** The connection as the source sees it (for status, health and `fleet status`). */
export interface EtcdSourceHealth {
  readonly connected: boolean;
  /** The etcd revision of the document in use; null until read (or written) in this process. */
  readonly revision: number | null;
  /** Epoch ms since when etcd has been unreachable; null while connected. */
  readonly unreachableSince: number | null;
  readonly lastError: string | null;
}

/** The document stored in etcd: opaque beyond `routes` (other keys travel untouched). */
interface ApiDocument {
  readonly format: 1;
  readonly routes: readonly Route[];
}

export class EtcdApiSource implements ApiSource {
  private current: readonly Route[];
  private currentResult: SourceResult;
  private revision: number | null = null;
  private unreachableSince: number | null = null;
  private lastError: string | null = null;
  private readonly docs: EtcdDocumentStore;
  private readonly log: Logger;
  private timer: TimerHandle | undefined;
  private retryMs: number;
  private closed = false;
  private syncing: Promise<void> | undefined;
  private again = false;
  private onChange: OnSourceChange = () => undefined;

  constructor(private readonly options: EtcdApiSourceOptions) {
    this.docs = new EtcdDocumentStore(options.client, options.prefix);
    this.log = options.logger.child({ component: 'etcd' });
    // Fail static from the first instant: the last document seen, whatever etcd's state.
    this.current = options.store.getApiRoutes();
    this.currentResult = apiSourceResult(this.current);
    this.retryMs = options.retryInitialMs ?? 1000;
  }

  get routes(): readonly Route[] {
    return this.current;
  }

  get result(): SourceResult {
    return this.currentResult;
  }

  get health(): EtcdSourceHealth {
    return {
      connected: this.unreachableSince === null && this.revision !== null,
      revision: this.revision,
      unreachableSince: this.unreachableSince,
      lastError: this.lastError,
    };
  }

  /** `"etcd-r<revision>"`, or undefined before the first read (no If-Match can match then). */
  get etag(): string | undefined {
    return this.revision === null ? undefined : `"etcd-r${this.revision}"`;
  }

  /** While etcd is unreachable: one error diagnostic (health degraded), the state kept. */
  get diagnostics(): readonly Diagnostic[] {
    if (this.unreachableSince === null) return [];
    const kept = this.revision === null ? 'the last one persisted' : `revision ${this.revision}`;
    const message = `etcd unreachable since ${new Date(this.unreachableSince).toISOString()}: keeping the api source at ${kept} (${this.lastError ?? 'no answer'})`;
    return [
      {
        code: 'E_STORE_UNAVAILABLE',
        severity: 'error',
        file: 'etcd',
        line: 0,
        col: 0,
        path: '',
        message,
      },
    ];
  }

  /**
   * Store `routes` in etcd (compare-and-swap on `expectEtag`'s revision when given), then persist
   * and hold them. Throws E_PRECONDITION_FAILED or E_STORE_UNAVAILABLE; nothing changes then.
   */
  async replace(routes: readonly Route[], now: number, expectEtag?: string): Promise<void> {
    let expectRevision: number | undefined;
    if (expectEtag !== undefined) {
      const m = /^"etcd-r(\d+)"$/.exec(expectEtag);
      if (m === null)
        throw new ReconcilerError(
          'E_PRECONDITION_FAILED',
          `if-match ${expectEtag} is no etcd revision`,
        );
      expectRevision = Number(m[1]);
    }
    const document: ApiDocument = { format: 1, routes };
    let revision: number;
    try {
      revision = await this.docs.write(document, {
        by: this.options.speaker,
        now,
        ...(expectRevision === undefined ? {} : { expectRevision }),
      });
    } catch (err) {
      if (isReconcilerError(err)) throw err;
      this.noteDown(err);
      throw new ReconcilerError('E_STORE_UNAVAILABLE', `etcd write failed: ${errorText(err)}`, {
        cause: err,
      });
    }
    // A watch event for an older revision may still be in flight: never step back.
    if (this.revision === null || revision > this.revision) this.adopt(routes, revision);
  }

  watch(onChange: OnSourceChange): SourceWatch {
    this.onChange = onChange;
    let watcher: Watcher | undefined;
    // The watch is created in the background: while etcd is down, creating it waits for etcd,
    // and nothing of the speaker may wait with it (the periodic read covers the gap).
    const ready = this.sync();
    void ready.then(async () => {
      try {
        const created = await this.options.client.watch().key(this.docs.headKey).create();
        if (this.closed) {
          await created.cancel();
          return;
        }
        watcher = created;
        created.on('put', () => this.requestSync());
        created.on('delete', () => this.requestSync());
        // A reconnected watch may have missed events (or hit a compacted revision): read again.
        created.on('connected', () => this.requestSync());
        created.on('disconnected', (err) => this.noteDown(err));
        created.on('error', (err) => this.noteDown(err));
      } catch (err) {
        this.noteDown(err);
      }
    });
    return {
      ready,
      close: async () => {
        this.closed = true;
        if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
        await this.syncing;
        await watcher?.cancel().catch(() => undefined);
      },
    };
  }

  /** Read head now (coalesced with a read in flight). */
  requestSync(): void {
    void this.sync();
  }

  private sync(): Promise<void> {
    if (this.syncing !== undefined) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = this.syncLoop().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncLoop(): Promise<void> {
    do {
      this.again = false;
      await this.readOnce();
    } while (this.again && !this.closed);
    this.schedule();
  }

  private async readOnce(): Promise<void> {
    try {
      const stored = await this.docs.read();
      const wasDown = this.unreachableSince !== null;
      this.unreachableSince = null;
      this.lastError = null;
      this.retryMs = this.options.retryInitialMs ?? 1000;
      if (wasDown) this.log.info({ revision: stored.revision }, 'etcd reachable again; resynced');
      if (this.revision !== null && stored.revision <= this.revision) {
        if (wasDown) this.onChange('etcd reachable again');
        return;
      }
      // Never written: an empty fleet document. Keep what we hold until someone PUTs.
      if (stored.head === null) {
        this.revision = 0;
        if (wasDown) this.onChange('etcd reachable again');
        return;
      }
      this.adopt(routesOf(stored.document), stored.revision);
      this.onChange('etcd api source changed');
    } catch (err) {
      this.noteDown(err);
      this.onChange('etcd unreachable');
    }
  }

  private adopt(routes: readonly Route[], revision: number): void {
    this.options.store.setApiRoutes(routes, this.options.clock.now());
    this.current = routes;
    this.currentResult = apiSourceResult(routes);
    this.revision = revision;
    this.log.info({ revision, [LogField.count]: routes.length }, 'api source from etcd');
  }

  private noteDown(err: unknown): void {
    this.lastError = errorText(err);
    if (this.unreachableSince === null) {
      this.unreachableSince = this.options.clock.now();
      this.log.warn(
        { [LogField.err]: this.lastError, revision: this.revision },
        'etcd unreachable: keeping the last desired state (fail static)',
      );
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    const down = this.unreachableSince !== null;
    const delay = down ? this.retryMs : (this.options.resyncMs ?? 5000);
    if (down) this.retryMs = Math.min(this.retryMs * 2, this.options.retryMaxMs ?? 5000);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.requestSync();
    }, delay);
  }
}

/** The routes of a stored document; anything else is a store error (kept out, state unchanged). */
function routesOf(document: unknown): readonly Route[] {
  const d = document as Partial<ApiDocument> | null;
  if (d === null || typeof d !== 'object' || d.format !== 1 || !Array.isArray(d.routes))
    throw new ReconcilerError('E_STORE', 'etcd api document has an unknown shape');
  const routes: readonly unknown[] = d.routes;
  for (const r of routes) {
    if (r === null || typeof r !== 'object' || typeof (r as Route).prefix !== 'string')
      throw new ReconcilerError('E_STORE', 'etcd api document holds a malformed route');
  }
  return routes as readonly Route[];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
