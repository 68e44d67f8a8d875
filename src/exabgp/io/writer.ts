// The only stdout writer in `run`: one ASCII command per line, back-pressure (`drain`), a bounded
// window of unacknowledged lines matched FIFO to ExaBGP's `done`/`error`, an ack timeout, and
// EPIPE as a terminal "ExaBGP is gone". It never writes anything but the lines it is given.
import type { Writable } from 'node:stream';
import { bug, ReconcilerError } from '../../errors.js';
import type { Clock, TimerHandle } from '../../runtime/clock.js';

/** How a written line ended: acknowledged, rejected, never answered, pipe gone, or ack off. */
export type AckOutcome = 'done' | 'error' | 'timeout' | 'closed' | 'written';

export interface WriterOptions {
  /** ExaBGP answers `done`/`error` (exabgp.api.ack=true). Off: a line is settled once written. */
  readonly ack: boolean;
  readonly maxInFlightLines: number;
  /** Byte budget of unacknowledged lines; one line larger than the budget is still allowed alone. */
  readonly maxInFlightBytes: number;
  /** No ack progress for this long while lines are outstanding: they all time out. */
  readonly ackTimeoutMs: number;
  /** After a timeout, stdin must be free of acks this long before the next line (stale acks). */
  readonly quietAfterTimeoutMs: number;
}

export interface SentLine {
  readonly ack: Promise<AckOutcome>;
}

export interface WriterStats {
  linesWritten: number;
  bytesWritten: number;
  acksDone: number;
  acksError: number;
  timeouts: number;
  unmatchedAcks: number;
  /** Answers that belong to no line of ours (a dead predecessor's queued lines, foreign output). */
  staleAnswers: number;
}

/** Takes ExaBGP's answers before the FIFO does, while it is installed (the start-up handshake). */
export interface AnswerInterceptor {
  onAck(ok: boolean): void;
  onText(line: string): void;
}

interface Outstanding {
  readonly bytes: number;
  /** A longer wait for this line's answer (a `show` command's output comes first). */
  readonly ackTimeoutMs: number | undefined;
  readonly resolve: (outcome: AckOutcome) => void;
}

export interface WriteOptions {
  /** Wait this long (instead of the writer's ack timeout) for this line's answer. */
  readonly ackTimeoutMs?: number;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export class ExabgpWriter {
  readonly stats: WriterStats = {
    linesWritten: 0,
    bytesWritten: 0,
    acksDone: 0,
    acksError: 0,
    timeouts: 0,
    unmatchedAcks: 0,
    staleAnswers: 0,
  };
  private interceptor: AnswerInterceptor | undefined;
  /** Output nobody of ours asked for arrived: the `done` ending it is not ours either. */
  private foreignOutput = false;
  private readonly outstanding: Outstanding[] = [];
  private outstandingBytes = 0;
  private lastProgress = 0;
  private quietUntil = 0;
  private timer: TimerHandle | undefined;
  private closedReason: string | undefined;
  private waiters: (() => void)[] = [];
  private readonly closeWaiters: (() => void)[] = [];

  constructor(
    private readonly stream: Writable,
    private readonly options: WriterOptions,
    private readonly clock: Clock,
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) =>
      this.close(`stdout ${err.code ?? err.message}`),
    );
    stream.on('close', () => this.close('stdout closed'));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get inFlight(): number {
    return this.outstanding.length;
  }

  get ackEnabled(): boolean {
    return this.options.ack;
  }

  /**
   * Write one command once the window has room, waiting for `drain` if the pipe is full. The
   * returned `ack` settles on ExaBGP's answer. Throws E_EXABGP_PIPE_CLOSED once ExaBGP is gone.
   */
  async write(text: string, options: WriteOptions = {}): Promise<SentLine> {
    if (!PRINTABLE_ASCII.test(text))
      throw bug(`refusing to write a non-command line ${JSON.stringify(text)}`);
    const bytes = text.length + 1;
    // No await between the room check and track(): concurrent writers must not overfill the window.
    while (!this.canWriteNow(bytes)) await this.changed(this.quietLeft());
    const ok = this.stream.write(`${text}\n`);
    this.stats.linesWritten += 1;
    this.stats.bytesWritten += bytes;
    const ack = this.options.ack
      ? this.track(bytes, options.ackTimeoutMs)
      : Promise.resolve<AckOutcome>('written');
    if (!ok) await this.waitForDrain();
    return { ack };
  }

  /**
   * Write one control line of the start-up handshake (exabgp/io/handshake.ts) outside the ack
   * FIFO: its answers go to the installed interceptor. Only with nothing in flight.
   */
  async writeControl(text: string): Promise<void> {
    if (!/^[\x20-\x7e]+$/.test(text)) throw bug(`refusing to write ${JSON.stringify(text)}`);
    while (!this.canWriteNow(1)) await this.changed(this.quietLeft());
    if (this.outstanding.length > 0) throw bug('control line with lines in flight');
    const ok = this.stream.write(`${text}\n`);
    this.stats.linesWritten += 1;
    this.stats.bytesWritten += text.length + 1;
    if (!ok) await this.waitForDrain();
  }

  get intercepting(): boolean {
    return this.interceptor !== undefined;
  }

  /** Install (or remove, with undefined) the handshake's answer interceptor. */
  intercept(interceptor: AnswerInterceptor | undefined): void {
    this.interceptor = interceptor;
    this.foreignOutput = false;
  }

  /**
   * A text line from ExaBGP that no `show` of ours is reading. Under the handshake it is the
   * handshake's; otherwise it is output of a command we did not write (a dead predecessor's
   * queued `show`), so the `done` that ends it is not the answer to our oldest line.
   */
  handleText(line: string): void {
    if (this.interceptor !== undefined) return this.interceptor.onText(line);
    this.foreignOutput = true;
  }

  /** Feed ExaBGP's `done` (true) or `error` (false) from the reader. */
  handleAck(ok: boolean): void {
    if (this.interceptor !== undefined) return this.interceptor.onAck(ok);
    if (this.foreignOutput) {
      this.foreignOutput = false;
      this.stats.staleAnswers += 1;
      return;
    }
    const head = this.outstanding.shift();
    const now = this.clock.now();
    if (head === undefined) {
      // A late ack for a line that already timed out: keep quiet before writing again.
      this.stats.unmatchedAcks += 1;
      if (this.quietUntil > 0) this.quietUntil = now + this.options.quietAfterTimeoutMs;
      return;
    }
    this.outstandingBytes -= head.bytes;
    this.lastProgress = now;
    if (ok) this.stats.acksDone += 1;
    else this.stats.acksError += 1;
    head.resolve(ok ? 'done' : 'error');
    this.rearm();
    this.wake();
  }

  /**
   * Output of an outstanding command arrived (a `show` prints lines before its `done`): counts as
   * progress, so a long output does not time out while it keeps flowing.
   */
  noteProgress(): void {
    if (this.outstanding.length > 0) this.lastProgress = this.clock.now();
  }

  /** Resolve once no line awaits an ack, or after `timeoutMs`; true when idle. */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    while (this.outstanding.length > 0 && !this.closed) {
      const left = deadline - this.clock.now();
      if (left <= 0) return false;
      await this.changed(left);
    }
    return this.outstanding.length === 0;
  }

  /** Stop for good (stdin EOF, shutdown notice, EPIPE): outstanding lines settle as `closed`. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.settleAll('closed');
    for (const w of this.closeWaiters.splice(0)) w();
  }

  /** Resolves once the writer is closed (stdin EOF, shutdown notice, EPIPE). */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  private track(bytes: number, ackTimeoutMs: number | undefined): Promise<AckOutcome> {
    return new Promise<AckOutcome>((resolve) => {
      if (this.outstanding.length === 0) this.lastProgress = this.clock.now();
      this.outstanding.push({ bytes, ackTimeoutMs, resolve });
      this.outstandingBytes += bytes;
      if (this.timer === undefined || ackTimeoutMs !== undefined) this.rearm();
    });
  }

  /** The longest wait any outstanding line asked for (at least the writer's ack timeout). */
  private ackTimeout(): number {
    let ms = this.options.ackTimeoutMs;
    for (const o of this.outstanding)
      if (o.ackTimeoutMs !== undefined && o.ackTimeoutMs > ms) ms = o.ackTimeoutMs;
    return ms;
  }

  private rearm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.outstanding.length === 0) return;
    const due = this.lastProgress + this.ackTimeout() - this.clock.now();
    this.timer = this.clock.setTimeout(() => this.onTimer(), Math.max(0, due));
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.outstanding.length === 0) return;
    if (this.clock.now() - this.lastProgress < this.ackTimeout()) return this.rearm();
    // Some bad lines get no ack at all (exabgp-api.md §5). We cannot tell which one, so every
    // outstanding line is abandoned (left pending in the ledger) and stale acks are drained.
    this.stats.timeouts += this.outstanding.length;
    this.quietUntil = this.clock.now() + this.options.quietAfterTimeoutMs;
    this.settleAll('timeout');
  }

  private settleAll(outcome: AckOutcome): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const all = this.outstanding.splice(0);
    this.outstandingBytes = 0;
    for (const o of all) o.resolve(outcome);
    this.wake();
  }

  private hasRoom(bytes: number): boolean {
    if (!this.options.ack || this.outstanding.length === 0) return true;
    return (
      this.outstanding.length < this.options.maxInFlightLines &&
      this.outstandingBytes + bytes <= this.options.maxInFlightBytes
    );
  }

  private quietLeft(): number | undefined {
    const left = this.quietUntil - this.clock.now();
    return left > 0 ? left : undefined;
  }

  private canWriteNow(bytes: number): boolean {
    this.assertOpen();
    if (this.quietLeft() !== undefined) return false;
    this.quietUntil = 0;
    return this.hasRoom(bytes);
  }

  private waitForDrain(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }

  /** Resolve on the next state change (ack, timeout, close), or after `ms`. */
  private changed(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const wake = (): void => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
      if (ms !== undefined) {
        timer = this.clock.setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          resolve();
        }, ms);
      }
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private assertOpen(): void {
    if (this.closedReason !== undefined) {
      throw new ReconcilerError('E_EXABGP_PIPE_CLOSED', `exabgp is gone (${this.closedReason})`);
    }
  }
}
