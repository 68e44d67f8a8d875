// ExaBGP 5.0 (5.0.13 LTS): AS-PATH segments are written one after another, `[ seq ] ( set )`; the
// 4.2 nested form and a bare ASN are refused (exabgp5.md §2.2). `show adj-rib out extensive`
// prints the opposite brackets: a sequence as `( ... )`, a set as `[ ... ]` (§3.3).
import type { Dialect } from './dialect.js';

/** The as-path part of a canonical value text: ` as-path [ 1 2 ( 3 4 ) ]`. */
const CANONICAL_AS_PATH = / as-path \[((?: \d+)*)(?: \( ((?:\d+ )*\d+) \))? \]/;

const rewritten = new Map<string, string>();

function attributeText(value: string): string {
  if (!value.includes(' ( ') || !value.includes('as-path [')) return value;
  const cached = rewritten.get(value);
  if (cached !== undefined) return cached;
  const text = value.replace(CANONICAL_AS_PATH, (whole, seq: string, set?: string) => {
    if (set === undefined) return whole;
    return seq === '' ? ` as-path ( ${set} )` : ` as-path [${seq} ] ( ${set} )`;
  });
  // Values are shared by many routes and few in number; bound the cache all the same.
  if (rewritten.size > 10_000) rewritten.clear();
  rewritten.set(value, text);
  return text;
}

function readShownAsPath(shown: string): string | undefined {
  // `( 65010 65020 ) [ 65030 65040 ]`, `( 65010 )`, `[ 65030 ]`, `(  )` (empty)
  const t = shown.trim().replace(/\s+/g, ' ');
  const m = /^(?:\(((?: \d+)*) \))?(?: ?\[ ((?:\d+ )*\d+) \])?$/.exec(t);
  if (m === null || t === '') return undefined;
  const seq = m[1] ?? '';
  const set = m[2] === undefined ? '' : ` ( ${m[2]} )`;
  return `as-path [${seq}${set} ]`;
}

export const DIALECT_5_0: Dialect = { name: '5.0', attributeText, readShownAsPath };
