// Speaker status in etcd: each speaker publishes one record under a lease (it disappears with the
// speaker), and anyone can read the fleet: every record plus the api source's current revision,
// and which speakers have converged to it. The record is a versioned, open JSON object (issue 12's
// health checks add fields; readers ignore what they do not know).
import type { Etcd3, Lease } from 'etcd3';
import type { FleetGateState, FleetHealthRecord, FleetPeer } from '../core/fleet-floor.js';
import type { Logger } from '../runtime/logger.js';
import { LogField } from '../runtime/logger.js';
import { EtcdDocumentStore, holdOfHead } from './etcd-store.js';

export interface SpeakerRecord {
  readonly format: 1;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly exabgp: {
    readonly version: string | null;
    readonly dialect: string | null;
    readonly instance: { readonly pid: number; readonly startTime: string } | null;
  };
  /** The api source revision this speaker last reconciled cleanly (null: none yet). */
  readonly desiredRevision: number | null;
  /** The api source revision it holds (it may still be applying it). */
  readonly heldRevision: number | null;
  readonly desiredCount: number;
  readonly announcedCount: number;
  readonly pendingCount: number;
  readonly lastReconcile: { readonly outcome: string; readonly at: number } | null;
  readonly diagnostics: number;
  readonly guard: { readonly blocked: boolean; readonly reason?: string; readonly hash?: string };
  /** etcd as this speaker sees it: false means it runs fail-static on its last known state. */
  readonly etcdConnected: boolean;
  /**
   * Health-gated prefixes and their gate state (the fleet floor, core/fleet-floor.ts); absent with
   * no gated route or from a speaker without it.
   */
  readonly health?: FleetHealthRecord;
  readonly updatedAt: number;
}

export interface FleetSpeaker {
  readonly record: SpeakerRecord;
  /** Reconciled the current revision cleanly, nothing pending, guard not blocking. */
  readonly converged: boolean;
}

export interface FleetView {
  /** The api source's revision in etcd (0: never written). */
  readonly revision: number;
  /** Head is held by the fleet guard (applied on no speaker until confirmed), else null. */
  readonly held: { readonly revision: number; readonly reason: string } | null;
  readonly speakers: readonly FleetSpeaker[];
  readonly converged: boolean;
}

export function statusPrefix(prefix: string): string {
  return `${prefix.replace(/\/+$/, '')}/status/`;
}

export function isConverged(r: SpeakerRecord, revision: number): boolean {
  return (
    r.desiredRevision === revision &&
    r.pendingCount === 0 &&
    !r.guard.blocked &&
    r.diagnostics === 0 &&
    r.etcdConnected
  );
}

/** Every speaker's record, sorted by name, with the convergence verdict against head. */
export async function readFleet(client: Etcd3, prefix: string): Promise<FleetView> {
  const docs = new EtcdDocumentStore(client, prefix);
  const head = await client.get(docs.headKey).exec();
  const revision = Number(head.kvs[0]?.mod_revision ?? 0);
  const hold = head.kvs[0] === undefined ? undefined : holdOfHead(head.kvs[0].value.toString());
  let held: FleetView['held'] = null;
  if (hold !== undefined) {
    const confirmed = await readConfirm(client, prefix);
    if (confirmed !== revision)
      held = { revision, reason: typeof hold.reason === 'string' ? hold.reason : 'held' };
  }
  const speakers = (await readSpeakerRecords(client, prefix)).map((record) => ({
    record,
    converged: isConverged(record, revision),
  }));
  return { revision, held, speakers, converged: speakers.every((s) => s.converged) };
}

/**
 * Every live speaker's record, sorted by name: one range read. Left out: unreadable records, and
 * a record whose `name` is not its key's (a copy, or a writer speaking for another speaker: the
 * fleet floor and the fleet guard would count one speaker twice, or a speaker that is gone).
 */
export async function readSpeakerRecords(client: Etcd3, prefix: string): Promise<SpeakerRecord[]> {
  const under = statusPrefix(prefix);
  const raw = await client.getAll().prefix(under).strings();
  const records: SpeakerRecord[] = [];
  for (const [key, text] of Object.entries(raw)) {
    let record: SpeakerRecord;
    try {
      record = JSON.parse(text) as SpeakerRecord;
    } catch {
      continue;
    }
    if (record === null || typeof record !== 'object' || typeof record.name !== 'string') continue;
    if (key !== `${under}${record.name}`) continue;
    records.push(record);
  }
  return records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const GATE_STATES: ReadonlySet<string> = new Set<FleetGateState>([
  'open',
  'drained',
  'closed',
  'held',
]);

/**
 * The fleet floor's view of a record's `health` field: undefined when absent or malformed (then
 * the speaker announces nothing `open` as far as the floor knows); unknown states are dropped.
 */
export function healthOf(record: SpeakerRecord): FleetHealthRecord | undefined {
  const h = record.health as unknown;
  if (h === null || typeof h !== 'object') return undefined;
  const { truncated, routes } = h as { truncated?: unknown; routes?: unknown };
  if (routes === null || typeof routes !== 'object' || Array.isArray(routes)) return undefined;
  const out: Record<string, FleetGateState> = {};
  for (const [key, s] of Object.entries(routes as Record<string, unknown>))
    if (typeof s === 'string' && GATE_STATES.has(s)) out[key] = s as FleetGateState;
  return { truncated: truncated === true, routes: out };
}

/** The speakers of a read as the fleet floor sees them (live: the record says it reaches etcd). */
export function fleetPeers(records: readonly SpeakerRecord[]): FleetPeer[] {
  return records.map((record) => {
    const health = healthOf(record);
    return {
      name: record.name,
      live: record.etcdConnected === true,
      ...(health === undefined ? {} : { health }),
    };
  });
}

/**
 * Publishes this speaker's record under a lease (TTL `ttlSeconds`, kept alive by the client). A
 * lost lease (etcd down longer than the TTL) is granted anew on the next publish.
 */
export class StatusPublisher {
  private lease: Lease | undefined;
  private last = '';
  private busy = false;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly name: string,
    private readonly logger: Logger,
    private readonly ttlSeconds = 10,
  ) {}

  get key(): string {
    return `${statusPrefix(this.prefix)}${this.name}`;
  }

  /**
   * Publish when the record changed (or the lease was lost); never throws. True when etcd holds
   * this record (put acknowledged now, or unchanged since the last acknowledged put).
   */
  async publish(record: SpeakerRecord): Promise<boolean> {
    const { updatedAt: _ignored, ...stable } = record;
    const text = JSON.stringify(stable);
    if (text === this.last && this.lease !== undefined) return true;
    if (this.busy) return false;
    this.busy = true;
    try {
      if (this.lease === undefined) {
        const lease = this.client.lease(this.ttlSeconds, { autoKeepAlive: true });
        lease.on('lost', () => {
          if (this.lease === lease) this.lease = undefined;
        });
        this.lease = lease;
      }
      await this.lease.put(this.key).value(JSON.stringify(record));
      this.last = text;
      return true;
    } catch (err) {
      this.lease = undefined;
      this.last = '';
      this.logger.debug({ [LogField.err]: err }, 'speaker status not published (etcd)');
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Revoke the lease: the record disappears at once. */
  async close(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    await lease?.revoke().catch(() => undefined);
  }
}

/** One confirmation for the fleet: the api source revision whose guarded plans may apply. */
export function confirmKey(prefix: string): string {
  return `${prefix.replace(/\/+$/, '')}/guard/confirm`;
}

export async function writeConfirm(
  client: Etcd3,
  prefix: string,
  revision: number,
  by: string,
  now: number,
): Promise<void> {
  await client.put(confirmKey(prefix)).value(JSON.stringify({ revision, by, at: now }));
}

/** The confirmed revision, or null when none (or unreadable). */
export async function readConfirm(client: Etcd3, prefix: string): Promise<number | null> {
  const text = await client.get(confirmKey(prefix)).string();
  if (text === null) return null;
  try {
    const v = (JSON.parse(text) as { revision?: unknown }).revision;
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
  } catch {
    return null;
  }
}
