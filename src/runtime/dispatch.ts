// Routes each message the reader classified to the part that handles it: acks to the writer, the
// shutdown notice to the exit policy, neighbor events to the reconciler, show output to the
// `--verify` check in flight. Decides nothing itself.
import type { ExabgpMessage } from '../exabgp/io/reader.js';
import type { ExabgpWriter } from '../exabgp/io/writer.js';
import { LogField, type Logger } from './logger.js';
import type { Reconciler } from './reconciler.js';
import type { StopReason } from './shutdown.js';
import type { AdjRibVerifier } from './verifier.js';

export interface DispatchParts {
  readonly writer: ExabgpWriter;
  /** Undefined during the start-up handshake: neighbor events then change nothing. */
  readonly reconciler: Reconciler | undefined;
  readonly verifier: AdjRibVerifier | undefined;
  readonly logger: Logger;
  readonly stop: (reason: StopReason) => void;
}

export function dispatchExabgpMessage(m: ExabgpMessage, p: DispatchParts): void {
  switch (m.kind) {
    case 'ack':
      p.writer.handleAck(m.ok);
      return;
    case 'shutdown':
      p.stop('shutdown notice');
      return;
    case 'neighbor':
      p.logger.info(
        { [LogField.neighbor]: m.address, state: m.state, [LogField.reason]: m.reason },
        'neighbor',
      );
      p.reconciler?.noteNeighbor(m.address, m.state, m.reason);
      return;
    case 'text':
      // the start-up handshake's answers, show output of a --verify check in flight, or output
      // of a command we did not write (the writer then keeps the `done` ending it off our FIFO)
      if (p.writer.intercepting || p.verifier?.handleText(m.text) !== true) {
        if (!p.writer.intercepting)
          p.logger.debug({ [LogField.line]: m.text.slice(0, 200) }, 'unexpected line from exabgp');
        p.writer.handleText(m.text);
      }
      return;
    case 'oversized':
      p.logger.warn({ bytes: m.bytes }, 'dropped an oversized line from exabgp');
      return;
    case 'event':
    case 'empty':
      return;
  }
}
