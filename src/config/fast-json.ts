// JSON route documents. readStrictJson: a body sent as JSON (HTTP `application/json`, `plan
// --from-url`) with JSON.parse semantics, except that a repeated key is an error rather than "the
// last one wins". readFastJson: JSON text inside a YAML document, read by JSON.parse when the
// `yaml` package would read it the same (the fast path), else declined. Positions from json-scan.ts.
import type { FastDocument, FastPosition } from './fast-yaml.js';
import { countKeys, scanJson, type JsonProblem } from './json-scan.js';
import { MAX_MAPPING_KEYS, valueBudget } from './limits.js';
import { PathTrie, type LocateRequest } from './locate.js';

/** The position of routes item `index` in scanJson's flat (index, line, col) triples. */
function entryAt(flat: readonly number[], index: number): FastPosition {
  let lo = 0;
  let hi = flat.length / 3 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = flat[3 * mid] ?? 0;
    if (at === index) return { line: flat[3 * mid + 1] ?? 0, col: flat[3 * mid + 2] ?? 0 };
    if (at < index) lo = mid + 1;
    else hi = mid - 1;
  }
  return { line: 0, col: 0 };
}

/** A read JSON document; entry positions take one more scan, on first use (valid documents). */
function located(text: string, value: unknown): FastDocument {
  let entries: readonly number[] | undefined;
  const flatEntries = (): readonly number[] =>
    (entries ??= scanJson(text, { entries: true }).entries);
  return {
    value,
    get itemPositions(): ReadonlyMap<string, readonly FastPosition[]> {
      const n = Array.isArray((value as { routes?: unknown } | null)?.routes)
        ? (value as { routes: unknown[] }).routes.length
        : 0;
      const flat = flatEntries();
      return new Map([['routes', Array.from({ length: n }, (_, i) => entryAt(flat, i))]]);
    },
    entryPosition: (i) => entryAt(flatEntries(), i),
    locate: (requests: readonly LocateRequest[]) => {
      const trie = PathTrie.of(requests);
      scanJson(text, { trie });
      return trie.resolve(requests, { line: 1, col: 1 });
    },
  };
}

/** JSON.parse's own message, without the copy of the input some of them quote. */
function parseProblem(err: unknown): JsonProblem {
  const raw = err instanceof Error ? err.message : String(err);
  const at = /at position (\d+)/.exec(raw);
  const message = raw
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .toLowerCase();
  const offset = at === null ? 0 : Number(at[1]);
  return { kind: 'syntax', offset, line: 0, col: 0, message };
}

/** Only JSON white space (or nothing): an empty document, which the caller reports. */
const BLANK = /^[ \t\r\n]*$/;

/**
 * Strict JSON: the value JSON.parse gives, or the first problem with its line:col (syntax, nesting
 * past MAX_NESTING, a duplicate key). A leading BOM is ignored, as RFC 8259 allows.
 * @example (readStrictJson('{"routes": []}') as FastDocument).value // { routes: [] }
 */
export function readStrictJson(input: string, bytes: number): FastDocument | JsonProblem {
  const text = input.charCodeAt(0) === 0xfeff ? ` ${input.slice(1)}` : input;
  if (BLANK.test(text)) return located('', undefined);
  const scan = scanJson(text, { maxValues: valueBudget(bytes), maxKeys: MAX_MAPPING_KEYS });
  if (scan.problem !== undefined) return scan.problem;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    return parseProblem(err); // the scanner accepted what JSON.parse did not: never seen, but safe
  }
  if (scan.keys !== countKeys(value)) {
    const dup = scanJson(text, { duplicates: true }).problem;
    if (dup !== undefined) return dup;
  }
  return located(text, value);
}

/**
 * Where YAML and JSON could disagree: C1 and DEL, BOM, LS/PS, a CR without LF, and a tab before
 * the value (YAML takes it for indentation, an error; inside the brackets tabs are fine).
 */
const UNSUPPORTED = /[\x7f-\x9f\u2028\u2029\ufeff]|\r(?!\n)|^[ \r\n]*\t/;

/**
 * JSON text in a YAML document, read the way the `yaml` package would: undefined when unsure
 * (invalid JSON, duplicate keys, unusual characters), a problem when too deep or dense to read.
 * @example (readFastJson('{"routes": []}') as FastDocument).value // { routes: [] }
 */
export function readFastJson(text: string, bytes: number): FastDocument | JsonProblem | undefined {
  if (UNSUPPORTED.test(text) || text.includes('__proto__')) return undefined;
  const scan = scanJson(text, { maxValues: valueBudget(bytes), maxKeys: MAX_MAPPING_KEYS });
  const kind = scan.problem?.kind;
  if (kind === 'nesting' || kind === 'dense' || kind === 'wide') return scan.problem;
  if (kind !== undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  // JSON.parse keeps the last of duplicate keys where `yaml` reports an error: fewer keys in the
  // value than key tokens in the text means a duplicate.
  if (scan.keys !== countKeys(value)) return undefined;
  return located(text, value);
}
