// The exit sequence of `run`: why we stop, and stopping in order (the reconcile in flight settles,
// then `--withdraw-on-exit` withdraws what the ledger holds), each step bounded by the exit timeout.
// Routes are kept by default: a restart must not flap the network.
import type { Readable } from 'node:stream';
import { sleep, type Clock } from './clock.js';
import { startExabgpReader } from '../exabgp/io/reader.js';
import type { ExabgpWriter } from '../exabgp/io/writer.js';
import type { Logger } from './logger.js';
import type { Reconciler } from './reconciler.js';

export type StopReason =
  'stdin closed' | 'shutdown notice' | 'SIGTERM' | 'SIGINT' | 'stdout closed';

export interface ShutdownParts {
  readonly writer: ExabgpWriter;
  readonly reconciler: Reconciler;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface ShutdownOptions {
  readonly exitTimeoutMs: number;
  readonly withdrawOnExit: boolean;
}

/** Stop for `reason`. Only a signal (ExaBGP still listening) may write more (the withdraws). */
export async function shutdownSequence(
  reason: StopReason,
  options: ShutdownOptions,
  p: ShutdownParts,
): Promise<void> {
  const signal = reason === 'SIGTERM' || reason === 'SIGINT';
  if (!signal) p.writer.close(reason); // ExaBGP is gone or going: write nothing more
  const deadline = sleep(p.clock, options.exitTimeoutMs).then(() => 'timeout' as const);
  // SIGTERM: the reconcile in flight stops writing; lines in flight get their acks (bounded).
  if ((await Promise.race([p.reconciler.stop(), deadline])) === 'timeout') {
    p.writer.close('exit timeout');
    await p.reconciler.stop();
  }
  if (!signal || !options.withdrawOnExit || p.writer.closed) return;
  p.logger.info('withdrawing every announced route before exit (--withdraw-on-exit)');
  const left = sleep(p.clock, options.exitTimeoutMs).then(() => 'timeout' as const);
  const withdrawn = p.reconciler.withdrawAll();
  if ((await Promise.race([withdrawn, left])) === 'timeout') {
    p.logger.warn('withdraw on exit timed out; unanswered routes stay pending');
    p.writer.close('exit timeout');
  }
  await withdrawn;
}

/**
 * Resolve when ExaBGP ends us: its shutdown notice or stdin EOF. A fatal problem under ExaBGP waits
 * here instead of exiting: ExaBGP respawns a helper 5 times, then exits itself (exabgp-api.md §12.3).
 */
export function waitForExabgpStop(stdin: Readable): Promise<void> {
  return new Promise<void>((resolve) => {
    const stopReader = startExabgpReader(stdin, {
      onMessage: (m) => {
        if (m.kind === 'shutdown') {
          stopReader();
          resolve();
        }
      },
      onEnd: () => resolve(),
    });
  });
}
