import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat } from '../../../src/runtime/logger.js';

function capture(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out };
}

describe('createLogger', () => {
  it.each<[LogFormat, RegExp]>([
    ['json', /^\{"level":30,.*"name":"exabgp-reconciler".*"msg":"hello"\}\n$/],
    ['pretty', /^\[[0-9:.]+\] INFO \(exabgp-reconciler\): hello\n$/],
  ])('writes %s lines to the given stream', async (format, expected) => {
    const { stream, text } = capture();
    const logger = createLogger({ level: 'info', format, stream });
    logger.info('hello');
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toMatch(expected);
  });
});
