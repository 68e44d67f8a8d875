// The fast readers agree with the `yaml` package: for any text, the fast YAML reader either declines
// or gives yaml's value and yaml's position for every node; the JSON reader for YAML documents the
// same. Texts carry what editors produce (see config-arbitraries.ts). Seeds are logged by fast-check.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { readFastJson } from '../../src/config/fast-json.js';
import { readFastYaml } from '../../src/config/fast-yaml.js';
import type { LocatedDocument } from '../../src/config/locate.js';
import {
  applyEdits,
  editArb,
  featuresArb,
  nested,
  pathsOf,
  readWithYamlPackage,
  render,
  routeDocArb,
  RUNS,
  sharedValueArb,
  styleArb,
  valueArb,
  withFeatures,
  yamlPositions,
} from './config-arbitraries.js';

function expectSameAsYaml(text: string, fast: LocatedDocument | undefined): void {
  const ref = readWithYamlPackage(text);
  if (ref === undefined) {
    expect(fast).toBeUndefined();
    return;
  }
  if (fast === undefined) return;
  expect(fast.value).toStrictEqual(ref.value);
  const requests = pathsOf(ref.value);
  expect(fast.locate(requests).map((p) => `${p.line}:${p.col}`)).toEqual(
    yamlPositions(ref, requests),
  );
}

const fastYaml = (text: string): LocatedDocument | undefined => readFastYaml(text);
const fastJson = (text: string): LocatedDocument | undefined => {
  const doc = readFastJson(text, Buffer.byteLength(text));
  return doc === undefined || 'kind' in doc ? undefined : doc;
};

describe('readFastYaml agrees with the yaml package', () => {
  test.prop([valueArb, styleArb], RUNS)('on any value yaml.stringify renders', (value, style) => {
    expectSameAsYaml(render(value, style), fastYaml(render(value, style)));
  });

  test.prop([routeDocArb, styleArb], RUNS)(
    'on route documents, and takes the fast path',
    (doc, s) => {
      const text = render(doc, { ...s, flow: 'auto' });
      expectSameAsYaml(text, fastYaml(text));
      if (!/'|"|\n\s+\S.*[|>]|\u00a0/.test(text) && !text.includes('|'))
        expect(readFastYaml(text)).toBeDefined();
    },
  );

  test.prop(
    [fc.oneof(routeDocArb, valueArb, sharedValueArb), styleArb, featuresArb, fc.nat(), editArb],
    RUNS,
  )('on documents with editor features and edits, valid or not', (value, style, f, seed, edits) => {
    const text = applyEdits(withFeatures(render(value, style), f, seed), edits);
    expectSameAsYaml(text, fastYaml(text));
  });

  test.prop([valueArb, fc.constantFrom(2, 30, 63, 64, 65, 100), fc.boolean()], RUNS)(
    'on deeply nested documents',
    (value, levels, flow) => {
      const text = render(
        { routes: nested(value, levels) },
        {
          indent: 2,
          indentSeq: true,
          flow: flow ? 'flow' : 'block',
          comment: false,
        },
      );
      expectSameAsYaml(text, fastYaml(text));
    },
  );
});

describe('readFastJson agrees with the yaml package on JSON text in a YAML document', () => {
  const jsonArb = fc.oneof(
    routeDocArb,
    valueArb,
    fc.jsonValue(),
    fc.string().map((s) => ({ routes: [{ prefix: s }] })),
  );
  test.prop([jsonArb, fc.constantFrom(undefined, 0, 2, '\t', ' \r\n '), editArb], RUNS)(
    'on any JSON text',
    (value, space, edits) => {
      const json = JSON.stringify(value, null, space === ' \r\n ' ? 1 : space);
      const text = applyEdits(space === ' \r\n ' ? json.replace(/\n/g, '\r\n') : json, edits);
      expectSameAsYaml(text, fastJson(text));
    },
  );

  test.prop(
    [fc.constantFrom('{"a":1,"a":2}', '{"routes":[],"routes":[]}', '{"x":{"b":1,"b":1}}')],
    RUNS,
  )('declines duplicate keys, which yaml reports', (text) => {
    expect(readFastJson(text, text.length)).toBeUndefined();
  });
});
