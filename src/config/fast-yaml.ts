// A fast reader for the plain subset of YAML that route files use: block mappings and sequences,
// one-line flow sequences, plain and quoted one-line scalars, comments. It returns undefined for
// anything else (the caller then uses the `yaml` package), so it never reports errors itself.

/** 1-based position of a node's first character, as the `yaml` package's LineCounter gives it. */
export interface FastPosition {
  readonly line: number;
  readonly col: number;
}

export interface FastDocument {
  /** What `parseDocument(text).toJS()` gives (YAML 1.2 core schema, hex ints kept as text). */
  readonly value: unknown;
  /** For each top-level key whose value is a block sequence: the position of every item. */
  readonly itemPositions: ReadonlyMap<string, readonly FastPosition[]>;
}

/** Thrown inside the reader when the text leaves the subset; never escapes this module. */
class OutsideSubset extends Error {}

const OUTSIDE = new OutsideSubset();

function outside(): never {
  throw OUTSIDE;
}

/** Characters the subset never contains: tabs, CR, control characters, BOM, NEL, LS, PS. */
// eslint-disable-next-line no-control-regex
const UNSUPPORTED_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;
const KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;
const NON_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false']);
NON_STRING_KEYS.add('False').add('FALSE').add('__proto__').add('<<');

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/**
 * The value of a plain scalar under the YAML 1.2 core schema as the loader configures `yaml`
 * (the hex-integer tag removed, so `0x...` stays a string), tag tests in the schema's order.
 * @example plainScalarValue('10') // 10
 * @example plainScalarValue('65000:1') // '65000:1'
 */
export function plainScalarValue(s: string): unknown {
  const c = s.charCodeAt(0);
  // Most route values start with a letter that no typed scalar starts with: a quick exit.
  if (c >= 97 && c <= 122 && c !== 110 && c !== 116 && c !== 102) return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return c === 116 || c === 84;
  if (OCT.test(s)) return parseInt(s.substring(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (FLOAT_SPECIAL.test(s)) {
    if (s.slice(-3).toLowerCase() === 'nan') return NaN;
    return c === 45 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

/** Indicator characters that may not start a plain scalar here (or start a form we skip). */
const BAD_PLAIN_START = new Set([...'&*!|>%@`{}],#\'"?:-[']);

/** After a complete value: only spaces, optionally then a comment preceded by a space. */
function expectLineEnd(s: string, from: number): void {
  let i = from;
  while (i < s.length && s.charCodeAt(i) === 32) i++;
  if (i === s.length) return;
  if (s.charCodeAt(i) === 35 && i > from) return;
  outside();
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  '"': '"',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '0': '\0',
};

/** A double-quoted scalar starting at `at` (the quote); returns [value, index after it]. */
function doubleQuoted(s: string, at: number): [string, number] {
  let out = '';
  let i = at + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    const b = s.indexOf('\\', i);
    if (q < 0) outside();
    if (b < 0 || b > q) return [out + s.slice(i, q), q + 1];
    out += s.slice(i, b);
    const e = s[b + 1] ?? '';
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i = b + 2;
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : 0;
    const hex = s.slice(b + 2, b + 2 + width);
    if (width === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) outside();
    out += String.fromCharCode(parseInt(hex, 16));
    i = b + 2 + width;
  }
}

/** A single-quoted scalar starting at `at`; `''` is a quote. */
function singleQuoted(s: string, at: number): [string, number] {
  let out = '';
  let i = at + 1;
  for (;;) {
    const q = s.indexOf("'", i);
    if (q < 0) outside();
    out += s.slice(i, q);
    if (s.charCodeAt(q + 1) !== 39) return [out, q + 1];
    out += "'";
    i = q + 2;
  }
}

/** A plain scalar inside a flow sequence, from `at` up to `,` or `]`. */
function flowPlain(s: string, at: number): [unknown, number] {
  let i = at;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 44 || c === 93) break; // , ]
    if (c === 91 || c === 123 || c === 125) outside(); // [ { }
    if (c === 35 && s.charCodeAt(i - 1) === 32) outside(); // a comment inside the brackets
    if (c === 58) {
      const n = s.charCodeAt(i + 1);
      if (Number.isNaN(n) || n === 32 || n === 44 || n === 91 || n === 93 || n === 123 || n === 125)
        outside();
    }
  }
  const text = s.slice(at, i).trimEnd();
  if (text === '' || BAD_PLAIN_START.has(text[0] ?? '')) outside();
  return [plainScalarValue(text), i];
}

/** A one-line flow sequence of scalars and flow sequences, starting at `at` (the `[`). */
function flowSequence(s: string, at: number): [unknown[], number] {
  const items: unknown[] = [];
  let i = at + 1;
  for (;;) {
    while (s.charCodeAt(i) === 32) i++;
    if (i >= s.length) outside();
    if (s.charCodeAt(i) === 93 && items.length === 0) return [items, i + 1];
    const [value, end] = flowItem(s, i);
    items.push(value);
    i = end;
    while (s.charCodeAt(i) === 32) i++;
    const c = s.charCodeAt(i);
    if (c === 93) return [items, i + 1];
    if (c !== 44) outside();
    i++;
  }
}

/** `{}`, the only flow mapping in the subset (what `yaml.stringify` writes for an empty one). */
function emptyFlowMap(s: string, at: number): [Record<string, unknown>, number] {
  const end = at + 1 + countSpaces(s, at + 1);
  if (s.charCodeAt(end) !== 125) outside();
  return [{}, end + 1];
}

function flowItem(s: string, at: number): [unknown, number] {
  const c = s.charCodeAt(at);
  if (c === 91) return flowSequence(s, at);
  if (c === 123) return emptyFlowMap(s, at);
  if (c === 34) return doubleQuoted(s, at);
  if (c === 39) return singleQuoted(s, at);
  return flowPlain(s, at);
}

/** A one-line value in block context starting at `at`: quoted, flow sequence or plain. */
function inlineValue(s: string, at: number): unknown {
  const c = s.charCodeAt(at);
  if (c === 34 || c === 39 || c === 91 || c === 123) {
    const [value, end] = flowItem(s, at);
    expectLineEnd(s, end);
    return value;
  }
  if (BAD_PLAIN_START.has(s[at] ?? '')) outside();
  let end = s.indexOf(' #', at);
  if (end < 0) end = s.length;
  const text = s.slice(at, end).trimEnd();
  if (text.endsWith(':') || text.includes(': ')) outside();
  return plainScalarValue(text);
}

interface Content {
  readonly indent: number;
  readonly text: string;
}

/** Recursive descent over lines; `line` is the index of the next line to look at. */
class Reader {
  private line = 0;
  readonly itemPositions = new Map<string, FastPosition[]>();

  constructor(private readonly lines: readonly string[]) {}

  /** The next line with content (skipping blank and comment lines), without consuming it. */
  peek(): Content | undefined {
    for (; this.line < this.lines.length; this.line++) {
      const text = this.lines[this.line] ?? '';
      let indent = 0;
      while (text.charCodeAt(indent) === 32) indent++;
      if (indent === text.length || text.charCodeAt(indent) === 35) continue;
      return { indent, text };
    }
    return undefined;
  }

  document(): unknown {
    const first = this.peek();
    if (first === undefined) return null;
    if (/^(?:---|\.\.\.)(?: |$)|^%/.test(first.text)) outside();
    const value = this.block(first, true);
    if (this.peek() !== undefined) outside();
    return value;
  }

  /** A block collection starting on the line `c` (not consumed yet). */
  private block(c: Content, top: boolean, record?: FastPosition[]): unknown {
    if (isSeqItem(c.text, c.indent)) return this.sequence(c.indent, record);
    return this.mapping(c.indent, c.indent, top);
  }

  /** Items `- x` at exactly `indent`. */
  private sequence(indent: number, record?: FastPosition[]): unknown[] {
    const items: unknown[] = [];
    for (let c = this.peek(); c !== undefined && c.indent >= indent; c = this.peek()) {
      if (c.indent > indent) outside();
      if (!isSeqItem(c.text, indent)) break;
      const at = indent + 1 + countSpaces(c.text, indent + 1);
      if (at === c.text.length || c.text.charCodeAt(at) === 35) {
        record?.push({ line: this.line + 1, col: indent + 1 });
        this.line++;
        items.push(this.itemOnNextLines(indent, record));
        continue;
      }
      record?.push({ line: this.line + 1, col: at + 1 });
      if (isSeqItem(c.text, at)) outside();
      if (keyEnd(c.text, at) >= 0) items.push(this.mapping(at, at, false));
      else {
        items.push(inlineValue(c.text, at));
        this.line++;
      }
    }
    return items;
  }

  /** The item of a bare `-`: a deeper mapping, or null. */
  private itemOnNextLines(indent: number, record?: FastPosition[]): unknown {
    const child = this.peek();
    if (child === undefined || child.indent <= indent) return null;
    if (isSeqItem(child.text, child.indent)) outside();
    if (record !== undefined)
      record[record.length - 1] = { line: this.line + 1, col: child.indent + 1 };
    return this.mapping(child.indent, child.indent, false);
  }

  /** Entries `key: value` at exactly `indent`; the first key starts at `first` (after `- `). */
  private mapping(indent: number, first: number, top: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let at = first;
    for (let c = this.peek(); c !== undefined; c = this.peek()) {
      const end = keyEnd(c.text, at);
      if (end < 0) outside();
      const key = c.text.slice(at, end);
      if (Object.hasOwn(out, key)) outside();
      const valueAt = end + 1 + countSpaces(c.text, end + 1);
      this.line++;
      if (valueAt === c.text.length || c.text.charCodeAt(valueAt) === 35) {
        out[key] = this.nested(indent, top ? key : undefined);
      } else {
        out[key] = inlineValue(c.text, valueAt);
      }
      const next = this.peek();
      if (next === undefined || next.indent < indent) break;
      if (next.indent > indent) outside();
      at = indent;
    }
    return out;
  }

  /** The value of `key:` with nothing after it: a deeper block, a sequence at the key's indent, or null. */
  private nested(indent: number, recordAs: string | undefined): unknown {
    const child = this.peek();
    if (child === undefined || child.indent < indent) return null;
    const seq = isSeqItem(child.text, child.indent);
    if (child.indent === indent && !seq) return null;
    let record: FastPosition[] | undefined;
    if (recordAs !== undefined && seq) this.itemPositions.set(recordAs, (record = []));
    return this.block(child, false, record);
  }
}

function countSpaces(s: string, from: number): number {
  let i = from;
  while (s.charCodeAt(i) === 32) i++;
  return i - from;
}

/** `-` followed by a space or the end of the line, at `at`. */
function isSeqItem(s: string, at: number): boolean {
  if (s.charCodeAt(at) !== 45) return false;
  const n = s.charCodeAt(at + 1);
  return Number.isNaN(n) || n === 32;
}

/** The index of the `:` ending a simple string key at `at`, or -1 when the line is not `key:`. */
function keyEnd(s: string, at: number): number {
  const colon = s.indexOf(':', at);
  if (colon < 0) return -1;
  const n = s.charCodeAt(colon + 1);
  if (!Number.isNaN(n) && n !== 32) return -1;
  const key = s.slice(at, colon);
  return KEY.test(key) && !NON_STRING_KEYS.has(key) ? colon : -1;
}

/**
 * Read `text` if it lies in the subset; undefined otherwise (use the `yaml` package then).
 * @example readFastYaml('routes:\n  - prefix: 10.0.0.0/8\n')?.value // { routes: [{ prefix: '10.0.0.0/8' }] }
 */
export function readFastYaml(text: string): FastDocument | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined;
  const reader = new Reader(text.split('\n'));
  try {
    const value = reader.document();
    return { value, itemPositions: reader.itemPositions };
  } catch (err) {
    if (err === OUTSIDE) return undefined;
    throw err;
  }
}
