// The fast readers agree with the `yaml` package: for any text, the fast YAML reader either declines
// or gives yaml's value and the positions of the `routes` items; same for the JSON reader; and the
// whole loader gives the same result whichever path a document takes.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

const RUNS = { numRuns: Number(process.env['FAST_YAML_RUNS'] ?? 200) };
import { LineCounter, parseDocument, stringify, isSeq, type Tags } from 'yaml';
import { readFastJson } from '../../src/config/fast-json.js';
import { readFastYaml, type FastPosition } from '../../src/config/fast-yaml.js';
import { parseRouteDocument } from '../../src/config/load-routes.js';

const withoutHexInts = (tags: Tags): Tags =>
  tags.filter((t) => !(typeof t === 'object' && 'format' in t && t.format === 'HEX'));

/** What the loader's slow path reads: value and `routes` item positions, or undefined on error. */
function readWithYaml(text: string): { value: unknown; positions: FastPosition[] } | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    uniqueKeys: true,
    customTags: withoutHexInts,
  });
  if (doc.errors.length > 0) return undefined;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  const routes = doc.get('routes', true);
  const positions = isSeq(routes)
    ? routes.items.map((item) => {
        const offset = (item as { range?: [number] } | null)?.range?.[0] ?? 0;
        return lc.linePos(offset);
      })
    : [];
  return { value, positions };
}

const scalarText = fc.constantFrom(
  '10',
  '0',
  '-0',
  '+5',
  '012',
  '0o17',
  '0x1F',
  '0x0002fde800000001',
  '1.5',
  '1.',
  '.5',
  '1e3',
  '-1.5E-2',
  '.inf',
  '-.Inf',
  '.NaN',
  '~',
  'null',
  'Null',
  'NULL',
  'true',
  'False',
  'TRUE',
  'yes',
  'no',
  'on',
  '65000:1',
  '65000:666',
  '192.0.2.1',
  '10.0.0.0/8',
  '2001:db8::/32',
  '2001:db8::',
  '::1',
  'target:65000:1',
  'blackhole',
  'no-export',
  'self',
  'igp',
  'a b',
  'a#b',
  'a #b',
  'a: b',
  'a:',
  '-a',
  '- a',
  '[a]',
  '{a}',
  "it's",
  'say "hi"',
  'back\\slash',
  '',
  ' ',
  '@x',
  '&x',
  '*x',
  '!x',
  '|',
  '>',
  '%x',
  '?x',
  'é',
  '😀',
);

const scalarArb = fc.oneof(
  { weight: 6, arbitrary: scalarText },
  { weight: 2, arbitrary: fc.integer({ min: -1000, max: 4294967295 }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
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
  'label',
  'rd',
  'x_y',
  'true',
  'null',
  '10',
  'a b',
  'é',
);

const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: scalarArb },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }) },
  ),
}));

/** Route documents as people write them, so most of them stay on the fast path. */
const prefixArb = fc
  .tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 8, max: 32 }))
  .map(([a, b, len]) => `10.${a}.${b}.0/${Math.max(len, 24)}`);
const entryArb = fc.record(
  {
    prefix: prefixArb,
    prefixes: fc.array(prefixArb, { maxLength: 4 }),
    'next-hop': fc.constantFrom('192.0.2.1', 'self', '2001:db8::1'),
    med: fc.nat(100),
    community: fc.array(fc.constantFrom('65000:1', 'no-export', '65000:666'), { maxLength: 3 }),
    'as-path': fc.array(fc.nat(70000), { maxLength: 3 }),
    description: fc.constantFrom('anycast dns', 'edge # 2', "it's here", 'a: b'),
  },
  { requiredKeys: [] },
);
const routeDocArb = fc.record(
  {
    defaults: fc.record({ origin: fc.constantFrom('igp', 'egp') }, { requiredKeys: [] }),
    routes: fc.array(entryArb, { maxLength: 6 }),
  },
  { requiredKeys: ['routes'] },
);

interface Style {
  indent: number;
  indentSeq: boolean;
  flow: 'auto' | 'flow' | 'block';
  comment: boolean;
}

const styleArb: fc.Arbitrary<Style> = fc.record({
  indent: fc.integer({ min: 1, max: 4 }),
  indentSeq: fc.boolean(),
  flow: fc.constantFrom<'auto' | 'flow' | 'block'>('auto', 'flow', 'block'),
  comment: fc.boolean(),
});

function render(value: unknown, style: Style): string {
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

/** Small edits with YAML's significant characters, to walk the edges of the subset. */
const editArb = fc.array(
  fc.tuple(
    fc.nat(),
    fc.nat(3),
    fc.constantFrom(' ', '  ', '-', '- ', ':', ': ', '#', ' #', '[', ']', ',', '"', "'", '\n'),
  ),
  { maxLength: 3 },
);

function applyEdits(text: string, edits: readonly [number, number, string][]): string {
  let out = text;
  for (const [at, del, insert] of edits) {
    const i = out.length === 0 ? 0 : at % (out.length + 1);
    out = out.slice(0, i) + insert + out.slice(i + del);
  }
  return out;
}

function expectSameAsYaml(text: string): void {
  const slow = readWithYaml(text);
  const fast = readFastYaml(text);
  if (slow === undefined) {
    expect(fast).toBeUndefined();
    return;
  }
  if (fast === undefined) return;
  expect(fast.value).toStrictEqual(slow.value);
  const positions = fast.itemPositions.get('routes');
  if (positions !== undefined) expect(positions).toEqual(slow.positions);
}

describe('readFastYaml agrees with the yaml package', () => {
  test.prop([valueArb, styleArb], RUNS)('on any value yaml.stringify renders', (value, style) => {
    expectSameAsYaml(render(value, style));
  });

  test.prop([routeDocArb, styleArb], RUNS)(
    'on route documents, and takes the fast path',
    (doc, s) => {
      const text = render(doc, { ...s, flow: 'auto' });
      expectSameAsYaml(text);
      if (!/'|"/.test(text)) expect(readFastYaml(text)).toBeDefined();
    },
  );

  test.prop([fc.oneof(routeDocArb, valueArb), styleArb, editArb], RUNS)(
    'on edited documents, valid or not',
    (value, style, edits) => {
      expectSameAsYaml(applyEdits(render(value, style), edits));
    },
  );
});

/** The loader through the slow path: a tab in a trailing comment is outside the fast subset. */
const forceSlow = (text: string): string => `${text}\n#\t\n`;

describe('parseRouteDocument gives the same result on either path', () => {
  test.prop([routeDocArb, styleArb], RUNS)(
    'routes, sources and diagnostics match',
    (doc, style) => {
      const text = render(doc, style);
      const { hash: _a, ...quick } = parseRouteDocument('r.yaml', text);
      const { hash: _b, ...slow } = parseRouteDocument('r.yaml', forceSlow(text));
      expect(quick).toStrictEqual(slow);
    },
  );

  test.prop([routeDocArb, fc.boolean()], RUNS)('json documents match too', (doc, pretty) => {
    const text = JSON.stringify(doc, null, pretty ? 2 : undefined);
    const { hash: _a, ...quick } = parseRouteDocument('api', text, { format: 'json' });
    const { hash: _b, ...slow } = parseRouteDocument('api', forceSlow(text), { format: 'json' });
    expect(quick).toStrictEqual(slow);
  });
});

describe('readFastJson agrees with the yaml package', () => {
  const jsonArb = fc.oneof(
    routeDocArb,
    valueArb,
    fc.jsonValue(),
    fc.string().map((s) => ({ routes: [{ prefix: s }] })),
  );
  test.prop([jsonArb, fc.constantFrom(undefined, 0, 2, '\t', ' \r\n ')], RUNS)(
    'on any JSON text',
    (value, space) => {
      const json = JSON.stringify(value, null, space === ' \r\n ' ? 1 : space);
      const text = space === ' \r\n ' ? json.replace(/\n/g, '\r\n') : json;
      const slow = readWithYaml(text);
      const fast = readFastJson(text);
      if (slow === undefined) {
        expect(fast).toBeUndefined();
        return;
      }
      if (fast === undefined) return;
      expect(fast.value).toStrictEqual(slow.value);
      if (Array.isArray((slow.value as { routes?: unknown } | null)?.routes))
        expect(fast.itemPositions.get('routes')).toEqual(slow.positions);
    },
  );

  test.prop(
    [fc.constantFrom('{"a":1,"a":2}', '{"routes":[],"routes":[]}', '{"x":{"b":1,"b":1}}')],
    RUNS,
  )('declines duplicate keys, which yaml reports', (text) => {
    expect(readFastJson(text)).toBeUndefined();
  });
});
