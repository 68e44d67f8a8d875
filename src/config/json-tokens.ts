// The tokens of JSON text, one at a time and without allocating: strings, numbers, and what to
// call a character that is not where it may be. Used by json-scan.ts; pure.

export function describeChar(text: string, at: number): string {
  if (at >= text.length) return 'unexpected end of json input';
  const c = text.codePointAt(at) ?? 0;
  if (c < 0x20 || c === 0x7f) return `unexpected character U+${c.toString(16).padStart(4, '0')}`;
  return `unexpected character '${String.fromCodePoint(c)}'`;
}

/** Index after the string whose quote is at `at`, or the negated index of its bad character - 1. */
export function stringEnd(text: string, at: number): number {
  const n = text.length;
  for (let j = at + 1; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 34) return j + 1;
    if (c < 32) return -j - 1;
    if (c === 92) {
      const e = text.charCodeAt(j + 1);
      if (e === 117) {
        for (let k = j + 2; k < j + 6; k++) {
          const h = text.charCodeAt(k) | 32;
          if (!((h >= 48 && h <= 57) || (h >= 97 && h <= 102))) return -k - 1;
        }
        j += 5;
      } else if (
        e === 34 ||
        e === 92 ||
        e === 47 ||
        e === 98 ||
        e === 102 ||
        e === 110 ||
        e === 114 ||
        e === 116
      )
        j++;
      else return -j - 2;
    }
  }
  return -n - 1;
}

/** Index after the number at `at` (JSON grammar), or -1. */
export function numberEnd(text: string, at: number): number {
  let j = at;
  if (text.charCodeAt(j) === 45) j++;
  let c = text.charCodeAt(j);
  if (c === 48) c = text.charCodeAt(++j);
  else if (c >= 49 && c <= 57) while (c >= 48 && c <= 57) c = text.charCodeAt(++j);
  else return -1;
  if (c === 46) {
    const from = ++j;
    for (c = text.charCodeAt(j); c >= 48 && c <= 57;) c = text.charCodeAt(++j);
    if (j === from) return -1;
  }
  if (c === 101 || c === 69) {
    c = text.charCodeAt(++j);
    if (c === 43 || c === 45) c = text.charCodeAt(++j);
    const from = j;
    while (c >= 48 && c <= 57) c = text.charCodeAt(++j);
    if (j === from) return -1;
  }
  return j;
}

/** Keys in a JSON.parse value (iteratively: never trust the depth of a value). */
export function countKeys(value: unknown): number {
  let n = 0;
  const todo: unknown[] = [value];
  while (todo.length > 0) {
    const v = todo.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') todo.push(x);
      continue;
    }
    for (const x of Object.values(v)) {
      n++;
      if (x !== null && typeof x === 'object') todo.push(x);
    }
  }
  return n;
}
