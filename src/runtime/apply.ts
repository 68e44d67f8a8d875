// The apply loop: write encoded command lines through the writer, recording intent (pending) in the
// ledger before each batch is written and committing acknowledged lines in grouped transactions.
// It decides nothing about what to write; the plan and the encoder did that.
import type { Route, RouteKey } from '../core/route.js';
import { routeKey } from '../core/route.js';
import { nextTurn, type Clock, type TimerHandle } from './clock.js';
import type { AckOutcome, ExabgpWriter } from '../exabgp/io/writer.js';
import type { CommitKind, Ledger, PendingMark, SettleOp } from '../ledger/ledger.js';
import type { Logger } from './logger.js';
import { LogField } from './logger.js';

/** Structurally an exabgp/encode.ts CommandLine. */

/** Longest run of marking and writing lines before the event loop gets a turn. */
const SLICE_MS = 50;
export interface ApplyLine {
  readonly text: string;
  readonly routes: readonly Route[];
  readonly commit: CommitKind;
  /** Keys this `*` line overwrites at ExaBGP: marked pending, settled by a later line. */
  readonly touches?: readonly RouteKey[];
}

export interface ApplyDeps {
  readonly writer: ExabgpWriter;
  readonly ledger: Ledger;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface ApplyOptions {
  /** Lines marked pending per ledger transaction before they are written (after a ramp-up). */
  readonly batchLines: number;
  /** Commit settled lines once this many are buffered ... */
  readonly commitEveryLines: number;
  /** ... or this long after the first buffered one. */
  readonly commitDelayMs: number;
  /** Checked before each line: stop writing (SIGTERM); lines in flight still settle. */
  readonly shouldStop?: () => boolean;
  /** Told the size of the work, then each settled line (progress.ts: log lines, status, metrics). */
  readonly progress?: ApplyProgress;
}

/** The progress hook: `begin` once per apply, `settled` once per line answered or given up on. */
export interface ApplyProgress {
  begin(lines: number, routes: number): void;
  settled(routes: number, ok: boolean): void;
}

export const DEFAULT_APPLY_OPTIONS: ApplyOptions = {
  batchLines: 64,
  commitEveryLines: 256,
  commitDelayMs: 20,
};

export interface LineFailure {
  readonly line: string;
  readonly outcome: 'error' | 'timeout' | 'closed';
}

export interface ApplyReport {
  readonly lines: number;
  readonly written: number;
  readonly done: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly closed: number;
  /** The first few failed lines, verbatim. */
  readonly failures: readonly LineFailure[];
  readonly stopped: boolean;
}

const MAX_FAILURES_KEPT = 20;

/** Per-apply bookkeeping of which keys are still touched by unsettled lines. */
class Settler {
  private readonly refs = new Map<RouteKey, number>();
  private readonly unknown = new Set<RouteKey>();
  private readonly preexisting = new Set<RouteKey>();
  private readonly touched = new Set<RouteKey>();
  private buffer: SettleOp[] = [];
  private bufferedLines = 0;
  /** Each marked line's route keys, computed once. */
  private readonly keysOf = new Map<ApplyLine, readonly RouteKey[]>();
  private timer: TimerHandle | undefined;

  private readonly anyPendingBefore: boolean;

  constructor(
    private readonly deps: ApplyDeps,
    private readonly options: ApplyOptions,
  ) {
    this.anyPendingBefore = deps.ledger.pending.size > 0;
  }

  mark(lines: readonly ApplyLine[]): void {
    const marks: PendingMark[][] = [];
    for (const line of lines) {
      const lineMarks: PendingMark[] = [];
      const keys = line.routes.map(routeKey);
      this.keysOf.set(line, keys);
      line.routes.forEach((route, i) => {
        const key = keys[i]!;
        this.notePreexisting(key);
        this.refs.set(key, (this.refs.get(key) ?? 0) + 1);
        lineMarks.push({ route, commit: line.commit, key });
      });
      for (const key of line.touches ?? []) {
        // Only keys we hold need a mark: one not announced is announced by the diff anyway.
        const route = this.deps.ledger.announced.get(key);
        this.notePreexisting(key);
        this.touched.add(key);
        if (route !== undefined) lineMarks.push({ route, commit: 'none' });
      }
      marks.push(lineMarks);
    }
    // Durable before any of these lines is written (one transaction, one intent row per line).
    this.deps.ledger.markPendingLines(marks);
  }

  private notePreexisting(key: RouteKey): void {
    // Only this apply marks keys while it runs: with nothing pending before, nothing preexists.
    if (!this.anyPendingBefore) return;
    if (this.refs.has(key) || this.touched.has(key)) return;
    if (this.deps.ledger.pending.has(key)) this.preexisting.add(key);
  }

  settle(line: ApplyLine, outcome: AckOutcome | 'unwritten'): void {
    const applied = outcome === 'done' || outcome === 'written';
    const unknown = outcome === 'timeout' || outcome === 'closed';
    const keys = this.keysOf.get(line) ?? line.routes.map(routeKey);
    this.keysOf.delete(line);
    line.routes.forEach((r, i) => {
      const key = keys[i]!;
      if (applied && line.commit === 'set') this.buffer.push({ kind: 'set', route: r, key });
      if (applied && line.commit === 'remove') this.buffer.push({ kind: 'remove', key });
      // A key whose line got no answer stays pending: the next plan re-asserts it. A rejected or
      // unwritten line left ExaBGP unchanged, so its mark goes, unless the key was already unknown.
      if (unknown || (!applied && this.preexisting.has(key))) this.unknown.add(key);
      const left = (this.refs.get(key) ?? 1) - 1;
      this.refs.set(key, left);
      if (left === 0 && !this.unknown.has(key)) this.buffer.push({ kind: 'clear', key });
    });
    if (unknown) for (const key of line.touches ?? []) this.unknown.add(key);
    this.bufferedLines += 1;
    if (this.bufferedLines >= this.options.commitEveryLines) this.flush();
    else if (this.timer === undefined && this.buffer.length > 0) {
      this.timer = this.deps.clock.setTimeout(() => this.flush(), this.options.commitDelayMs);
    }
  }

  flush(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const ops = this.buffer;
    this.buffer = [];
    this.bufferedLines = 0;
    this.deps.ledger.settle(ops);
  }
}

/**
 * Write `lines` in order and settle each on its ack. Resolves when every written line is settled
 * (done, error, timeout or closed) and committed. Never throws for ExaBGP answers.
 */
export async function applyLines(
  lines: readonly ApplyLine[],
  deps: ApplyDeps,
  options: ApplyOptions = DEFAULT_APPLY_OPTIONS,
): Promise<ApplyReport> {
  const settler = new Settler(deps, options);
  const counts = { written: 0, done: 0, errors: 0, timeouts: 0, closed: 0 };
  const failures: LineFailure[] = [];
  const acks: Promise<void>[] = [];
  let stopped = false;
  const onOutcome = (line: ApplyLine, outcome: AckOutcome): void => {
    if (outcome === 'done' || outcome === 'written') counts.done += 1;
    else {
      if (outcome === 'error') counts.errors += 1;
      else if (outcome === 'timeout') counts.timeouts += 1;
      else counts.closed += 1;
      if (failures.length < MAX_FAILURES_KEPT) failures.push({ line: line.text, outcome });
      logFailure(deps.logger, line, outcome);
    }
    settler.settle(line, outcome);
    options.progress?.settled(line.routes.length, outcome === 'done' || outcome === 'written');
  };
  options.progress?.begin(
    lines.length,
    lines.reduce((n, l) => n + l.routes.length, 0),
  );
  // Batches grow 1, 2, 4, ... up to batchLines: the first line is written after marking one line,
  // not a whole batch (at a cold start that is 32k routes and ~40 ms before ExaBGP has anything).
  let size = Math.min(1, options.batchLines);
  // Without back-pressure (acks off, a fast ExaBGP) every write resolves at once: give the event
  // loop a turn every SLICE_MS of marking and writing, so /healthz and signals are served.
  let sliceStart = performance.now();
  outer: for (
    let i = 0;
    i < lines.length;
    i += size, size = Math.min(size * 2, options.batchLines)
  ) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
    const batch = lines.slice(i, i + size);
    settler.mark(batch);
    for (let j = 0; j < batch.length; j += 1) {
      const line = batch[j]!;
      if (options.shouldStop?.() === true || deps.writer.closed) {
        stopped = true;
        for (const rest of batch.slice(j)) settler.settle(rest, 'unwritten');
        break outer;
      }
      let sent;
      try {
        sent = await deps.writer.write(line.text);
      } catch {
        stopped = true;
        for (const rest of batch.slice(j)) settler.settle(rest, 'unwritten');
        break outer;
      }
      counts.written += 1;
      deps.logger.debug({ [LogField.line]: line.text }, 'command written');
      acks.push(sent.ack.then((outcome) => onOutcome(line, outcome)));
    }
  }
  await Promise.all(acks);
  settler.flush();
  return { lines: lines.length, ...counts, failures, stopped };
}

function logFailure(logger: Logger, line: ApplyLine, outcome: AckOutcome): void {
  if (outcome === 'error') {
    logger.warn(
      { [LogField.code]: 'E_EXABGP_NACK', [LogField.line]: line.text },
      'exabgp rejected a command',
    );
  } else if (outcome === 'timeout') {
    logger.warn(
      { [LogField.code]: 'E_EXABGP_ACK_TIMEOUT', [LogField.line]: line.text },
      'no answer from exabgp for a command; its routes stay pending',
    );
  }
}
