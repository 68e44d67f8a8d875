// ExaBGP 4.2 (Debian's 4.2.21): the reference spelling. A route value's canonical text is already
// 4.2's wire text; `show adj-rib out extensive` prints the as-path the way it is written.
import type { Dialect } from './dialect.js';

export const DIALECT_4_2: Dialect = {
  name: '4.2',
  attributeText: (value) => value,
  readShownAsPath: (shown) => {
    // `[ 65010 65020 ( 65030 65040 ) ]`, `[ 65010 ]`, `[ ( 65030 ) ]`, `65010` (a lone ASN)
    const t = shown.trim();
    if (/^\d+$/.test(t)) return `as-path [ ${t} ]`;
    const m = /^\[((?: \d+)*)(?: \( ((?:\d+ )*\d+) \))? \]$/.exec(t);
    if (m === null) return undefined;
    const set = m[2] === undefined ? '' : ` ( ${m[2]} )`;
    return `as-path [${m[1] ?? ''}${set} ]`;
  },
};
