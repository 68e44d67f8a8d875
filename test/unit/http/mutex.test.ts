// The api-source mutex runs sections one at a time, in order, and survives a failing section.
import { describe, expect, it } from 'vitest';
import { Mutex } from '../../../src/http/mutex.js';

describe('Mutex', () => {
  it('never overlaps sections and keeps their order', async () => {
    const lock = new Mutex();
    const events: string[] = [];
    const section = (name: string, ms: number) => () =>
      new Promise<string>((resolve) => {
        events.push(`start ${name}`);
        setTimeout(() => {
          events.push(`end ${name}`);
          resolve(name);
        }, ms);
      });
    const results = await Promise.all([
      lock.run(section('a', 20)),
      lock.run(section('b', 1)),
      lock.run(section('c', 5)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs the next section after one that failed', async () => {
    const lock = new Mutex();
    const failed = lock.run(() => Promise.reject(new Error('x')));
    const next = lock.run(() => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('x');
    await expect(next).resolves.toBe('ok');
  });
});
