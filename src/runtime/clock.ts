// Time for the runtime, injected so tests can drive timers (vitest fake timers patch the globals this
// reads at call time). No other runtime module calls Date.now or setTimeout directly.

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle),
};

/** Resolve after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * Let the event loop run (timers, sockets, signals) before the next stage of a long piece of
 * work: a 100k-route PUT is several stages of 0.1-0.4 s each, and `/healthz` must answer within
 * 1 s meanwhile. setImmediate, not the injected clock: this is not time, only a turn.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
