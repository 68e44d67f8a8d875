// The fleet: wiring of `run --etcd-endpoints` (the api source in etcd, this speaker's status
// published under a lease) and the `fleet status` command, which shows every speaker and whether
// it converged to the current desired revision.
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { Etcd3 } from 'etcd3';
import type { GuardPolicy } from '../core/guard.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { FleetFloorLink } from '../runtime/checks/fleet-floor-link.js';
import type { ReconcilerStatus } from '../runtime/handle.js';
import type { Logger } from '../runtime/logger.js';
import type { ApiRouteStore } from '../sources/api.js';
import { EtcdApiSource } from '../sources/etcd.js';
import type { FleetHealthRecord } from '../core/fleet-floor.js';
import {
  fleetPeers,
  readConfirm,
  readFleet,
  readSpeakerRecords,
  StatusPublisher,
  writeConfirm,
  type FleetView,
  type SpeakerRecord,
} from '../sources/etcd-fleet.js';
import {
  buildFleetSettings,
  FLEET_OPTIONS,
  openEtcd,
  type FleetSettings,
  type SpeakerIdentity,
} from '../sources/fleet-settings.js';
import type { SourceResult } from '../config/load-routes.js';
import { errorText, type CliIo } from './io.js';

export interface FleetParts {
  readonly api: EtcdApiSource;
  /**
   * Starts publishing this speaker's status (every `intervalMs`, when it changed), and applying a
   * guarded plan once the fleet confirmed the revision it holds (`confirm(hash)`). With `floor`
   * (the fleet floor): its gate states go in the record, and each tick, once the record is in
   * etcd, reads the fleet for it.
   */
  startPublishing(
    read: () => SpeakerSnapshot,
    confirm: (hash: string) => void,
    floor?: FleetFloorLink,
  ): void;
  view(): Promise<FleetView>;
  /** Confirm, for the whole fleet, the guarded plans of api source revision `revision`. */
  confirm(revision: number): Promise<void>;
  close(): Promise<void>;
}

/** What the speaker record is made of. */
export interface SpeakerSnapshot {
  readonly status: ReconcilerStatus;
  /** The api result of the last converged reconcile (by identity). */
  readonly convergedApi: SourceResult | undefined;
}

/** How often a speaker publishes its record (when it changed) and, with the fleet floor, reads the fleet. */
export const FLEET_PUBLISH_INTERVAL_MS = 500;

/** The etcd side of `run`; null without --etcd-endpoints. */
export function startFleet(
  settings: FleetSettings,
  deps: {
    readonly store: ApiRouteStore;
    readonly clock: Clock;
    readonly logger: Logger;
    /** The fleet-wide guard's limits (`--max-withdraw`). */
    readonly guard?: GuardPolicy;
  },
  intervalMs = FLEET_PUBLISH_INTERVAL_MS,
): FleetParts | null {
  const etcd = settings.etcd;
  if (etcd === null) return null;
  const client: Etcd3 = openEtcd(etcd);
  const api = new EtcdApiSource({
    client,
    prefix: etcd.prefix,
    speaker: settings.speaker.name,
    store: deps.store,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.guard === undefined ? {} : { guard: deps.guard }),
  });
  const publisher = new StatusPublisher(client, etcd.prefix, settings.speaker.name, deps.logger);
  let timer: TimerHandle | undefined;
  let applied: number | null = null;
  let closed = false;
  let confirmed = '';
  /** A plan blocked by the guard at the revision the fleet confirmed: apply it (once per hash). */
  const checkConfirm = async (snap: SpeakerSnapshot, confirm: (hash: string) => void) => {
    const blocked = snap.status.guardBlocked;
    const revision = api.health.revision;
    if (blocked === null || revision === null || confirmed === blocked.hash) return;
    const ok = await readConfirm(client, etcd.prefix).catch(() => null);
    if (ok !== revision) return;
    confirmed = blocked.hash;
    deps.logger.warn(
      { revision, plan_hash: blocked.hash },
      'guarded plan confirmed for the fleet: applying it',
    );
    confirm(blocked.hash);
  };
  /** Publish; with the fleet floor, note the acknowledged intents, then read the fleet. */
  const publishAndRead = async (
    record: SpeakerRecord,
    floor: FleetFloorLink | undefined,
    health: FleetHealthRecord | undefined,
  ) => {
    const stored = await publisher.publish(record);
    if (floor === undefined || health === undefined) return;
    if (stored) floor.published(health, deps.clock.now());
    const readAt = deps.clock.now();
    if (!floor.readDue(readAt, 4 * intervalMs)) return;
    // Bounded: a read that hangs must not stall the publish tick (the view then ages: hold).
    let timeout: TimerHandle | undefined;
    const records = await Promise.race([
      readSpeakerRecords(client, etcd.prefix).catch(() => undefined),
      new Promise<undefined>((resolve) => {
        timeout = deps.clock.setTimeout(() => resolve(undefined), 4 * intervalMs);
      }),
    ]);
    if (timeout !== undefined) deps.clock.clearTimeout(timeout);
    // A failed read leaves the last one, which ages into "unknown" (the floor then holds).
    if (records !== undefined && !closed) floor.observed({ readAt, peers: fleetPeers(records) });
  };
  const tick = (
    read: () => SpeakerSnapshot,
    confirm: (hash: string) => void,
    floor: FleetFloorLink | undefined,
  ): void => {
    if (closed) return;
    const snap = read();
    if (snap.convergedApi !== undefined && snap.convergedApi === api.result)
      applied = api.health.revision;
    const health = floor?.record();
    const record = speakerRecord(
      settings.speaker,
      snap.status,
      api,
      applied,
      deps.clock.now(),
      health,
    );
    void Promise.all([publishAndRead(record, floor, health), checkConfirm(snap, confirm)]).finally(
      () => {
        if (!closed) timer = deps.clock.setTimeout(() => tick(read, confirm, floor), intervalMs);
      },
    );
  };
  return {
    api,
    startPublishing: (read, confirm, floor) => tick(read, confirm, floor),
    view: () => readFleet(client, etcd.prefix),
    confirm: (revision) =>
      writeConfirm(client, etcd.prefix, revision, settings.speaker.name, deps.clock.now()),
    close: async () => {
      closed = true;
      if (timer !== undefined) deps.clock.clearTimeout(timer);
      await publisher.close();
      client.close();
    },
  };
}

function speakerRecord(
  speaker: SpeakerIdentity,
  status: ReconcilerStatus,
  api: EtcdApiSource,
  applied: number | null,
  now: number,
  health?: FleetHealthRecord,
): SpeakerRecord {
  const last = status.lastReconcile;
  const guard = status.guardBlocked;
  return {
    format: 1,
    name: speaker.name,
    labels: speaker.labels,
    exabgp: {
      version: status.exabgp?.version ?? null,
      dialect: status.exabgp?.dialect ?? null,
      instance: status.instance,
    },
    desiredRevision: applied,
    heldRevision: api.health.revision,
    desiredCount: status.desiredCount,
    announcedCount: status.announcedCount,
    pendingCount: status.pendingCount,
    lastReconcile:
      last === null ? null : { outcome: last.outcome, at: last.startedAt + last.durationMs },
    diagnostics: status.diagnostics.filter((d) => d.severity === 'error').length,
    guard: guardOf(guard, api),
    etcdConnected: api.health.connected,
    // Only while something is gated (records stay small, and unchanged for speakers without checks).
    ...(health === undefined || (Object.keys(health.routes).length === 0 && !health.truncated)
      ? {}
      : { health }),
    updatedAt: now,
  };
}

/** The guard as the fleet sees it: this speaker's blocked plan, else the revision held fleet-wide. */
function guardOf(
  guard: ReconcilerStatus['guardBlocked'],
  api: EtcdApiSource,
): SpeakerRecord['guard'] {
  if (guard !== null) return { blocked: true, reason: guard.reason, hash: guard.hash };
  const held = api.held;
  if (held !== null)
    return { blocked: true, reason: `fleet guard holds revision ${held.revision}: ${held.reason}` };
  return { blocked: false };
}

export const FLEET_USAGE = `usage: exabgp-reconciler fleet status --etcd-endpoints URL[,URL...] [options]
       exabgp-reconciler fleet confirm --revision N --etcd-endpoints URL[,URL...] [options]

status: every speaker publishing under the prefix, and whether it converged to the api source's
current revision in etcd. Exit 0 when every speaker converged, 2 when one has not (or none is
up), 1 on error.
confirm: one confirmation for the whole fleet: every speaker applies the plan its mass-withdraw
guard blocked, if it holds api source revision N.

options:
  --etcd-endpoints URL,...   etcd client URLs (EXABGP_RECONCILER_ETCD_ENDPOINTS)
  --etcd-prefix PREFIX       key prefix                                   [/exabgp-reconciler]
  --etcd-ca FILE, --etcd-cert FILE, --etcd-key FILE   TLS
  --etcd-user USER, --etcd-password-file FILE          authentication
  --json                     the fleet view as JSON (as GET /v1/fleet)
  --revision N               (confirm) the api source revision to confirm
  -h, --help
`;

/** `fleet status`. */
export async function fleetCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let settings: FleetSettings;
  let json = false;
  let revision: number | undefined;
  try {
    const [sub, ...rest] = argv;
    if (sub === '--help' || sub === '-h') {
      io.stdout.write(FLEET_USAGE);
      return 0;
    }
    if (sub !== 'status' && sub !== 'confirm')
      throw new Error(`unknown fleet command "${sub ?? ''}"\n\n${FLEET_USAGE}`);
    const { values } = parseArgs({
      args: rest,
      options: {
        ...FLEET_OPTIONS,
        json: { type: 'boolean' },
        revision: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help === true) {
      io.stdout.write(FLEET_USAGE);
      return 0;
    }
    json = values.json === true;
    if (sub === 'confirm') {
      if (!/^[1-9][0-9]*$/.test(values.revision ?? ''))
        throw new Error('fleet confirm needs --revision N (the api source revision)');
      revision = Number(values.revision);
    }
    settings = buildFleetSettings(values, io.env, hostname());
    if (settings.etcd === null) throw new Error('--etcd-endpoints is required');
  } catch (err) {
    io.stderr.write(`exabgp-reconciler fleet: ${errorText(err)}\n`);
    return 1;
  }
  const client = openEtcd(settings.etcd);
  try {
    if (revision !== undefined) {
      const by = `fleet-cli@${hostname()}`;
      await withTimeout(writeConfirm(client, settings.etcd.prefix, revision, by, Date.now()), 5000);
      io.stdout.write(`confirmed revision ${revision} for the fleet\n`);
      return 0;
    }
    const view = await withTimeout(readFleet(client, settings.etcd.prefix), 5000);
    io.stdout.write(json ? `${JSON.stringify(view, null, 2)}\n` : renderFleet(view));
    return view.converged && view.speakers.length > 0 ? 0 : 2;
  } catch (err) {
    io.stderr.write(`exabgp-reconciler fleet: etcd: ${errorText(err)}\n`);
    return 1;
  } finally {
    client.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** One line per speaker, then the verdict. */
export function renderFleet(view: FleetView): string {
  const lines = [`desired revision ${view.revision}`];
  if (view.held !== null)
    lines.push(
      `revision ${view.held.revision} is held by the fleet guard (${view.held.reason}): applied on no speaker until \`fleet confirm --revision ${view.held.revision}\``,
    );
  const rows = view.speakers.map(({ record: r, converged }) => [
    r.name,
    converged ? 'converged' : 'not converged',
    `applied ${r.desiredRevision ?? '-'}`,
    `announced ${r.announcedCount}`,
    `pending ${r.pendingCount}`,
    r.guard.blocked ? 'guard blocked' : '',
    r.etcdConnected ? '' : 'etcd unreachable (fail static)',
    Object.entries(r.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  ]);
  // Columns that are empty on every row (no guard blocked, etcd reached) are left out.
  const used = (i: number): boolean => rows.some((row) => (row[i] ?? '') !== '');
  const cols = (rows[0] ?? []).map((_, i) => i).filter(used);
  const widths = cols.map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  for (const row of rows)
    lines.push(
      cols
        .map((i, k) => (row[i] ?? '').padEnd(widths[k] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  const behind = view.speakers.filter((s) => !s.converged).map((s) => s.record.name);
  if (view.speakers.length === 0) lines.push('no speaker is publishing its status');
  else if (behind.length === 0) lines.push(`all ${view.speakers.length} speakers converged`);
  else lines.push(`not converged: ${behind.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
