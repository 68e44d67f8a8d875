// The standing differential test of the route-document loader: strict JSON reads what JSON.parse
// reads; the `yaml` path reads what yaml's own toJS gives (or refuses it); and parseRouteDocument
// never throws, stays within a time bound, and gives the same routes and diagnostics whichever
// reader ran. Texts carry editor features (config-arbitraries.ts); fast-check logs each seed.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parseDocument } from 'yaml';
import { capDiagnostics, diagnostic } from '../../src/config/collect.js';
import { readStrictJson } from '../../src/config/fast-json.js';
import { parseRouteDocument, type SourceResult } from '../../src/config/load-routes.js';
import { checkDocument } from '../../src/config/parse-paths.js';
import { readWithYaml } from '../../src/config/yaml-document.js';
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

/** Generous for a slow CI machine: every generated document is a few KiB at most. */
const BOUND_MS = 1000;

function timed(text: string, format: 'yaml' | 'json'): Omit<SourceResult, 'hash'> {
  const start = performance.now();
  const { hash: _hash, ...result } = parseRouteDocument('r.yaml', text, { format });
  expect(performance.now() - start).toBeLessThan(BOUND_MS);
  return result;
}

/** The loader on the full path alone: the `yaml` package and the same checks after it. */
function slow(text: string): Omit<SourceResult, 'hash'> {
  const doc = readWithYaml(text, 100);
  const { hash: _hash, ...result } = Array.isArray(doc)
    ? {
        source: 'r.yaml',
        hash: '',
        routes: [],
        diagnostics: capDiagnostics(
          'r.yaml',
          doc.map((p) => diagnostic('r.yaml', p.code, p.position, '', p.message)),
        ),
      }
    : checkDocument('r.yaml', '', doc, Buffer.byteLength(text));
  return result;
}

const yamlTextArb = fc
  .tuple(
    fc.oneof(routeDocArb, valueArb, sharedValueArb),
    styleArb,
    featuresArb,
    fc.nat(),
    editArb,
    fc.constantFrom(0, 0, 0, 3, 63, 64, 65),
  )
  .map(([value, style, features, seed, edits, levels]) => {
    const v = levels === 0 ? value : { routes: nested(value, levels) };
    return applyEdits(withFeatures(render(v, style), features, seed), edits);
  });

describe('parseRouteDocument on YAML', () => {
  test.prop([yamlTextArb], RUNS)(
    'never throws, stays in bound, and reads the same on the fast and the full path',
    (text) => {
      expect(timed(text, 'yaml')).toStrictEqual(slow(text));
    },
  );

  test.prop([routeDocArb, fc.constantFrom(undefined, 2)], RUNS)(
    'reads JSON text the same as strict JSON and as YAML',
    (doc, space) => {
      const text = JSON.stringify(doc, null, space);
      const json = timed(text, 'json');
      expect(json).toStrictEqual(timed(text, 'yaml'));
      expect(json).toStrictEqual(slow(text));
    },
  );
});

describe('the yaml path reads what yaml reads, or refuses it', () => {
  test.prop([yamlTextArb], RUNS)('value and positions equal yaml toJS when accepted', (text) => {
    const mine = readWithYaml(text, 100);
    if (Array.isArray(mine)) return; // refused: stricter than yaml is allowed, looser is not
    const ref = readWithYamlPackage(text);
    expect(ref).toBeDefined();
    if (ref === undefined) return;
    expect(mine.value).toStrictEqual(ref.value);
    const requests = pathsOf(ref.value);
    expect(mine.locate(requests).map((p) => `${p.line}:${p.col}`)).toEqual(
      yamlPositions(ref, requests),
    );
  });
});

/** Whether the `yaml` package finds a repeated key in JSON text JSON.parse accepted. */
function yamlSeesDuplicate(text: string): boolean | undefined {
  const doc = parseDocument(text, { uniqueKeys: true });
  const codes = doc.errors.map((e) => e.code);
  if (codes.includes('DUPLICATE_KEY')) return true;
  return codes.length === 0 ? false : undefined;
}

const jsonTextArb = fc
  .tuple(
    fc.oneof(routeDocArb, valueArb, fc.jsonValue()),
    fc.constantFrom(undefined, 2, '\t'),
    editArb,
    fc.constantFrom('', '\ufeff', ' '),
  )
  .map(
    ([value, space, edits, prefix]) =>
      prefix + applyEdits(JSON.stringify(value, null, space), edits),
  );

describe('readStrictJson reads what JSON.parse reads', () => {
  test.prop([jsonTextArb], RUNS)('same value, or a located problem', (text) => {
    let parsed: { value: unknown } | undefined;
    try {
      parsed = { value: JSON.parse(text.replace(/^\ufeff/, '')) as unknown };
    } catch {
      parsed = undefined;
    }
    const mine = readStrictJson(text, Buffer.byteLength(text));
    if (parsed === undefined) {
      if (!/^[\s\ufeff]*$/.test(text)) expect('kind' in mine).toBe(true);
      if ('kind' in mine) expect(mine.line).toBeGreaterThan(0);
      return;
    }
    if ('kind' in mine) {
      // JSON.parse keeps the last of repeated keys; we refuse them (or too deep a document)
      expect(['duplicate', 'nesting']).toContain(mine.kind);
      if (mine.kind === 'duplicate')
        expect(yamlSeesDuplicate(text.replace(/^\ufeff/, ''))).not.toBe(false);
      return;
    }
    expect(mine.value).toStrictEqual(parsed.value);
  });
});
