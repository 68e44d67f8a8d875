// The one rule for quoting input in messages (src/core/diagnostic.ts): at most 64 characters of a
// value, then `...` and its length, whatever the value is and however big.
import { describe, expect, it } from 'vitest';
import { clipText, quoteValue } from '../../../src/core/diagnostic.js';

describe('clipText', () => {
  it('keeps short text as it is', () => {
    expect(clipText('192.0.2.1')).toBe('192.0.2.1');
  });

  it('cuts long text at 64 characters with its length', () => {
    expect(clipText('a'.repeat(4 << 20))).toBe(`${'a'.repeat(64)}... (4194304 chars)`);
  });

  it('never splits a surrogate pair', () => {
    expect(clipText(`${'a'.repeat(63)}😀😀`, 64)).toBe(`${'a'.repeat(63)}... (67 chars)`);
  });
});

describe('quoteValue', () => {
  it.each([
    ['a string', '192.0.2.1', '192.0.2.1'],
    ['a number', 65536, '65536'],
    ['null', null, 'null'],
    ['a short list', [1, 'a'], '[1,"a"]'],
    ['a short mapping', { a: 1 }, '{"a":1}'],
  ])('quotes %s', (_n, v, text) => {
    expect(quoteValue(v)).toBe(text);
  });

  it('cuts a long list, saying how long it was, without rendering all of it', () => {
    const big = Array.from({ length: 1_000_000 }, (_, i) => i);
    const start = performance.now();
    const text = quoteValue(big);
    expect(performance.now() - start).toBeLessThan(50);
    expect(text).toMatch(/^\[0,1,2,.*\.\.\. \(1000000 items\)$/);
    expect(text.length).toBeLessThan(100);
  });

  it('cuts a mapping with a huge key', () => {
    expect(quoteValue({ ['k'.repeat(1 << 20)]: 1 }).length).toBeLessThan(100);
  });
});
