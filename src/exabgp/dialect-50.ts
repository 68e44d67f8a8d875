// ExaBGP 5.0 (5.0.13 LTS): AS-PATH segments are written one after another, `[ seq ] ( set )`; the
// 4.2 nested form and a bare ASN are refused (exabgp5.md §2.2). `show adj-rib out extensive`
// prints the opposite brackets: a sequence as `( ... )`, a set as `[ ... ]` (§3.3).
import type { Dialect } from './dialect.js';
import { readCommandAsPath50, readShownAsPath50, showAsPath50 } from './dialect-as-path.js';

/** The as-path part of a canonical value text: ` as-path [ 1 2 ( 3 4 ) ]`. */
const CANONICAL_AS_PATH = / as-path \[((?: \d+)*)(?: \( ((?:\d+ )*\d+) \))? \]/;

/** A 4-byte-ASN route target or origin in canonical text: `target:4200000000L:1`. */
const ASN4_COMMUNITY = /\b(target|origin):(\d+)L:(\d+)\b/g;

const rewritten = new Map<string, string>();

/**
 * Measured on 5.0.13: `target:4200000000L:1` (and `target4:`, `origin:...L:`) is sent as the
 * IPv4-admin type 0x0102 (shown back as `target:250.86.234.0:1`): its parser maps `target4` to
 * header 0x01 0x02. The hex form is decoded, not parsed, so it goes out as 0x0202 as intended.
 */
function asn4Hex(kind: string, asn: string, local: string): string {
  const sub = kind === 'target' ? '02' : '03';
  const a = Number(asn).toString(16).padStart(8, '0');
  const l = Number(local).toString(16).padStart(4, '0');
  return `0x02${sub}${a}${l}`;
}

function attributeText(value: string): string {
  const hasSet = value.includes(' ( ') && value.includes('as-path [');
  if (!hasSet && !value.includes('L:')) return value;
  const cached = rewritten.get(value);
  if (cached !== undefined) return cached;
  const text = value
    .replace(CANONICAL_AS_PATH, (whole, seq: string, set?: string) => {
      if (set === undefined) return whole;
      return seq === '' ? ` as-path ( ${set} )` : ` as-path [${seq} ] ( ${set} )`;
    })
    .replace(ASN4_COMMUNITY, (_, kind: string, asn: string, local: string) =>
      asn4Hex(kind, asn, local),
    );
  // Values are shared by many routes and few in number; bound the cache all the same.
  if (rewritten.size > 10_000) rewritten.clear();
  rewritten.set(value, text);
  return text;
}

export const DIALECT_5_0: Dialect = {
  name: '5.0',
  attributeText,
  readCommandAsPath: readCommandAsPath50,
  readShownAsPath: readShownAsPath50,
  showAsPath: showAsPath50,
  showsSelfResolved: true,
  showsAsn4Suffix: false,
  plainShowsNeighborWord: false,
};
