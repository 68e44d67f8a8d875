// AS_PATH text in every spelling ExaBGP 4.2 and 5.0 read (commands) and print (`show adj-rib out
// extensive`), to and from the route file's shape (`[1, 2, [3, 4]]`: a sequence, then one AS_SET).
// Pure. Measured on 4.2.21 and 5.0.13 (test/fixtures/exabgp/adj-rib-out-extensive-*.txt).
import type { AsPath } from '../core/route.js';

/** The route file's as-path shape, ASNs still as text: the attribute canonicaliser checks ranges. */
export type AsPathShape = readonly (string | readonly string[])[];

export type AsPathRead =
  | { readonly ok: true; readonly value: AsPathShape }
  | { readonly ok: false; readonly message: string };

/** A bracket group: `[ ... ]` or `( ... )`, holding ASNs and nested groups. */
interface Group {
  readonly open: '[' | '(';
  readonly items: readonly (string | Group)[];
}

const CLOSE: Readonly<Record<string, string>> = { '[': ']', '(': ')' };

/** Tokens (`[`, `(`, ASNs, `)`, `]`) → top-level items, or a message when unbalanced. */
function groupsOf(tokens: readonly string[]): (string | Group)[] | string {
  const stack: { open: '[' | '('; items: (string | Group)[] }[] = [];
  const top: (string | Group)[] = [];
  for (const t of tokens) {
    const into = stack.at(-1)?.items ?? top;
    if (t === '[' || t === '(') stack.push({ open: t, items: [] });
    else if (t === ']' || t === ')') {
      const g = stack.pop();
      if (g === undefined || CLOSE[g.open] !== t) return `unexpected ${t}`;
      (stack.at(-1)?.items ?? top).push(g);
    } else if (t === '{' || t === '}' || t.includes('{') || t.includes('}'))
      return 'confederation segments ({ }) are not supported';
    else into.push(t);
  }
  return stack.length === 0 ? top : `missing ${CLOSE[stack.at(-1)?.open ?? '['] ?? ']'}`;
}

const isGroup = (x: string | Group | undefined): x is Group => typeof x === 'object';

/** The ASNs of a group holding nothing but ASNs, or undefined. */
function flat(g: Group | undefined): string[] | undefined {
  if (g === undefined || g.items.some(isGroup)) return undefined;
  return g.items as string[];
}

function fail(message: string): AsPathRead {
  return { ok: false, message };
}

function shape(sequence: readonly string[], set?: readonly string[]): AsPathRead {
  if (set !== undefined && set.length === 0) return fail('an AS_SET needs at least one ASN');
  return { ok: true, value: set === undefined ? sequence : [...sequence, set] };
}

const HINT_50 =
  "is ExaBGP 5.0's spelling (segments one after another); 4.2 nests the AS_SET last: [ 1 2 ( 3 4 ) ]";

/**
 * ExaBGP 4.2, command and show alike: `N`, `[ 1 2 ]`, `[ 1 2 ( 3 4 ) ]`, `[ ( 3 4 )]`, `[ ]`.
 * @example readAsPath42(['[', '1', '(', '3', ')', ']']) // { ok: true, value: ['1', ['3']] }
 */
export function readAsPath42(tokens: readonly string[]): AsPathRead {
  const groups = groupsOf(tokens);
  if (typeof groups === 'string') return fail(groups);
  const [only, extra] = groups;
  if (typeof only === 'string' && groups.length === 1) return shape([only]);
  if (!isGroup(only) || only.open !== '[' || extra !== undefined)
    return fail(`${tokens.join(' ')} ${HINT_50}`);
  const sequence: string[] = [];
  let set: string[] | undefined;
  for (const item of only.items) {
    if (typeof item === 'string') {
      if (set !== undefined) return fail('the AS_SET ( ... ) must be the last element');
      sequence.push(item);
      continue;
    }
    const members = item.open === '(' && set === undefined ? flat(item) : undefined;
    if (members === undefined) return fail(`unexpected ${item.open}`);
    set = members;
  }
  return shape(sequence, set);
}

/**
 * ExaBGP 5.0 command: `[ 1 2 ]`, `[ 1 2 ] ( 3 4 )`, `( 3 4 )`, `[ ]`. It refuses the 4.2 nested
 * form and a bare ASN ("could not parse as-path", "'ASN' object is not iterable").
 * @example readCommandAsPath50(['[', '1', ']', '(', '3', ')']) // { ok: true, value: ['1', ['3']] }
 */
export function readCommandAsPath50(tokens: readonly string[]): AsPathRead {
  return readSegments(tokens, {
    sequence: '[',
    bare: (asn) => `ExaBGP 5.0 refuses a bare ASN: write as-path [ ${asn} ]`,
    nested:
      'ExaBGP 5.0 refuses the 4.2 nested form [ 1 2 ( 3 4 ) ]: write the AS_SET as its own segment, [ 1 2 ] ( 3 4 )',
    order: 'only one AS_SEQUENCE [ ... ] followed by one AS_SET ( ... ) is supported',
  });
}

/**
 * ExaBGP 5.0 `show adj-rib out extensive` prints the opposite brackets of its input: a sequence as
 * `( 1 2 )` (empty: `(  )`), an AS_SET as `[ 3 4 ]`: `( 1 2 ) [ 3 4 ]`, `[ 3 4 ]`.
 * @example readShownAsPath50(['(', '1', ')', '[', '3', ']']) // { ok: true, value: ['1', ['3']] }
 */
export function readShownAsPath50(tokens: readonly string[]): AsPathRead {
  return readSegments(tokens, {
    sequence: '(',
    bare: (asn) => `${asn}: ExaBGP 5.0 prints even one ASN in brackets, ( ${asn} )`,
    nested: `${tokens.join(' ')}: nested brackets are not how ExaBGP 5.0 prints an as-path`,
    order: `${tokens.join(' ')} is not how ExaBGP 5.0 prints an as-path (a sequence ( ... ), then an AS_SET [ ... ])`,
  });
}

/** 5.0's segments one after another: an optional sequence first, then an optional AS_SET. */
function readSegments(
  tokens: readonly string[],
  spelling: {
    sequence: '[' | '(';
    bare: (asn: string) => string;
    nested: string;
    order: string;
  },
): AsPathRead {
  const groups = groupsOf(tokens);
  if (typeof groups === 'string') return fail(groups);
  const [first] = groups;
  if (typeof first === 'string') return fail(spelling.bare(first));
  let sequence: readonly string[] = [];
  let set: readonly string[] | undefined;
  for (const [i, g] of groups.entries()) {
    const members = isGroup(g) ? flat(g) : undefined;
    if (!isGroup(g)) return fail(spelling.order);
    if (members === undefined) return fail(spelling.nested);
    if (g.open === spelling.sequence && i === 0) sequence = members;
    else if (g.open !== spelling.sequence && set === undefined) set = members;
    else return fail(spelling.order);
  }
  return shape(sequence, set);
}

/** How 4.2.21 prints an as-path: `[ 1 2 ]`, `[ 1 2 ( 3 4 ) ]`, `[ ( 3 4 )]` (sic), `[ ]`. */
export function showAsPath42(p: AsPath): string {
  const seq = p.sequence.join(' ');
  if (p.set === undefined) return seq === '' ? '[ ]' : `[ ${seq} ]`;
  const set = p.set.join(' ');
  return seq === '' ? `[ ( ${set} )]` : `[ ${seq} ( ${set} ) ]`;
}

/** How 5.0.13 prints an as-path: `( 1 2 )`, `( 1 2 ) [ 3 4 ]`, `[ 3 4 ]`, `(  )` (empty). */
export function showAsPath50(p: AsPath): string {
  const seq = `( ${p.sequence.join(' ')} )`;
  if (p.set === undefined) return seq;
  const set = `[ ${p.set.join(' ')} ]`;
  return p.sequence.length === 0 ? set : `${seq} ${set}`;
}
