// Arbitraries for the loader's differential tests: YAML and JSON texts with what people and
// editors produce (anchors and aliases, merge keys, tags, block scalars, flow and block styles,
// comments, CRLF, a BOM, tabs, Unicode spaces, typed look-alikes, duplicates, deep nesting), and
// the reference readers they are compared with (the `yaml` package, JSON.parse).
import { fc } from '@fast-check/vitest';
import { LineCounter, parseDocument, stringify, type Document, type Tags } from 'yaml';
import { locateNode, type LocateRequest, type PathSegment } from '../../src/config/locate.js';

/** Runs per property: FAST_YAML_RUNS overrides (CI keeps the default, about 20 s in all). */
export const RUNS = { numRuns: Number(process.env['FAST_YAML_RUNS'] ?? 400) };

const withoutHexInts = (tags: Tags): Tags =>
  tags.filter((t) => !(typeof t === 'object' && 'format' in t && t.format === 'HEX'));

export interface YamlReference {
  readonly value: unknown;
  readonly doc: Document;
  readonly lc: LineCounter;
}

/** What the `yaml` package reads, the way the loader configures it; undefined on any error or warning. */
export function readWithYamlPackage(text: string): YamlReference | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    uniqueKeys: true,
    customTags: withoutHexInts,
  });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return undefined;
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), doc, lc };
  } catch {
    return undefined;
  }
}

/** Every path into `value` (values and, for mapping entries, keys), the first `max` of them. */
export function pathsOf(value: unknown, max = 60): LocateRequest[] {
  const out: LocateRequest[] = [{ path: [] }];
  const todo: [unknown, PathSegment[]][] = [[value, []]];
  while (todo.length > 0 && out.length < max) {
    const [v, path] = todo.shift() as [unknown, PathSegment[]];
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ path: [...path, i] });
        todo.push([x, [...path, i]]);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push({ path: [...path, k] }, { path: [...path, k], key: true });
        todo.push([x, [...path, k]]);
      }
    }
  }
  return out.slice(0, max);
}

/** Positions the `yaml` package gives for `requests` (the reference for every reader). */
export function yamlPositions(ref: YamlReference, requests: readonly LocateRequest[]): string[] {
  return requests.map((r) => {
    const p = locateNode(ref.doc, ref.lc, r.path, { key: r.key === true });
    return `${p.line}:${p.col}`;
  });
}

/** Unicode white space YAML 1.2 does not treat as white space, and other troublemakers. */
export const UNICODE_SPACES = [
  '\u00a0',
  '\u2000',
  '\u2003',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u3000',
  '\ufeff',
  '\u0085',
  '\u180e',
  '\u200b',
  '\t',
  '\r',
];

/** Scalars that look like one type and are another, in YAML 1.1 or 1.2. */
const LOOK_ALIKES = [
  '010',
  '0x10',
  '0o17',
  '0b101',
  '1e3',
  '1_000',
  '+5',
  '-0',
  '.inf',
  '-.Inf',
  '.NaN',
  'yes',
  'No',
  'on',
  'OFF',
  '~',
  'null',
  'Null',
  'true',
  'False',
  '65000:10',
  '12:30:00',
  '2001-12-14',
  '0x0002fde800000001',
];

const ROUTE_WORDS = [
  '10.0.0.0/8',
  '192.0.2.1',
  '2001:db8::/32',
  '::1',
  '65000:1',
  'no-export',
  'target:65000:1',
  'self',
  'igp',
  'a b',
  'a#b',
  'a #b',
  'a: b',
  "it's",
  'say "hi"',
  'back\\slash',
  '',
  ' ',
  '@x',
  '&x',
  '*x',
  '!x',
  '%x',
  '-a',
  'é',
  '😀',
  'two\nlines',
  'trailing\n',
];

const scalarText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...LOOK_ALIKES, ...ROUTE_WORDS) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...ROUTE_WORDS), fc.constantFrom(...UNICODE_SPACES), fc.nat(2))
      .map(([w, u, where]) =>
        where === 0 ? u + w : where === 1 ? w + u : w.slice(0, 1) + u + w.slice(1),
      ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

const scalarArb = fc.oneof(
  { weight: 6, arbitrary: scalarText },
  { weight: 2, arbitrary: fc.integer({ min: -1000, max: 4294967295 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const keyArb = fc.constantFrom(
  'routes',
  'defaults',
  'prefix',
  'prefixes',
  'next-hop',
  'med',
  'community',
  'as-path',
  'neighbors',
  'description',
  'x_y',
  'true',
  'null',
  '10',
  'a b',
  'é',
  '<<',
  '__proto__',
  'k\u00a0',
);

export const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: scalarArb },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }) },
  ),
}));

/** A value with one of its parts used twice: yaml.stringify writes an anchor and an alias. */
export const sharedValueArb = fc
  .tuple(fc.dictionary(keyArb, valueArb, { maxKeys: 3 }), fc.array(valueArb, { maxLength: 2 }))
  .map(([shared, rest]) => ({ routes: [shared, ...rest, shared], defaults: shared }));

/** Route documents as people write them, so most of them stay on the fast path. */
const prefixArb = fc
  .tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 8, max: 32 }))
  .map(([a, b, len]) => `10.${a}.${b}.0/${Math.max(len, 24)}`);
const entryArb = fc.record(
  {
    prefix: prefixArb,
    prefixes: fc.array(prefixArb, { maxLength: 4 }),
    'next-hop': fc.constantFrom('192.0.2.1', 'self', '2001:db8::1', '10.0.0.1\u00a0'),
    med: fc.oneof(fc.nat(100), fc.constantFrom('010', 4294967296)),
    community: fc.array(fc.constantFrom('65000:1', 'no-export', '65000:666', '1:70000'), {
      maxLength: 3,
    }),
    'as-path': fc.array(fc.nat(70000), { maxLength: 3 }),
    description: fc.constantFrom('anycast dns', 'edge # 2', "it's here", 'a: b', 'two\nlines'),
  },
  { requiredKeys: [] },
);
export const routeDocArb = fc.record(
  {
    defaults: fc.record({ origin: fc.constantFrom('igp', 'egp') }, { requiredKeys: [] }),
    routes: fc.array(entryArb, { maxLength: 6 }),
  },
  { requiredKeys: ['routes'] },
);

export interface Style {
  readonly indent: number;
  readonly indentSeq: boolean;
  readonly flow: 'auto' | 'flow' | 'block';
  readonly comment: boolean;
}

export const styleArb: fc.Arbitrary<Style> = fc.record({
  indent: fc.integer({ min: 1, max: 4 }),
  indentSeq: fc.boolean(),
  flow: fc.constantFrom<'auto' | 'flow' | 'block'>('auto', 'flow', 'block'),
  comment: fc.boolean(),
});

export function render(value: unknown, style: Style): string {
  const text = stringify(value, {
    lineWidth: 0,
    indent: style.indent,
    indentSeq: style.indentSeq,
    ...(style.flow === 'auto' ? {} : { collectionStyle: style.flow }),
    flowCollectionPadding: style.indent % 2 === 0,
  });
  if (!style.comment) return text;
  return `# yaml-language-server: $schema=../schemas/routes.schema.json\n\n${text}`;
}

/** What editors and people do to a text on top of the values: one of these, or several. */
export type Feature =
  | 'crlf'
  | 'bom'
  | 'doc-start'
  | 'yaml-1.1'
  | 'yaml-1.2'
  | 'comments'
  | 'tabs'
  | 'tag'
  | 'merge-key'
  | 'duplicate-line'
  | 'look-alike'
  | 'unicode-space';

export const featuresArb = fc.array(
  fc.constantFrom<Feature>(
    'crlf',
    'bom',
    'doc-start',
    'yaml-1.1',
    'yaml-1.2',
    'comments',
    'tabs',
    'tag',
    'merge-key',
    'duplicate-line',
    'look-alike',
    'unicode-space',
  ),
  { maxLength: 3 },
);

const TAGS = ['!!str ', '!!int ', '!!bool ', '!!null ', '!!float ', '!foo ', '!!binary ', '! '];

/** Apply `features` to `text`; `seed` picks the lines and characters. */
export function withFeatures(text: string, features: readonly Feature[], seed: number): string {
  let lines = text.split('\n');
  const pick = (n: number, salt: number): number => (n === 0 ? 0 : (seed * 31 + salt) % n);
  for (const f of features) {
    const i = pick(lines.length, f.length);
    const line = lines[i] ?? '';
    switch (f) {
      case 'comments':
        lines.splice(i, 0, '# a comment, with: punctuation - and [brackets]');
        lines = lines.map((l, j) => (j % 3 === 1 && l !== '' ? `${l} # note` : l));
        break;
      case 'tabs':
        lines[i] = line.replace(' ', '\t');
        break;
      case 'tag':
        lines[i] = line.replace(/(: |- )/, `$1${TAGS[pick(TAGS.length, 7)] ?? ''}`);
        break;
      case 'merge-key':
        lines.splice(i + 1, 0, `${' '.repeat(line.length - line.trimStart().length)}<<: {med: 1}`);
        break;
      case 'duplicate-line':
        lines.splice(i, 0, line);
        break;
      case 'look-alike':
        lines[i] = line.replace(
          /(: |- )\S+$/,
          `$1${LOOK_ALIKES[pick(LOOK_ALIKES.length, 3)] ?? ''}`,
        );
        break;
      case 'unicode-space': {
        const at = pick(line.length + 1, 5);
        const u = UNICODE_SPACES[pick(UNICODE_SPACES.length, 11)] ?? '';
        lines[i] = line.slice(0, at) + u + line.slice(at);
        break;
      }
      case 'crlf':
      case 'bom':
      case 'doc-start':
      case 'yaml-1.1':
      case 'yaml-1.2':
        break;
    }
  }
  let out = lines.join(features.includes('crlf') ? '\r\n' : '\n');
  if (features.includes('doc-start')) out = `---\n${out}`;
  if (features.includes('yaml-1.1')) out = `%YAML 1.1\n---\n${out}`;
  else if (features.includes('yaml-1.2')) out = `%YAML 1.2\n---\n${out}`;
  if (features.includes('bom')) out = `\ufeff${out}`;
  return out;
}

/** `value` inside `levels` one-item sequences, in flow or block style. */
export function nested(value: unknown, levels: number): unknown {
  let v = value;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

/** Small edits with YAML's significant characters, to walk the edges of the subset. */
export const editArb = fc.array(
  fc.tuple(
    fc.nat(),
    fc.nat(3),
    fc.constantFrom(
      ' ',
      '  ',
      '-',
      '- ',
      ':',
      ': ',
      '#',
      ' #',
      '[',
      ']',
      ',',
      '"',
      "'",
      '\n',
      '&a ',
      '*a',
      '|',
      '>',
      ...UNICODE_SPACES,
    ),
  ),
  { maxLength: 3 },
);

export function applyEdits(text: string, edits: readonly [number, number, string][]): string {
  let out = text;
  for (const [at, del, insert] of edits) {
    const i = out.length === 0 ? 0 : at % (out.length + 1);
    out = out.slice(0, i) + insert + out.slice(i + del);
  }
  return out;
}
