// Positions for diagnostics: JSON pointer / path segments → YAML node → 1-based line:col, and the
// dotted path used in messages. Only called when there is something to report (never on the happy path).
import type { Document, LineCounter, Node } from 'yaml';
import { yamlLib } from './yaml-lib.js';

export type PathSegment = string | number;

export interface Position {
  readonly line: number;
  readonly col: number;
}

/**
 * Split an ajv `instancePath` (JSON pointer) into segments; all-digit segments become indexes.
 * @example pointerToSegments('/routes/2/next-hop') // ['routes', 2, 'next-hop']
 */
export function pointerToSegments(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/**
 * The dotted path shown in diagnostics.
 * @example toDotPath(['routes', 2, 'next-hop']) // 'routes[2].next-hop'
 */
export function toDotPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

function child(doc: Document, node: unknown, seg: PathSegment, wantKey: boolean): unknown {
  const { isAlias, isMap, isScalar, isSeq } = yamlLib();
  const n = isAlias(node) ? node.resolve(doc) : node;
  if (isSeq(n) && typeof seg === 'number') return n.items[seg];
  if (isMap(n)) {
    for (const pair of n.items) {
      const k: unknown = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(k) === String(seg)) return wantKey ? pair.key : pair.value;
    }
  }
  return undefined;
}

/**
 * Start offset of the node at `segments` (its key node with `key: true`), or of the nearest
 * ancestor that exists. 0 for an empty document.
 */
export function findNodeOffset(
  doc: Document,
  segments: readonly PathSegment[],
  options: { key?: boolean } = {},
): number {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] ?? '';
    const last = i === segments.length - 1;
    const next = child(doc, node, seg, last && options.key === true);
    const range = (next as Node | null | undefined)?.range;
    if (range === undefined || range === null) break;
    node = next;
    offset = range[0];
  }
  return offset;
}

/** 1-based line and column of an offset. */
export function offsetToPosition(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, col };
}

/** 1-based position of the node at `segments` (or its key), falling back to the nearest ancestor. */
export function locateNode(
  doc: Document,
  lineCounter: LineCounter,
  segments: readonly PathSegment[],
  options: { key?: boolean } = {},
): Position {
  return offsetToPosition(lineCounter, findNodeOffset(doc, segments, options));
}
