// Scalars of the plain YAML subset the fast reader accepts (fast-yaml.ts): typed plain scalars
// under the YAML 1.2 core schema, one-line quoted scalars, and the small lexical helpers. Every
// helper throws OUTSIDE for text it is not sure about; the reader then leaves the document to the
// `yaml` package. Pure string functions.

/** Thrown when the text leaves the subset; caught by the reader, never escapes it. */
export class OutsideSubset extends Error {}

export const OUTSIDE = new OutsideSubset('outside the plain yaml subset');

export function outside(): never {
  throw OUTSIDE;
}

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
export const BAD_PLAIN_START = new Set([...'&*!|>%@`{}],#\'"?:-[']);

/**
 * `s` without trailing spaces. Only U+0020: YAML's white space is space and tab (tabs are outside
 * the subset), and String#trimEnd would also eat U+00A0, U+2000-U+200A, U+3000 and more, which
 * YAML keeps as part of the scalar (`10.0.0.0/8\u00a0` is not a prefix).
 */
export function trimSpaces(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  return end === s.length ? s : s.slice(0, end);
}

export function countSpaces(s: string, from: number): number {
  let i = from;
  while (s.charCodeAt(i) === 32) i++;
  return i - from;
}

/** After a complete value: only spaces, optionally then a comment preceded by a space. */
export function expectLineEnd(s: string, from: number): void {
  const i = from + countSpaces(s, from);
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

/** Where a scalar read by the functions below ended (the index after it): no tuple per scalar. */
export interface Cursor {
  end: number;
}

/** A double-quoted scalar starting at `at` (the quote); `cur.end` is the index after it. */
export function doubleQuoted(s: string, at: number, cur: Cursor): string {
  let out = '';
  let i = at + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    const b = s.indexOf('\\', i);
    if (q < 0) outside();
    if (b < 0 || b > q) {
      cur.end = q + 1;
      return out + s.slice(i, q);
    }
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
export function singleQuoted(s: string, at: number, cur: Cursor): string {
  let out = '';
  let i = at + 1;
  for (;;) {
    const q = s.indexOf("'", i);
    if (q < 0) outside();
    out += s.slice(i, q);
    if (s.charCodeAt(q + 1) !== 39) {
      cur.end = q + 1;
      return out;
    }
    out += "'";
    i = q + 2;
  }
}

/** A plain scalar inside a flow sequence, from `at` up to `,` or `]` (at `cur.end`). */
export function flowPlain(s: string, at: number, cur: Cursor): unknown {
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
  const text = trimSpaces(s.slice(at, i));
  if (text === '' || BAD_PLAIN_START.has(text[0] ?? '')) outside();
  cur.end = i;
  return plainScalarValue(text);
}

/** A plain scalar in block context from `at` to the end of the line or a ` #` comment. */
export function blockPlain(s: string, at: number): unknown {
  if (BAD_PLAIN_START.has(s[at] ?? '')) outside();
  let end = s.indexOf(' #', at);
  if (end < 0) end = s.length;
  const text = trimSpaces(s.slice(at, end));
  if (text.endsWith(':') || text.includes(': ')) outside();
  return plainScalarValue(text);
}

/** `-` followed by a space or the end of the line, at `at`. */
export function isSeqItem(s: string, at: number): boolean {
  if (s.charCodeAt(at) !== 45) return false;
  const n = s.charCodeAt(at + 1);
  return Number.isNaN(n) || n === 32;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;
const NON_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false']);
NON_STRING_KEYS.add('False').add('FALSE').add('__proto__').add('<<');

/** The index of the `:` ending a simple string key at `at`, or -1 when the line is not `key:`. */
export function keyEnd(s: string, at: number): number {
  const colon = s.indexOf(':', at);
  if (colon < 0) return -1;
  const n = s.charCodeAt(colon + 1);
  if (!Number.isNaN(n) && n !== 32) return -1;
  const key = s.slice(at, colon);
  return KEY.test(key) && !NON_STRING_KEYS.has(key) ? colon : -1;
}
