// The `--verify` deep check (design.md §5): writes `show adj-rib out extensive` through the writer,
// collects ExaBGP's output lines until the command's `done`, compares them with the ledger
// (core/verify.ts) and records the repairs in the ledger; the caller then reconciles. The caller
// runs it only with acks on and the writer idle (exabgp-api.md §5: the output ends with `done`).
// ExaBGP's dump also holds config `static` routes: on a neighbor bound to us they are `extra`.
import { parseAdjRibDump } from '../exabgp/adj-rib.js';
import type { Dialect } from '../exabgp/dialect.js';
import { formatDiagnostic } from '../core/diagnostic.js';
import type { RouteSet } from '../core/route.js';
import {
  compareAdjRibOut,
  expectedRouteAt,
  planAdjRibRepair,
  type AdjRibComparison,
  type Drift,
  type DriftKind,
} from '../core/verify.js';
import type { Clock } from './clock.js';
import type { AckOutcome, ExabgpWriter } from '../exabgp/io/writer.js';
import type { VerifyStatus } from './handle.js';
import type { Ledger } from '../ledger/ledger.js';
import { LogField, type Logger } from './logger.js';

export const SHOW_ADJ_RIB_OUT = 'show adj-rib out extensive';

export interface VerifierDeps {
  /** The ExaBGP version's `show adj-rib out extensive` spelling (default 4.2). */
  readonly dialect?: Dialect;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly writer: ExabgpWriter;
}

export interface VerifierOptions {
  /** Repeat the check this often; 0 = only once, after the first successful reconcile. */
  readonly intervalMs: number;
  /** Wait for the show's `done`: base + perLineMs per expected output line. */
  readonly baseTimeoutMs: number;
  readonly perLineMs: number;
  /** Keys listed per drift kind in the log. */
  readonly sampleSize: number;
}

/**
 * ExaBGP prints about 2k adj-rib-out lines/s (exabgp-api.md §6.1: 150k routes took 71 s), one per
 * route and neighbor, so 1 ms per expected line on top of 60 s is generous; besides, every output
 * line counts as progress for the writer's ack timer, so only a stalled output times out.
 */
export const DEFAULT_VERIFIER_OPTIONS: VerifierOptions = {
  intervalMs: 0,
  baseTimeoutMs: 60_000,
  perLineMs: 1,
  sampleSize: 10,
};

const KIND_MESSAGES: Readonly<Record<DriftKind, string>> = {
  missing: 'verify: routes in the ledger are missing at exabgp; re-asserting them',
  different: 'verify: exabgp holds other values than the ledger; re-asserting them',
  extra: 'verify: exabgp holds routes the ledger does not know; adopting them for the next diff',
};

export class AdjRibVerifier {
  private collecting: string[] | undefined;
  private readonly neighbors = new Set<string>();
  private families: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  private last: VerifyStatus | null = null;
  private abortRun: (() => void) | undefined;

  constructor(
    private readonly deps: VerifierDeps,
    readonly options: VerifierOptions = DEFAULT_VERIFIER_OPTIONS,
  ) {}

  /** The last check, or null before the first one. */
  get status(): VerifyStatus | null {
    return this.last;
  }

  get inFlight(): boolean {
    return this.collecting !== undefined;
  }

  /** The families configured per neighbor (the handshake's `show neighbor extensive`). */
  noteFamilies(families: ReadonlyMap<string, ReadonlySet<string>>): void {
    this.families = families;
  }

  /** A neighbor ExaBGP told us about (neighbor-changes): bound to our process. */
  noteNeighbor(address: string): void {
    this.neighbors.add(address);
  }

  /** A text line from ExaBGP; true when it is consumed as show output (a check is in flight). */
  handleText(line: string): boolean {
    if (this.collecting === undefined) return false;
    this.deps.writer.noteProgress();
    if (line.startsWith('neighbor ')) this.collecting.push(line);
    else this.deps.logger.debug({ [LogField.line]: line }, 'verify: ignoring a non-route line');
    return true;
  }

  /** Stop waiting for the check in flight (exit); its output is then ignored. */
  abort(): void {
    this.abortRun?.();
  }

  /** Run one check; on drift the ledger is repaired and `outcome` is `repaired`. */
  async run(): Promise<VerifyStatus> {
    const at = this.deps.clock.now();
    const log = this.deps.logger;
    let text: string;
    try {
      text = await this.collect();
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log.warn({ [LogField.code]: 'E_VERIFY' }, `verify failed: ${error}`);
      return this.finish(at, { outcome: 'failed', error });
    }
    const unreadFlows = new Set<string>();
    const dump = parseAdjRibDump(text, 'exabgp', {
      targets: 'per-neighbor',
      unreadFlows,
      expected: expectedRouteAt(this.deps.ledger.announced),
      ...(this.deps.dialect === undefined ? {} : { dialect: this.deps.dialect }),
    });
    if (!dump.ok) {
      const diagnostics = dump.diagnostics.slice(0, this.options.sampleSize).map(formatDiagnostic);
      const error = `cannot read exabgp's adj-rib-out (${dump.diagnostics.length} problems)`;
      log.warn({ [LogField.code]: 'E_VERIFY', [LogField.diagnostics]: diagnostics }, error);
      return this.finish(at, { outcome: 'failed', error });
    }
    return this.compareAndRepair(at, dump.value, unreadFlows);
  }

  private async collect(): Promise<string> {
    const { writer, ledger } = this.deps;
    if (!writer.ackEnabled) throw new Error('acks are off: the end of show output is unknown');
    const neighbors = Math.max(1, this.neighbors.size, this.last?.neighbors ?? 0);
    const lines = ledger.announced.size * neighbors;
    const ackTimeoutMs = this.options.baseTimeoutMs + this.options.perLineMs * lines;
    this.collecting = [];
    try {
      const aborted = new Promise<'aborted'>((resolve) => {
        this.abortRun = () => resolve('aborted');
      });
      const sent = await writer.write(SHOW_ADJ_RIB_OUT, { ackTimeoutMs });
      const outcome: AckOutcome | 'aborted' = await Promise.race([sent.ack, aborted]);
      if (outcome !== 'done') throw new Error(`no adj-rib-out from exabgp (${outcome})`);
      return this.collecting.join('\n');
    } finally {
      this.collecting = undefined;
      this.abortRun = undefined;
    }
  }

  private compareAndRepair(
    at: number,
    dump: RouteSet,
    unreadFlows: ReadonlySet<string>,
  ): VerifyStatus {
    const { ledger, logger } = this.deps;
    const comparison = compareAdjRibOut(ledger.announced, dump, {
      neighbors: this.neighbors,
      pending: ledger.pendingKeys,
      unreadFlows,
      ...(this.families === undefined ? {} : { families: this.families }),
    });
    const repair = planAdjRibRepair(comparison);
    if (repair.reassert.length > 0)
      ledger.markPending(repair.reassert.map((route) => ({ route, commit: 'set' as const })));
    if (repair.adopt.length > 0)
      ledger.settle(repair.adopt.map((route) => ({ kind: 'set' as const, route })));
    for (const kind of ['missing', 'different', 'extra'] as const) this.logKind(comparison, kind);
    const repaired = repair.reassert.length + repair.adopt.length;
    const status = this.finish(at, {
      outcome: repaired > 0 ? 'repaired' : 'clean',
      comparison,
      repaired,
      dumpRoutes: dump.size,
    });
    logger.info(
      {
        ...status,
        [LogField.durationMs]: status.durationMs,
        matched: comparison.matched,
        skipped_pending: comparison.skippedPending,
      },
      repaired > 0 ? 'verify found drift; reconciling' : 'verify: exabgp matches the ledger',
    );
    return status;
  }

  private logKind(comparison: AdjRibComparison, kind: DriftKind): void {
    const drift = comparison[kind];
    if (drift.length === 0) return;
    const sample = drift.slice(0, this.options.sampleSize).map(describeDrift);
    this.deps.logger.warn({ kind, [LogField.count]: drift.length, sample }, KIND_MESSAGES[kind]);
  }

  private finish(
    at: number,
    result: {
      outcome: VerifyStatus['outcome'];
      comparison?: AdjRibComparison;
      repaired?: number;
      dumpRoutes?: number;
      error?: string;
    },
  ): VerifyStatus {
    const c = result.comparison;
    this.last = {
      at,
      durationMs: this.deps.clock.now() - at,
      outcome: result.outcome,
      missing: c?.missing.length ?? 0,
      different: c?.different.length ?? 0,
      extra: c?.extra.length ?? 0,
      repaired: result.repaired ?? 0,
      neighbors: c?.neighbors.length ?? 0,
      dumpRoutes: result.dumpRoutes ?? 0,
      ...(result.error === undefined ? {} : { error: result.error }),
    };
    return this.last;
  }
}

/** `192.0.2.1 ipv4 unicast 10.0.0.0/24` (+ `: next-hop ... (expected next-hop ...)` when different). */
function describeDrift(d: Drift): string {
  const where = `${d.neighbor} ${d.ribKey}`;
  if (d.kind === 'different') return `${where}: ${d.found?.value} (expected ${d.expected?.value})`;
  if (d.kind === 'extra') return `${where}: ${d.found?.value}`;
  return where;
}

/**
 * The verifier `run` uses, or undefined when `--verify` is off. With acks off the end of show
 * output is unknown (exabgp-api.md §5), so the check is skipped with a warning.
 */
export function createVerifier(
  settings: { readonly verify: boolean; readonly verifyIntervalMs: number },
  ack: boolean,
  deps: VerifierDeps,
): AdjRibVerifier | undefined {
  if (!settings.verify) return undefined;
  if (!ack) {
    deps.logger.warn('--verify needs acks on (show output ends with `done`): check skipped');
    return undefined;
  }
  return new AdjRibVerifier(deps, {
    ...DEFAULT_VERIFIER_OPTIONS,
    intervalMs: settings.verifyIntervalMs,
  });
}
