// A fake ExaBGP for runtime tests: a sink that records every line our writer sends and answers
// `done`/`error` on our stdin per a policy (after a command's output lines, as `show` does), can
// hold answers (no ack), apply back-pressure, and break the pipe (EPIPE). No real process, no
// timers: answers are queued as microtasks.
import { PassThrough, Writable } from 'node:stream';

export type FakeAnswer = 'done' | 'error' | 'none';

export interface FakeExabgpOptions {
  /** Answer for each line (index counts from 0 over the fake's life). Default: always done. */
  readonly answer?: (line: string, index: number) => FakeAnswer;
  /** Output lines written before a line's answer (e.g. `show adj-rib out extensive`). */
  readonly output?: (line: string, index: number) => readonly string[];
  /** Hold all answers until release() (simulates a slow ExaBGP). */
  readonly hold?: boolean;
  /** Writable highWaterMark in bytes; small values exercise back-pressure. */
  readonly highWaterMark?: number;
}

interface Reply {
  readonly output: readonly string[];
  readonly answer: FakeAnswer;
}

export class FakeExabgp {
  /** Our stdout, as ExaBGP reads it. */
  readonly stdout: Writable;
  /** Our stdin, as ExaBGP writes it. */
  readonly stdin = new PassThrough();
  readonly lines: string[] = [];
  /** Raw bytes received, to check for partial lines. */
  raw = '';
  private answer: (line: string, index: number) => FakeAnswer;
  private output: (line: string, index: number) => readonly string[];
  private held: Reply[] = [];
  private holding: boolean;
  private blockedWrites: (() => void)[] = [];
  private blocking = false;
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(options: FakeExabgpOptions = {}) {
    this.answer = options.answer ?? (() => 'done');
    this.output = options.output ?? (() => []);
    this.holding = options.hold ?? false;
    this.stdout = new Writable({
      highWaterMark: options.highWaterMark ?? 16 * 1024,
      write: (chunk: Buffer, _enc, callback) => {
        this.receive(chunk.toString('latin1'));
        if (this.blocking) this.blockedWrites.push(() => callback());
        else callback();
      },
    });
  }

  setAnswer(answer: (line: string, index: number) => FakeAnswer): void {
    this.answer = answer;
  }

  setOutput(output: (line: string, index: number) => readonly string[]): void {
    this.output = output;
  }

  /** Stop answering; answers queue until release(). */
  holdAnswers(): void {
    this.holding = true;
  }

  /** Send every held answer, then answer at once again. */
  release(): void {
    this.holding = false;
    const held = this.held.splice(0);
    for (const a of held) this.reply(a);
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Do not complete writes (the pipe is full) until unblock(). */
  block(): void {
    this.blocking = true;
  }

  unblock(): void {
    this.blocking = false;
    for (const cb of this.blockedWrites.splice(0)) cb();
  }

  /** Write a raw line to our stdin (events, show output, shutdown notice). */
  send(line: string): void {
    this.stdin.write(`${line}\n`);
  }

  /** Our stdout fails with EPIPE (ExaBGP closed its end). */
  breakPipe(): void {
    const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    this.stdout.destroy(err);
  }

  /** ExaBGP is gone: EOF on our stdin. */
  endStdin(): void {
    this.stdin.end();
  }

  /** Resolve once at least `count` lines have been received. */
  waitForLines(count: number): Promise<void> {
    if (this.lines.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private receive(text: string): void {
    this.raw += text;
    const parts = text.split('\n');
    parts.pop();
    for (const line of parts) {
      const index = this.lines.length;
      this.lines.push(line);
      const reply = { output: this.output(line, index), answer: this.answer(line, index) };
      if (reply.answer === 'none' && reply.output.length === 0) continue;
      if (this.holding) this.held.push(reply);
      else queueMicrotask(() => this.reply(reply));
    }
    this.waiters = this.waiters.filter((w) => {
      if (this.lines.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  private reply(r: Reply): void {
    if (this.stdin.writableEnded) return;
    for (const line of r.output) this.stdin.write(`${line}\n`);
    if (r.answer !== 'none') this.stdin.write(`${r.answer}\n`);
  }
}
