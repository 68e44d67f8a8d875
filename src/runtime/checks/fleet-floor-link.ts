// The fleet floor's state between the health runtime and the fleet's status publisher: the gate
// states this speaker publishes, when etcd acknowledged each intent to withdraw, and the last read
// of the fleet. The decision itself is core/fleet-floor.ts; this file only keeps its inputs.
import {
  decideFleetFloor,
  nextIntents,
  type FleetDecision,
  type FleetHealthRecord,
  type FleetObservation,
} from '../../core/fleet-floor.js';
import type { Clock } from '../clock.js';

export interface FleetFloorOptions {
  /** This speaker's name in the fleet. */
  readonly self: string;
  /** N: other live speakers announcing a prefix with an open gate before this one withdraws it. */
  readonly min: number;
  /** The wait between publishing an intent and the read that may act on it (> publish interval). */
  readonly settleMs: number;
  /** A read of the fleet older than this is no view (etcd unreachable): hold. */
  readonly maxAgeMs: number;
}

export interface FleetFloorStatus {
  readonly min: number;
  /** `known`: a recent read of the fleet; `unknown`: none (etcd unreachable or not read yet). */
  readonly view: 'known' | 'unknown';
  /** Age of the last read (ms), null: none. */
  readonly readAgeMs: number | null;
  /** Other live speakers in that read. */
  readonly peers: number;
  readonly truncated: boolean;
}

export class FleetFloorLink {
  private intents: ReadonlyMap<string, number> = new Map();
  private observation: FleetObservation | undefined;
  private selfTruncated = false;
  private current: FleetHealthRecord = { truncated: false, routes: {} };
  private holding = false;
  private lastRead: number | undefined;
  private listener: () => void = () => undefined;

  constructor(
    readonly options: FleetFloorOptions,
    private readonly clock: Clock,
  ) {}

  /** What to publish: this speaker's gate states, as of its last reconcile. */
  record(): FleetHealthRecord {
    return this.current;
  }

  /** The health runtime's latest states (after each recorded view); `holding`: a route waits on us. */
  setRecord(record: FleetHealthRecord, holding: boolean): void {
    this.current = record;
    this.holding = holding;
  }

  /**
   * Whether the publish tick should read the fleet now: every tick while a route is held or
   * settling (its decision waits on a read), else every `idleMs` while something is gated (the
   * view stays fresh, well within maxAgeMs), never without a gated route. Records of a large
   * fleet are large: reading them all every tick would cost every speaker for nothing.
   */
  readDue(now: number, idleMs: number): boolean {
    if (this.holding) return true;
    if (Object.keys(this.current.routes).length === 0 && !this.current.truncated) return false;
    return this.lastRead === undefined || now - this.lastRead >= idleMs;
  }

  /** etcd acknowledged `record` at `at`: intents not seen before start their settle time now. */
  published(record: FleetHealthRecord, at: number): void {
    this.intents = nextIntents(this.intents, record, at);
    this.selfTruncated = record.truncated;
  }

  /** A read of the fleet that started at `observation.readAt`. */
  observed(observation: FleetObservation): void {
    this.observation = observation;
    this.lastRead = observation.readAt;
    this.listener();
  }

  /** Called after each read of the fleet (the health runtime re-decides its held routes). */
  onObserved(listener: () => void): void {
    this.listener = listener;
  }

  decide(key: string): FleetDecision {
    return decideFleetFloor(key, {
      self: this.options.self,
      min: this.options.min,
      now: this.clock.now(),
      fleet: this.observation,
      maxAgeMs: this.options.maxAgeMs,
      settleMs: this.options.settleMs,
      intents: this.intents,
      selfTruncated: this.selfTruncated,
    });
  }

  status(): FleetFloorStatus {
    const o = this.observation;
    const age = o === undefined ? null : this.clock.now() - o.readAt;
    return {
      min: this.options.min,
      view: age !== null && age <= this.options.maxAgeMs ? 'known' : 'unknown',
      readAgeMs: age,
      peers: o?.peers.filter((p) => p.name !== this.options.self && p.live).length ?? 0,
      truncated: this.current.truncated,
    };
  }
}
