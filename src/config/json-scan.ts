// One linear, non-recursive pass over JSON text: the JSON grammar (so a syntax error gets a
// line:col), nesting depth, the number of key tokens, where the top-level `routes` items start, and
// on request duplicate keys and the positions of given paths. JSON.parse builds the value; this
// only looks. One tight loop with its state in locals: it runs over every byte of a 32 MiB body.
import { MAX_NESTING } from './limits.js';
import { describeChar, numberEnd, stringEnd } from './json-tokens.js';
import type { PathTrie } from './locate.js';

export { countKeys } from './json-tokens.js';

export interface JsonProblem {
  readonly kind: 'syntax' | 'nesting' | 'duplicate' | 'dense' | 'wide';
  readonly offset: number;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export interface JsonScan {
  readonly problem: JsonProblem | undefined;
  /** Key tokens in the text, duplicates included. */
  readonly keys: number;
  /** Values (scalars and collections) scanned. */
  readonly values: number;
  /**
   * Where each object item of the top-level object's `routes` array starts, flat: its index among
   * the items, line, column, then the next object's (only objects can be entries).
   */
  readonly entries: readonly number[];
}

export interface JsonScanOptions {
  /** Report the first key that repeats in its object (the value then lacks the earlier one). */
  readonly duplicates?: boolean;
  /** Record the positions of the nodes on these paths (the scan stops once all are found). */
  readonly trie?: PathTrie;
  /** Stop with a `dense` problem after this many values (before anyone builds them). */
  readonly maxValues?: number;
  /** Record where the `routes` items start (`entries`). */
  readonly entries?: boolean;
  /** Stop with a `wide` problem at an object with more keys (JSON.parse is slow on those). */
  readonly maxKeys?: number;
}

function failAt(
  line: number,
  lineStart: number,
  keys: number,
  entries: number[],
  kind: JsonProblem['kind'],
  at: number,
  message: string,
): JsonScan {
  const problem = { kind, offset: at, line, col: at - lineStart + 1, message };
  return { problem, keys, values: 0, entries };
}

const VALUE = 0;
const AFTER = 1;
const KEY = 2;

/** Scan `text`; the first problem found stops the scan. */
export function scanJson(text: string, options: JsonScanOptions = {}): JsonScan {
  const n = text.length;
  const dups = options.duplicates === true;
  const want = options.trie !== undefined;
  const entries: number[] = [];
  // one slot per depth (at most MAX_NESTING): no push or pop per collection
  const arrays: boolean[] = new Array<boolean>(MAX_NESTING + 1).fill(false);
  const counts: number[] = new Array<number>(MAX_NESTING + 1).fill(0);
  const tries: (PathTrie | undefined)[] = new Array<PathTrie | undefined>(MAX_NESTING + 1);
  const sets: (Set<string> | undefined)[] = new Array<Set<string> | undefined>(MAX_NESTING + 1);
  let trie = options.trie;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let keys = 0;
  let values = 0;
  /** A problem at `at`, with the position and counts reached so far. */
  const fail = (kind: JsonProblem['kind'], at: number, message: string): JsonScan =>
    failAt(line, lineStart, keys, entries, kind, at, message);
  const maxValues = options.maxValues ?? Number.POSITIVE_INFINITY;
  const maxKeys = options.maxKeys ?? Number.POSITIVE_INFINITY;
  let depth = 0;
  const wantEntries = options.entries === true;
  let routesKey = false;
  let routesDepth = -1;
  let state = VALUE;
  for (;;) {
    let c = text.charCodeAt(i);
    while (c === 32 || c === 10 || c === 13 || c === 9) {
      if (c === 10) {
        line++;
        lineStart = i + 1;
      }
      c = text.charCodeAt(++i);
    }
    if (state === VALUE) {
      if (want) {
        if (trie !== undefined && trie.record(line, i - lineStart + 1))
          return { problem: undefined, keys, values, entries };
      }
      if (++values > maxValues) return fail('dense', i, `more than ${maxValues} values`);
      // only an object can be an entry: the others need no position
      if (depth === routesDepth && c === 123) entries.push(counts[1] ?? 0, line, i - lineStart + 1);
      if (c === 123 || c === 91) {
        if (depth >= MAX_NESTING)
          return fail('nesting', i, `nested deeper than ${MAX_NESTING} levels`);
        const array = c === 91;
        c = text.charCodeAt(++i);
        while (c === 32 || c === 10 || c === 13 || c === 9) {
          if (c === 10) {
            line++;
            lineStart = i + 1;
          }
          c = text.charCodeAt(++i);
        }
        if (c === (array ? 93 : 125)) {
          i++;
          state = AFTER;
          continue;
        }
        if (array && depth === 1 && routesKey && wantEntries) routesDepth = 2;
        arrays[depth] = array;
        counts[depth] = 0;
        tries[depth] = trie;
        sets[depth] = dups && !array ? new Set() : undefined;
        depth++;
        if (array) {
          trie = trie?.child(0);
          state = VALUE;
        } else state = KEY;
        continue;
      }
      let end: number;
      if (c === 34) {
        end = stringEnd(text, i);
        if (end < 0) return fail('syntax', -end - 1, `bad string: ${describeChar(text, -end - 1)}`);
      } else if (c === 45 || (c >= 48 && c <= 57)) end = numberEnd(text, i);
      else if (c === 116 && text.startsWith('true', i)) end = i + 4;
      else if (c === 102 && text.startsWith('false', i)) end = i + 5;
      else if (c === 110 && text.startsWith('null', i)) end = i + 4;
      else end = -1;
      if (end < 0) return fail('syntax', i, describeChar(text, i));
      i = end;
      state = AFTER;
      continue;
    }
    if (state === KEY) {
      if (c !== 34) return fail('syntax', i, `${describeChar(text, i)}, expected a key`);
      const at = i;
      const end = stringEnd(text, i);
      if (end < 0) return fail('syntax', -end - 1, `bad string: ${describeChar(text, -end - 1)}`);
      keys++;
      const frame = depth - 1;
      const width = (counts[frame] ?? 0) + 1;
      counts[frame] = width;
      if (width > maxKeys) return fail('wide', at, `an object with more than ${maxKeys} keys`);
      const parent = tries[frame];
      const set = sets[frame];
      if (depth === 1 || set !== undefined || (parent !== undefined && parent.children.size > 0)) {
        const name = JSON.parse(text.slice(at, end)) as string;
        if (depth === 1) routesKey = name === 'routes';
        if (set !== undefined) {
          if (set.has(name))
            return fail('duplicate', at, `duplicate key ${JSON.stringify(name.slice(0, 64))}`);
          set.add(name);
        }
        trie = parent?.child(name);
        trie?.recordKey(line, at - lineStart + 1);
      } else trie = undefined;
      i = end;
      c = text.charCodeAt(i);
      while (c === 32 || c === 10 || c === 13 || c === 9) {
        if (c === 10) {
          line++;
          lineStart = i + 1;
        }
        c = text.charCodeAt(++i);
      }
      if (c !== 58) return fail('syntax', i, `${describeChar(text, i)}, expected ':'`);
      i++;
      state = VALUE;
      continue;
    }
    // AFTER a value: `,`, a closing bracket, or the end
    if (depth === 0) {
      if (i < n) return fail('syntax', i, `${describeChar(text, i)} after the json value`);
      return { problem: undefined, keys, values, entries };
    }
    const array = arrays[depth - 1] === true;
    if (c === 44) {
      i++;
      if (array) {
        const count = (counts[depth - 1] ?? 0) + 1;
        counts[depth - 1] = count;
        trie = tries[depth - 1]?.child(count);
        state = VALUE;
      } else state = KEY;
      continue;
    }
    if (c === (array ? 93 : 125)) {
      i++;
      if (depth-- === routesDepth) routesDepth = -1;
      tries[depth] = undefined;
      sets[depth] = undefined;
      continue;
    }
    return fail('syntax', i, `${describeChar(text, i)}, expected ',' or '${array ? ']' : '}'}'`);
  }
}
