// Progress of a long `plan` on a terminal's stderr: one line rewritten in place at most every 2 s,
// erased when done. Nothing when stderr is not a terminal (CI logs, pipes), and never on stdout,
// which is the plan itself.
import type { Writable } from 'node:stream';

export interface TtyProgress {
  /** `loading routes.d: 120/1000 files`; printed only when 2 s passed since the last line. */
  update(text: () => string): void;
  /** Erase the line (if one was printed). */
  done(): void;
}

const NONE: TtyProgress = { update: () => undefined, done: () => undefined };

/** Progress on `stream` when it is a terminal; otherwise a no-op. `now` is injected for tests. */
export function ttyProgress(
  stream: Writable & { isTTY?: boolean },
  now: () => number = Date.now,
  everyMs = 2000,
): TtyProgress {
  if (stream.isTTY !== true) return NONE;
  const started = now();
  let last = started;
  let shown = false;
  return {
    update(text) {
      const t = now();
      if (t - last < everyMs) return;
      last = t;
      shown = true;
      stream.write(`\r\u001b[K${text()} (${((t - started) / 1000).toFixed(0)} s)`);
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}
