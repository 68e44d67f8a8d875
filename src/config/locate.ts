// Positions for diagnostics: JSON pointer / path segments → YAML node → 1-based line:col, and the
// dotted path used in messages. Only called when there is something to report (never on the happy path).
import type { Document, LineCounter, Node } from 'yaml';
import { clipText } from '../core/diagnostic.js';
import { yamlLib } from './yaml-lib.js';

export type PathSegment = string | number;

export interface Position {
  readonly line: number;
  readonly col: number;
}

/** A node to find: the value at `path`, or with `key` the mapping key naming it. */
export interface LocateRequest {
  readonly path: readonly PathSegment[];
  readonly key?: boolean;
}

/**
 * A document read by one of the readers (fast YAML, JSON, the `yaml` package): its plain value and
 * where its nodes are. Positions are 1-based line:col of a node's first character; a path that does
 * not exist gives its nearest existing ancestor (the `yaml` package's node ranges are the reference).
 */
export interface LocatedDocument {
  readonly value: unknown;
  /** Position of item `index` of the top-level `routes` sequence (Route.source of its routes). */
  entryPosition(index: number): Position;
  /** Positions of many nodes in one pass over the document (only called to report problems). */
  locate(requests: readonly LocateRequest[]): Position[];
}

/**
 * The paths a reader is asked to locate, as a tree: a reader walking the document carries the node
 * of the path it is at and records positions as it meets them. Keys are String(segment).
 */
export class PathTrie {
  readonly children = new Map<string, PathTrie>();
  value: Position | undefined;
  key: Position | undefined;
  /** The largest array index among the children (-1: none), so most items skip the lookup. */
  private maxIndex = -1;

  private constructor(private readonly shared: { pending: number }) {}

  static of(requests: readonly LocateRequest[]): PathTrie {
    const shared = { pending: 1 };
    const root = new PathTrie(shared);
    for (const r of requests) {
      let node = root;
      for (const seg of r.path) {
        const k = String(seg);
        let next = node.children.get(k);
        if (next === undefined) {
          node.children.set(k, (next = new PathTrie(shared)));
          shared.pending++;
          if (typeof seg === 'number' && seg > node.maxIndex) node.maxIndex = seg;
        }
        node = next;
      }
    }
    return root;
  }

  child(seg: PathSegment): PathTrie | undefined {
    if (this.children.size === 0) return undefined;
    if (typeof seg === 'number' && seg > this.maxIndex) return undefined;
    return this.children.get(String(seg));
  }

  /** Record this node's position (the first time); true once every node of the trie has one. */
  record(line: number, col: number): boolean {
    if (this.value === undefined) {
      this.value = { line, col };
      this.shared.pending--;
    }
    return this.shared.pending === 0;
  }

  recordKey(line: number, col: number): void {
    this.key ??= { line, col };
  }

  /** The recorded position of each request: its node (or key), else the deepest recorded ancestor. */
  resolve(requests: readonly LocateRequest[], fallback: Position): Position[] {
    return requests.map((r) => {
      let children: ReadonlyMap<string, PathTrie> | undefined = this.children;
      let best = this.value ?? fallback;
      for (let i = 0; i < r.path.length && children !== undefined; i++) {
        const node = children.get(String(r.path[i]));
        const at = i === r.path.length - 1 && r.key === true ? node?.key : node?.value;
        if (at === undefined) break;
        best = at;
        children = node?.children;
      }
      return best;
    });
  }
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
    else out += out === '' ? clipText(s) : `.${clipText(s)}`;
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
