// A fast reader for the plain subset of YAML that route files use: block mappings and sequences,
// one-line flow sequences, plain and quoted one-line scalars, comments, CRLF, a leading BOM or `---`.
// It declines anything else (the caller then uses the `yaml` package), so it never reports errors
// itself; where it reads a document, value and positions are exactly what the `yaml` package gives.
import { MAX_MAPPING_KEYS, MAX_NESTING } from './limits.js';
import { DOCUMENT_START, Lines, UNSUPPORTED_CHARS, type Content } from './fast-yaml-lines.js';
import { PathTrie, type LocatedDocument, type LocateRequest, type Position } from './locate.js';
import {
  OUTSIDE,
  blockPlain,
  countSpaces,
  doubleQuoted,
  expectLineEnd,
  flowPlain,
  isSeqItem,
  keyEnd,
  outside,
  singleQuoted,
  type Cursor,
} from './fast-yaml-scalars.js';

export { plainScalarValue } from './fast-yaml-scalars.js';

/** 1-based position of a node's first character, as the `yaml` package's LineCounter gives it. */
export type FastPosition = Position;

export interface FastDocument extends LocatedDocument {
  /** What the `yaml` package reads (YAML 1.2 core schema, hex ints kept as text). */
  readonly value: unknown;
  /** `routes`: the position of each item of the top-level `routes` sequence (0:0 if not a mapping). */
  readonly itemPositions: ReadonlyMap<string, readonly FastPosition[]>;
}

/**
 * Where and why the reader stopped: `nesting` (too deep) or `wide` (a mapping with too many keys)
 * when the document cannot be read by any reader, `subset` when the `yaml` package may read it.
 */
export interface FastDecline {
  readonly declined: true;
  readonly line: number;
  readonly col: number;
  readonly reason: 'nesting' | 'wide' | 'subset';
}

/** Recursive descent over lines; positions go to `trie` (when locating) and `entries`. */
class Reader {
  private depth = 0;
  private readonly cur: Cursor = { end: 0 };
  /**
   * Positions of the items of the top-level block sequence `routes`, one number each
   * (line * 2^21 + col, 0 for an item that is not a mapping: only mappings can be entries).
   */
  readonly entries: number[] = [];
  /** Where and why the document cannot be read at all (too deep, too wide). */
  stopAt: { at: Position; reason: 'nesting' | 'wide' } | undefined;

  constructor(
    private readonly lines: Lines,
    private readonly trie: PathTrie | undefined,
  ) {}

  pos(index: number): Position {
    return { line: this.lines.number, col: index + 1 + this.lines.base };
  }

  /** The position of `index` on the current line as one number (see `entries`). */
  private packed(index: number): number {
    return this.lines.number * 2 ** 21 + Math.min(index + 1 + this.lines.base, 2 ** 21 - 1);
  }

  /** Record the node at `index` of the current line in `t`; stop once all nodes are located. */
  private record(t: PathTrie, index: number): void {
    if (t.record(this.lines.number, index + 1 + this.lines.base)) throw LOCATED;
  }

  private recordAt(t: PathTrie, at: Position): void {
    if (t.record(at.line, at.col)) throw LOCATED;
  }

  /** The next line with content (skipping blank and comment lines), without consuming it. */
  peek(): Content | undefined {
    for (const l = this.lines; !l.done; l.advance()) {
      const indent = countSpaces(l.text, 0);
      if (indent === l.text.length || l.text.charCodeAt(indent) === 35) continue;
      return { indent, text: l.text };
    }
    return undefined;
  }

  private consume(): void {
    this.lines.advance();
  }

  private enter(index: number): void {
    if (++this.depth > MAX_NESTING) {
      this.stopAt = { at: this.pos(index), reason: 'nesting' };
      outside();
    }
  }

  document(): unknown {
    let first = this.peek();
    if (first !== undefined && first.indent === 0 && DOCUMENT_START.test(first.text)) {
      this.consume();
      first = this.peek();
      if (first === undefined) outside(); // `---` and nothing: yaml places its null oddly
    }
    if (first === undefined) return null;
    if (/^(?:---|\.\.\.)(?: |$)|^%/.test(first.text)) outside();
    // yaml counts a BOM as a column of the first line: `\ufeff- a` and `\ufeff  a: 1` are errors
    if (this.lines.base === 1 && (first.indent > 0 || isSeqItem(first.text, 0))) outside();
    if (this.trie !== undefined) this.record(this.trie, first.indent);
    const value = this.block(first, this.trie, true);
    if (this.peek() !== undefined) outside();
    return value;
  }

  /** A block collection starting on the line `c` (not consumed yet). */
  private block(c: Content, t: PathTrie | undefined, top: boolean, record?: number[]): unknown {
    if (isSeqItem(c.text, c.indent)) return this.sequence(c.indent, t, record);
    return this.mapping(c.indent, c.indent, top, t);
  }

  /** Items `- x` at exactly `indent`. */
  private sequence(indent: number, t: PathTrie | undefined, record?: number[]): unknown[] {
    this.enter(indent);
    const items: unknown[] = [];
    for (let c = this.peek(); c !== undefined && c.indent >= indent; c = this.peek()) {
      if (c.indent > indent) outside();
      if (!isSeqItem(c.text, indent)) break;
      const ct = t?.child(items.length);
      const at = indent + 1 + countSpaces(c.text, indent + 1);
      let value: unknown;
      if (at === c.text.length || c.text.charCodeAt(at) === 35) {
        const nullAt = this.pos(at);
        this.consume();
        const child = this.peek();
        if (child !== undefined && child.indent > indent) {
          if (isSeqItem(child.text, child.indent)) outside();
          record?.push(this.packed(child.indent));
          if (ct !== undefined) this.record(ct, child.indent);
          value = this.mapping(child.indent, child.indent, false, ct);
        } else {
          record?.push(0);
          if (ct !== undefined) this.recordAt(ct, nullAt);
          value = null;
        }
      } else {
        if (ct !== undefined) this.record(ct, at);
        if (isSeqItem(c.text, at)) outside();
        if (keyEnd(c.text, at) >= 0) {
          record?.push(this.packed(at));
          value = this.mapping(at, at, false, ct);
        } else {
          record?.push(0);
          value = this.inline(c.text, at, ct);
          this.consume();
        }
      }
      items.push(value);
    }
    this.depth--;
    return items;
  }

  /** Entries `key: value` at exactly `indent`; the first key starts at `first` (after `- `). */
  private mapping(
    indent: number,
    first: number,
    top: boolean,
    t: PathTrie | undefined,
  ): Record<string, unknown> {
    this.enter(first);
    const out: Record<string, unknown> = {};
    let at = first;
    let keys = 0;
    for (let c = this.peek(); c !== undefined; c = this.peek()) {
      const end = keyEnd(c.text, at);
      if (end < 0) outside();
      if (++keys > MAX_MAPPING_KEYS) {
        this.stopAt = { at: this.pos(at), reason: 'wide' };
        outside();
      }
      const key = c.text.slice(at, end);
      if (Object.hasOwn(out, key)) outside();
      const ct = t?.child(key);
      ct?.recordKey(this.lines.number, at + 1 + this.lines.base);
      const valueAt = end + 1 + countSpaces(c.text, end + 1);
      if (valueAt === c.text.length || c.text.charCodeAt(valueAt) === 35) {
        const nullAt = this.pos(valueAt);
        this.consume();
        out[key] = this.nested(indent, nullAt, ct, top && key === 'routes');
      } else {
        if (ct !== undefined) this.record(ct, valueAt);
        out[key] = this.inline(c.text, valueAt, ct);
        this.consume();
      }
      const next = this.peek();
      if (next === undefined || next.indent < indent) break;
      if (next.indent > indent) outside();
      at = indent;
    }
    this.depth--;
    return out;
  }

  /** The value of `key:` with nothing after it: a deeper block, a sequence at the key's indent, or null. */
  private nested(
    indent: number,
    nullAt: Position,
    t: PathTrie | undefined,
    routes: boolean,
  ): unknown {
    const child = this.peek();
    const seq = child !== undefined && isSeqItem(child.text, child.indent);
    if (child === undefined || child.indent < indent || (child.indent === indent && !seq)) {
      if (t !== undefined) this.recordAt(t, nullAt);
      return null;
    }
    if (t !== undefined) this.record(t, child.indent);
    return this.block(child, t, false, seq && routes ? this.entries : undefined);
  }

  /** A one-line value in block context starting at `at`: quoted, flow sequence or plain. */
  private inline(s: string, at: number, t: PathTrie | undefined): unknown {
    const c = s.charCodeAt(at);
    if (c === 34 || c === 39 || c === 91 || c === 123) {
      const value = this.flowItem(s, at, t);
      expectLineEnd(s, this.cur.end);
      return value;
    }
    return blockPlain(s, at);
  }

  /** A flow item at `at`; `this.cur.end` is then the index after it. */
  private flowItem(s: string, at: number, t: PathTrie | undefined): unknown {
    const c = s.charCodeAt(at);
    if (c === 91) return this.flowSequence(s, at, t);
    if (c === 123) {
      // `{}`, the only flow mapping in the subset (what `yaml.stringify` writes for an empty one)
      const end = at + 1 + countSpaces(s, at + 1);
      if (s.charCodeAt(end) !== 125) outside();
      this.enter(at);
      this.depth--;
      this.cur.end = end + 1;
      return {};
    }
    if (c === 34) return doubleQuoted(s, at, this.cur);
    if (c === 39) return singleQuoted(s, at, this.cur);
    return flowPlain(s, at, this.cur);
  }

  /** A one-line flow sequence of scalars and flow sequences, starting at `at` (the `[`). */
  private flowSequence(s: string, at: number, t: PathTrie | undefined): unknown[] {
    this.enter(at);
    const items: unknown[] = [];
    let i = at + 1 + countSpaces(s, at + 1);
    if (i >= s.length) outside();
    if (s.charCodeAt(i) !== 93) {
      for (;;) {
        const ct = t?.child(items.length);
        if (ct !== undefined) this.record(ct, i);
        items.push(this.flowItem(s, i, ct));
        i = this.cur.end + countSpaces(s, this.cur.end);
        const c = s.charCodeAt(i);
        if (c === 93) break;
        if (c !== 44) outside();
        i = i + 1 + countSpaces(s, i + 1);
      }
    }
    this.depth--;
    this.cur.end = i + 1;
    return items;
  }
}

/** Thrown when every node asked for is located: the rest of the document need not be read. */
const LOCATED = new Error('located');

interface Read {
  readonly value: unknown;
  readonly entries: readonly number[];
}

function run(text: string, trie: PathTrie | undefined): Read | FastDecline {
  const lines = new Lines(text);
  const reader = new Reader(lines, trie);
  try {
    if (UNSUPPORTED_CHARS.test(text)) outside();
    return { value: reader.document(), entries: reader.entries };
  } catch (err) {
    if (err === LOCATED) return { value: undefined, entries: [] };
    if (err !== OUTSIDE) throw err;
    const { at, reason } = reader.stopAt ?? {
      at: { line: lines.number, col: 1 },
      reason: 'subset',
    };
    return { declined: true, line: at.line, col: at.col, reason };
  }
}

/**
 * Read `text` if it lies in the subset, else say where the reader stopped. Declining is always
 * safe: the `yaml` package then reads the text.
 * @example scanFastYaml('routes:\n  - prefix: 10.0.0.0/8\n').value // { routes: [{ prefix: '10.0.0.0/8' }] }
 */
export function scanFastYaml(text: string): FastDocument | FastDecline {
  const read = run(text, undefined);
  if ('declined' in read) return read;
  const { value, entries } = read;
  const at = (n: number): Position => ({ line: Math.floor(n / 2 ** 21), col: n % 2 ** 21 });
  return {
    value,
    get itemPositions(): ReadonlyMap<string, readonly FastPosition[]> {
      return new Map([['routes', entries.map(at)]]);
    },
    entryPosition: (i) => at(entries[i] ?? 0),
    locate: (requests: readonly LocateRequest[]) => {
      const trie = PathTrie.of(requests);
      if ('declined' in run(text, trie))
        throw new Error('BUG: fast yaml reader is not deterministic');
      return trie.resolve(requests, { line: 1, col: 1 });
    },
  };
}

/**
 * Read `text` if it lies in the subset; undefined otherwise (use the `yaml` package then).
 * @example readFastYaml('routes:\n  - prefix: 10.0.0.0/8\n')?.value // { routes: [{ prefix: '10.0.0.0/8' }] }
 */
export function readFastYaml(text: string): FastDocument | undefined {
  const doc = scanFastYaml(text);
  return 'declined' in doc ? undefined : doc;
}
