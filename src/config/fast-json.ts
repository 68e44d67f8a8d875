// The fast path for JSON route documents (HTTP bodies, `plan --from-url`): JSON.parse for the value
// plus one scan for the positions of the `routes` items. Returns undefined for anything the `yaml`
// package might read differently (duplicate keys, unusual characters), so the caller falls back.
import type { FastDocument, FastPosition } from './fast-yaml.js';

/** Characters where YAML and JSON could disagree: C1 and DEL, BOM, LS/PS, a CR without LF. */
const UNSUPPORTED = /[\x7f-\x9f\u2028\u2029\ufeff]|\r(?!\n)/;

interface Scan {
  /** Strings followed by `:`: every key token in the text, duplicates included. */
  readonly keys: number;
  readonly positions: FastPosition[];
}

/** The index of the `"` closing the string opened at `at`. */
function stringEnd(text: string, at: number): number {
  let i = at + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return q;
    i = q + 1;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Count key tokens and record where each item of the top-level `routes` array starts. */
function scanJson(text: string): Scan {
  const positions: FastPosition[] = [];
  let keys = 0;
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let key = '';
  let topIsObject = false;
  let inRoutes = false;
  let expectItem = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (isSpace(c)) continue;
    if (expectItem && c !== 93) positions.push({ line, col: i - lineStart + 1 });
    expectItem = false;
    if (c === 34) {
      const end = stringEnd(text, i);
      let j = end + 1;
      while (isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) === 58) {
        keys++;
        if (depth === 1) key = text.slice(i + 1, end);
      }
      i = end;
    } else if (c === 123 || c === 91) {
      depth++;
      if (depth === 1) topIsObject = c === 123;
      if (c === 91 && depth === 2 && key === 'routes' && topIsObject) {
        inRoutes = true;
        expectItem = true;
      }
    } else if (c === 125 || c === 93) {
      if (depth === 2) inRoutes = false;
      depth--;
    } else if (c === 44 && inRoutes && depth === 2) expectItem = true;
  }
  return { keys, positions };
}

function countKeys(value: unknown): number {
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) n += countKeys(v);
    return n;
  }
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  for (const v of Object.values(value)) n += 1 + countKeys(v);
  return n;
}

/**
 * Read a JSON document the way the `yaml` package would, or undefined when unsure.
 * @example readFastJson('{"routes": []}')?.value // { routes: [] }
 */
export function readFastJson(text: string): FastDocument | undefined {
  if (UNSUPPORTED.test(text) || text.includes('__proto__')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  const scan = scanJson(text);
  // JSON.parse keeps the last of duplicate keys where `yaml` reports an error: fewer keys in the
  // value than key tokens in the text means a duplicate.
  if (scan.keys !== countKeys(value)) return undefined;
  return { value, itemPositions: new Map([['routes', scan.positions]]) };
}
