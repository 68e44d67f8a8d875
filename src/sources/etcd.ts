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
import { DEFAULT_GUARD_POLICY, type GuardPolicy } from '../core/guard.js';
import { droppedKeys, evaluateFleetGuard } from '../core/fleet-guard.js';
import { apiSourceResult, type ApiRouteStore } from './api.js';
import { confirmKey, readConfirm, readSpeakerRecords } from './etcd-fleet.js';
import { EtcdDocumentStore, type FleetHold } from './etcd-store.js';
import type { ApiSource, OnSourceChange, ReplaceOutcome, SourceWatch } from './source.js';

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
  /** The fleet-wide guard's limits (the speaker's own `--max-withdraw`; default 50%). */
  readonly guard?: GuardPolicy;
}

/** A revision the fleet guard holds: stored in etcd, applied by no speaker until confirmed. */
export interface HeldRevision extends FleetHold {
  readonly revision: number;
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
  /** The revision of the document in use (adopted). */
  private revision: number | null = null;
  /** Head's revision as last read or written: newer than `revision` while a revision is held. */
  private seen: number | null = null;
  private heldRevision: HeldRevision | null = null;
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
      connected: this.unreachableSince === null && (this.seen ?? this.revision) !== null,
      revision: this.revision,
      unreachableSince: this.unreachableSince,
      lastError: this.lastError,
    };
  }

  /**
   * `"etcd-r<revision>"` of head (a held revision too: an edit replaces it), or undefined before
   * the first read (no If-Match can match then).
   */
  get etag(): string | undefined {
    const r = this.seen ?? this.revision;
    return r === null ? undefined : `"etcd-r${r}"`;
  }

  /** The revision the fleet guard holds (head, not applied), or null. */
  get held(): HeldRevision | null {
    return this.heldRevision;
  }

  /** While etcd is unreachable: one error diagnostic (health degraded), the state kept. */
  get diagnostics(): readonly Diagnostic[] {
    const held = this.heldDiagnostic();
    if (this.unreachableSince === null) return held;
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
      ...held,
    ];
  }

  private heldDiagnostic(): Diagnostic[] {
    const h = this.heldRevision;
    if (h === null) return [];
    const kept = this.revision === null ? 'the last one persisted' : `revision ${this.revision}`;
    return [
      {
        code: 'W_FLEET_HELD',
        severity: 'warning',
        file: 'etcd',
        line: 0,
        col: 0,
        path: '',
        message: `${holdText(h)}; keeping the api source at ${kept}`,
      },
    ];
  }

  /**
   * Store `routes` in etcd (compare-and-swap on `expectEtag`'s revision when given), then persist
   * and hold them. Throws E_PRECONDITION_FAILED or E_STORE_UNAVAILABLE; nothing changes then.
   */
  async replace(
    routes: readonly Route[],
    now: number,
    expectEtag?: string,
  ): Promise<ReplaceOutcome> {
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
    let hold: FleetHold | undefined;
    try {
      hold = await this.fleetVerdict(routes);
      revision = await this.docs.write(document, {
        by: this.options.speaker,
        now,
        ...(expectRevision === undefined ? {} : { expectRevision }),
        ...(hold === undefined ? {} : { hold }),
      });
    } catch (err) {
      if (isReconcilerError(err)) throw err;
      this.noteDown(err);
      throw new ReconcilerError('E_STORE_UNAVAILABLE', `etcd write failed: ${errorText(err)}`, {
        cause: err,
      });
    }
    if (this.seen === null || revision > this.seen) this.seen = revision;
    if (hold !== undefined) {
      this.hold({ ...hold, revision });
      return { held: { ...hold, revision } };
    }
    // A watch event for an older revision may still be in flight: never step back.
    if (this.revision === null || revision > this.revision) this.adopt(routes, revision);
    return {};
  }

  /**
   * The fleet guard's verdict on replacing the document in use with `routes`: a hold when the
   * revision would withdraw more than the guard's share of every live speaker's announced routes
   * (their published records), else undefined.
   */
  private async fleetVerdict(routes: readonly Route[]): Promise<FleetHold | undefined> {
    const dropped = droppedKeys(this.current, routes);
    if (dropped === 0) return undefined;
    const records = await readSpeakerRecords(this.options.client, this.options.prefix);
    const speakers = records.map((r) => ({
      name: r.name,
      announced: Number.isFinite(r.announcedCount) ? r.announcedCount : 0,
    }));
    const verdict = evaluateFleetGuard(
      dropped,
      speakers,
      this.options.guard ?? DEFAULT_GUARD_POLICY,
    );
    if (!verdict.tripped) return undefined;
    return {
      reason: verdict.reason,
      withdrawCount: verdict.withdrawCount,
      announcedCount: verdict.announcedCount,
      speakers: verdict.speakers,
    };
  }

  private hold(h: HeldRevision): void {
    const before = this.heldRevision;
    this.heldRevision = h;
    if (before?.revision === h.revision) return;
    this.log.warn(
      { revision: h.revision, [LogField.reason]: h.reason },
      `${holdText(h)}; not applied on any speaker`,
    );
  }

  watch(onChange: OnSourceChange): SourceWatch {
    this.onChange = onChange;
    let watcher: Watcher | undefined;
    let confirmWatcher: Watcher | undefined;
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
        // One confirmation for the fleet releases a held revision on every speaker at once.
        const confirms = await this.options.client
          .watch()
          .key(confirmKey(this.options.prefix))
          .create();
        if (this.closed) {
          await confirms.cancel();
          return;
        }
        confirmWatcher = confirms;
        confirms.on('put', () => this.requestSync());
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
        await confirmWatcher?.cancel().catch(() => undefined);
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
      // Head only while it has not moved (one small get); the whole document when it has.
      let stored = await this.docs.read(this.seen ?? undefined);
      const wasDown = this.unreachableSince !== null;
      this.unreachableSince = null;
      this.lastError = null;
      this.retryMs = this.options.retryInitialMs ?? 1000;
      if (wasDown) this.log.info({ revision: stored.revision }, 'etcd reachable again; resynced');
      const again = () => {
        if (wasDown) this.onChange('etcd reachable again');
      };
      // Never written: an empty fleet document. Keep what we hold until someone PUTs.
      if (stored.head === null) {
        if (this.revision === null) this.revision = 0;
        again();
        return;
      }
      if (this.seen === null || stored.revision > this.seen) this.seen = stored.revision;
      if (this.revision !== null && stored.revision <= this.revision) {
        again();
        return;
      }
      // Held by the fleet guard: nothing of it is applied until one confirmation names it.
      const hold = stored.head.hold;
      if (hold !== undefined) {
        const confirmed = await readConfirm(this.options.client, this.options.prefix);
        if (confirmed !== stored.revision) {
          const news = this.heldRevision?.revision !== stored.revision;
          this.hold({ ...heldOf(hold), revision: stored.revision });
          if (news || wasDown) this.onChange('etcd api revision held by the fleet guard');
          return;
        }
        this.log.warn({ revision: stored.revision }, 'held revision confirmed for the fleet');
      }
      if (stored.document === undefined) stored = await this.docs.read();
      if (this.revision !== null && stored.revision <= this.revision) {
        again();
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
    // A held revision older than the one adopted is superseded.
    if (this.heldRevision !== null && this.heldRevision.revision <= revision)
      this.heldRevision = null;
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

/** A hold as stored (any object: a malformed one still holds, with what it says). */
function heldOf(h: Partial<FleetHold>): FleetHold {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    reason: typeof h.reason === 'string' ? h.reason.slice(0, 500) : 'held by the fleet guard',
    withdrawCount: n(h.withdrawCount),
    announcedCount: n(h.announcedCount),
    speakers: n(h.speakers),
  };
}

function holdText(h: HeldRevision): string {
  return `the fleet guard holds api revision ${h.revision}: ${h.reason}; confirm it once for the fleet with \`fleet confirm --revision ${h.revision}\` or POST /v1/fleet/confirm {"revision": ${h.revision}}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
