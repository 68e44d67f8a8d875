// Named one-shot timers on the injected clock: setting a name again replaces its timer. Used by the
// reconcile loop for its retry, resync and verify timers; decides nothing itself.
import type { Clock, TimerHandle } from './clock.js';

export class NamedTimers {
  private readonly handles = new Map<string, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  /** Run `fn` once after `ms`, replacing any timer of the same name. */
  set(name: string, ms: number, fn: () => void): void {
    this.clear(name);
    const handle = this.clock.setTimeout(() => {
      this.handles.delete(name);
      fn();
    }, ms);
    this.handles.set(name, handle);
  }

  clear(name: string): void {
    const handle = this.handles.get(name);
    if (handle !== undefined) this.clock.clearTimeout(handle);
    this.handles.delete(name);
  }

  clearAll(): void {
    for (const handle of this.handles.values()) this.clock.clearTimeout(handle);
    this.handles.clear();
  }
}
