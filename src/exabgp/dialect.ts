// The seam for everything that depends on the ExaBGP version (exabgp5.md): how a route value is
// spelled on the wire, which words a line must never hold, and how `version` answers. Pure. A
// dialect is a small table of differences; the encoder and parsers stay version-agnostic.
import { DIALECT_4_2 } from './dialect-42.js';
import { DIALECT_5_0 } from './dialect-50.js';

export type DialectName = '4.2' | '5.0';

export interface Dialect {
  readonly name: DialectName;
  /**
   * A route value's attribute text as this version parses it. The value text itself is the
   * canonical identity (4.2's spelling, see core/route.ts encodeAttributes) and never changes.
   */
  attributeText(value: string): string;
  /**
   * The AS_PATH attribute text of `show adj-rib out extensive` back into the value's canonical
   * spelling (`as-path [ 1 2 ( 3 4 ) ]`), or undefined when the text is not this version's form.
   */
  readShownAsPath(shown: string): string | undefined;
}

export const DIALECTS: Readonly<Record<DialectName, Dialect>> = {
  '4.2': DIALECT_4_2,
  '5.0': DIALECT_5_0,
};

/** What `plan --format commands`, the classic endpoint and a silent ExaBGP assume. */
export const DEFAULT_DIALECT: DialectName = '4.2';

export interface ExabgpVersion {
  /** As ExaBGP printed it: `4.2.21`, `5.0.13-20261201+-`. */
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

const VERSION_ANSWER = /^exabgp (\d{1,4})\.(\d{1,4})\.(\d{1,4})(\S*)$/;

/**
 * The answer line of the `version` command, parsed as a prefix (the 5.0 source-tree wrapper
 * appends a build suffix).
 * @example parseVersionAnswer('exabgp 5.0.13-20261201+-') // { text: '5.0.13-20261201+-', major: 5, ... }
 */
export function parseVersionAnswer(line: string): ExabgpVersion | undefined {
  const m = VERSION_ANSWER.exec(line.trim());
  if (m === null) return undefined;
  return {
    text: `${m[1]}.${m[2]}.${m[3]}${m[4]}`,
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
  };
}

/** The dialect a version speaks, and whether that is a guess (a version we never measured). */
export function dialectForVersion(v: ExabgpVersion): { name: DialectName; exact: boolean } {
  if (v.major === 4) return { name: '4.2', exact: v.minor === 2 };
  if (v.major === 5) return { name: '5.0', exact: v.minor === 0 };
  // 6.0 speaks the 5.0 text grammar only with exabgp.api.version=4 (exabgp5.md §8).
  return v.major > 5 ? { name: '5.0', exact: false } : { name: '4.2', exact: false };
}

/** `--exabgp-version 4.2|5.0|auto` (also accepts `4`, `5`, `4.2.21`, `5.0.13`). */
export function parseDialectOption(text: string): DialectName | 'auto' | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'auto') return 'auto';
  if (/^4(\.2(\.\d+)?)?$/.test(t)) return '4.2';
  if (/^5(\.0(\.\d+)?)?$/.test(t)) return '5.0';
  return undefined;
}
