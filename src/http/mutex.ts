// A promise-chain mutex: runs read-check-write sections on the api source one at a time, so a
// conditional PUT (If-Match) can never interleave with another edit. No timers, no I/O.

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Run `section` after every section queued before it; its result or error is passed through. */
  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
