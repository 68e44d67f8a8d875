import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ttyProgress } from '../../../src/cli/progress-tty.js';

function stream(tty: boolean): { s: PassThrough & { isTTY?: boolean }; out: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (tty) s.isTTY = true;
  let text = '';
  s.setEncoding('utf8').on('data', (c: string) => (text += c));
  return { s, out: () => text };
}

describe('ttyProgress', () => {
  it('rewrites one line at most every 2 s on a terminal and erases it at the end', async () => {
    const { s, out } = stream(true);
    let t = 0;
    const p = ttyProgress(s, () => t);
    p.update(() => 'loading 1/3 files');
    t = 2500;
    p.update(() => 'loading 2/3 files');
    t = 3000;
    p.update(() => 'loading 3/3 files');
    p.done();
    await new Promise((r) => setImmediate(r));
    expect(out()).toBe('\r\u001b[Kloading 2/3 files (3 s)\r\u001b[K');
  });

  it('prints nothing when stderr is not a terminal', async () => {
    const { s, out } = stream(false);
    let t = 0;
    const p = ttyProgress(s, () => t);
    t = 10_000;
    p.update(() => 'loading');
    p.done();
    await new Promise((r) => setImmediate(r));
    expect(out()).toBe('');
  });
});
