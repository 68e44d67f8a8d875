// The full YAML path, for documents outside the fast readers' subset: the `yaml` package's parser
// (a linear state machine: the nesting bound is checked on its token tree before anything
// recursive runs), its composer, then our own linear walk to plain data, which also refuses what
// route files must not contain: YAML 1.1, unknown tags, repeated keys, alias bombs.
import type { Alias, CST, Document, LineCounter, Node, Tags } from 'yaml';
import type { ErrorCode } from '../errors.js';
import { ALIAS_EXPANSION_FLOOR, MAX_MAPPING_KEYS, MAX_NESTING } from './limits.js';
import { locateNode, offsetToPosition, type LocatedDocument, type Position } from './locate.js';
import { yamlLib } from './yaml-lib.js';

export interface YamlProblem {
  readonly code: ErrorCode;
  readonly position: Position;
  readonly message: string;
}

/**
 * YAML 1.2 core reads `0x0002fde800000001` as an integer (and loses precision past 2^53); hex
 * communities must stay text, so the hex-integer tag is dropped.
 */
function withoutHexInts(tags: Tags): Tags {
  return tags.filter((t) => !(typeof t === 'object' && 'format' in t && t.format === 'HEX'));
}

/**
 * Offset of the first collection (in text order) nested deeper than MAX_NESTING, walking the
 * token tree without recursion: the parser builds it for any depth, the composer does not.
 */
function tooDeep(tokens: readonly CST.Token[]): number | undefined {
  const todo: [CST.Token | null | undefined, number][] = tokens.map((t) => [t, 0]);
  let first: number | undefined;
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    const [token, depth] = next;
    if (token === null || token === undefined) continue;
    if (token.type === 'document') todo.push([token.value, depth]);
    if (
      token.type !== 'block-map' &&
      token.type !== 'block-seq' &&
      token.type !== 'flow-collection'
    )
      continue;
    if (depth + 1 > MAX_NESTING) {
      if (first === undefined || token.offset < first) first = token.offset;
      continue;
    }
    for (const item of token.items) {
      if ('key' in item) todo.push([item.key, depth + 1]);
      todo.push([item.value, depth + 1]);
    }
  }
  return first;
}

/** Explicit tags a route file may use: the core schema's own, which change nothing we accept. */
const ALLOWED_TAGS = new Set(
  ['str', 'int', 'bool', 'null', 'seq', 'map'].map((t) => `tag:yaml.org,2002:${t}`),
);

/** One document's syntax problems: errors, warnings (bar cosmetic indentation), the version. */
function syntaxProblems(doc: Document, lc: LineCounter): YamlProblem[] {
  const at = (offset: number): Position => offsetToPosition(lc, offset);
  const problems = [...doc.errors, ...doc.warnings.filter((w) => w.code !== 'BAD_INDENT')].map(
    (e) => ({
      code: 'E_YAML' as const,
      position: at(e.pos[0]),
      message: (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, ''),
    }),
  );
  const { explicit, version } = doc.directives?.yaml ?? { explicit: false, version: '1.2' };
  if (explicit && version !== '1.2') {
    problems.push({
      code: 'E_YAML',
      position: { line: 1, col: 1 },
      message: `%YAML ${version} is not supported: route files are YAML 1.2 (under 1.1, 65000:10 is the number 3900010); remove the directive`,
    });
  }
  return problems;
}

interface Anchor {
  /** The plain value, once its node is converted (undefined while converting: a cycle). */
  value?: unknown;
  size: number;
  weight: number;
  count: number;
}

/** Our toJS: plain data from the composed tree, linear, with the checks toJS does not make. */
class Plain {
  readonly problems: YamlProblem[] = [];
  private readonly anchors = new Map<string, Anchor>();
  private readonly byNode = new Map<Node, Anchor>();
  /** Nodes written out, and nodes that aliases add: cumulative, with the alias that added them. */
  literal = 0;
  readonly expansions: { offset: number; added: number }[] = [];
  private added = 0;
  /** The maxAliasCount bound tripped (then the expansion bound says nothing more). */
  tripped = false;

  constructor(
    private readonly lc: LineCounter,
    private readonly maxAliasCount: number,
  ) {}

  private report(code: ErrorCode, node: unknown, message: string): void {
    const offset = (node as { range?: [number] } | null)?.range?.[0] ?? 0;
    this.problems.push({ code, position: offsetToPosition(this.lc, offset), message });
  }

  /** [value, size in nodes, alias weight (yaml's getAliasCount)]. */
  convert(node: unknown): [unknown, number, number] {
    const y = yamlLib();
    if (y.isAlias(node)) return this.alias(node);
    const tagged = node as { tag?: string; anchor?: string } | null;
    if (tagged?.tag !== undefined && !ALLOWED_TAGS.has(tagged.tag))
      this.report('E_YAML', node, `tag ${tagged.tag} is not supported (plain values only)`);
    const anchor: Anchor | undefined = tagged?.anchor
      ? { size: 0, weight: 0, count: 0 }
      : undefined;
    if (anchor !== undefined) {
      this.anchors.set(tagged?.anchor ?? '', anchor);
      this.byNode.set(node as Node, anchor);
    }
    this.literal++;
    let result: [unknown, number, number];
    if (y.isMap(node)) result = this.map(node.items);
    else if (y.isSeq(node)) result = this.seq(node.items);
    else if (y.isPair(node)) result = this.map([node]);
    else result = [y.isScalar(node) ? node.value : null, 1, 1];
    if (anchor !== undefined) [anchor.value, anchor.size, anchor.weight] = result;
    return result;
  }

  private alias(node: Alias): [unknown, number, number] {
    const anchor = this.anchors.get(node.source);
    if (anchor === undefined) {
      this.report('E_YAML', node, `unknown alias *${node.source} (an anchor must come before it)`);
      return [null, 1, 0];
    }
    if (!('value' in anchor)) {
      this.report('E_YAML', node, `alias *${node.source} refers to a node that contains it`);
      return [null, 1, 0];
    }
    anchor.count++;
    if (
      this.maxAliasCount >= 0 &&
      anchor.count * anchor.weight > this.maxAliasCount &&
      !this.tripped
    ) {
      // reported for the whole document (0:0), as it always was: the CLI and HTTP tests pin that
      this.tripped = true;
      const msg = `yaml aliases expand past the limit (maxAliasCount ${this.maxAliasCount})`;
      this.problems.push({ code: 'E_ALIAS_LIMIT', position: { line: 0, col: 0 }, message: msg });
    }
    this.added += anchor.size;
    this.expansions.push({ offset: node.range?.[0] ?? 0, added: this.added });
    return [anchor.value, anchor.size, anchor.count * anchor.weight];
  }

  private map(items: readonly unknown[]): [Record<string, unknown>, number, number] {
    const y = yamlLib();
    if (items.length > MAX_MAPPING_KEYS) {
      const msg = `a mapping with more than ${MAX_MAPPING_KEYS} keys (a route document's have at most 30)`;
      this.report('E_SCHEMA', (items[MAX_MAPPING_KEYS] as { key?: unknown } | undefined)?.key, msg);
      return [{}, 1, 1];
    }
    const out: Record<string, unknown> = {};
    let size = 1;
    let weight = 0;
    for (const pair of items) {
      if (!y.isPair(pair)) continue;
      const [key, ks, kw] = this.convert(pair.key);
      const [value, vs, vw] = this.convert(pair.value);
      size += ks + vs;
      weight = Math.max(weight, kw, vw);
      if (key !== null && typeof key === 'object') {
        this.report('E_YAML', pair.key, 'a mapping key must be a plain value, not a collection');
        continue;
      }
      const name =
        typeof key === 'string'
          ? key
          : typeof key === 'number' || typeof key === 'boolean' || typeof key === 'bigint'
            ? String(key)
            : '';
      if (Object.hasOwn(out, name)) {
        this.report('E_YAML', pair.key, `map keys must be unique: "${name.slice(0, 64)}" repeats`);
        continue;
      }
      if (name === '__proto__')
        Object.defineProperty(out, name, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[name] = value;
    }
    return [out, size, Math.max(weight, 1)];
  }

  private seq(items: readonly unknown[]): [unknown[], number, number] {
    const out: unknown[] = [];
    let size = 1;
    let weight = 0;
    for (const item of items) {
      const [value, s, w] = this.convert(item);
      out.push(value);
      size += s;
      weight = Math.max(weight, w);
    }
    return [out, size, Math.max(weight, 1)];
  }

  /** The first alias past which aliases add more nodes than the document holds (or the floor). */
  expansionProblem(): YamlProblem | undefined {
    const bound = Math.max(ALIAS_EXPANSION_FLOOR, this.literal);
    const over = this.expansions.find((e) => e.added > bound);
    if (over === undefined) return undefined;
    const total = this.expansions[this.expansions.length - 1]?.added ?? over.added;
    return {
      code: 'E_EXPANSION_LIMIT',
      position: offsetToPosition(this.lc, over.offset),
      message: `yaml aliases add ${total} nodes to a document of ${this.literal}: at most ${bound} (as many as it holds, or ${ALIAS_EXPANSION_FLOOR})`,
    };
  }
}

/**
 * Read a document with the `yaml` package: a LocatedDocument, or its problems (none of which is
 * thrown). `maxAliasCount` as in yaml (each use of an anchor, weighted by the aliases inside it).
 */
export function readWithYaml(text: string, maxAliasCount: number): LocatedDocument | YamlProblem[] {
  const { Composer, LineCounter: Counter, Parser, isSeq } = yamlLib();
  const lc = new Counter();
  const tokens = [...new Parser(lc.addNewLine).parse(text)];
  const deep = tooDeep(tokens);
  if (deep !== undefined) {
    const message = `nested deeper than ${MAX_NESTING} levels`;
    return [{ code: 'E_NESTING', position: offsetToPosition(lc, deep), message }];
  }
  const composer = new Composer({ uniqueKeys: false, customTags: withoutHexInts });
  const docs: Document[] = [];
  for (const doc of composer.compose(tokens, true, text.length)) {
    docs.push(doc);
    if (docs.length > 1) break;
  }
  const doc = docs[0] as Document;
  const problems = syntaxProblems(doc, lc);
  const second = docs[1];
  if (second !== undefined) {
    const position = offsetToPosition(lc, second.range?.[0] ?? 0);
    problems.push({
      code: 'E_YAML',
      position,
      message: 'a route document holds one yaml document',
    });
  }
  if (problems.length > 0) return problems;
  const plain = new Plain(lc, maxAliasCount);
  const [value] = doc.contents === null ? [null] : plain.convert(doc.contents);
  const expansion = plain.tripped ? undefined : plain.expansionProblem();
  if (expansion !== undefined) plain.problems.push(expansion);
  if (plain.problems.length > 0) return plain.problems;
  const routes = doc.get('routes', true);
  const items = isSeq(routes) ? routes.items : [];
  return {
    value,
    entryPosition: (i) => {
      const range = (items[i] as { range?: [number] } | undefined)?.range;
      return range === undefined ? { line: 0, col: 0 } : offsetToPosition(lc, range[0]);
    },
    locate: (requests) => requests.map((r) => locateNode(doc, lc, r.path, { key: r.key === true })),
  };
}
