// The committed validator module is exactly what ajv generates from the committed schema: a schema
// edit without `npm run gen:schema` fails here rather than validating against a stale schema.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_URL,
  generateRoutesValidatorSource,
  readRoutesSchema,
} from '../../../src/config/schema-codegen.js';
import { validateRoutesDocument } from '../../../src/config/schema.js';

describe('generated route schema validator', () => {
  it('is up to date with schemas/routes.schema.json (run npm run gen:schema)', () => {
    expect(readFileSync(GENERATED_URL, 'utf8')).toBe(
      generateRoutesValidatorSource(readRoutesSchema()),
    );
  });

  it('fails generation for a schema mistake that ajv strict mode catches', () => {
    const schema = { ...readRoutesSchema(), unknownKeyword: true };
    expect(() => generateRoutesValidatorSource(schema)).toThrow(/unknown keyword/);
  });

  it('validates as the schema says: formats, lengths (ucs2length) and unknown keys', () => {
    const ok = { routes: [{ prefix: '10.0.0.0/24', 'next-hop': '192.0.2.1' }] };
    expect(validateRoutesDocument(ok)).toBe(true);
    const bad = { routes: [{ prefix: '10.0.0.0/24', 'next-hop': '192.0.2.1', colour: 'red' }] };
    expect(validateRoutesDocument(bad)).toBe(false);
    expect((validateRoutesDocument.errors ?? []).map((e) => e.keyword)).toContain(
      'unevaluatedProperties',
    );
    const long = { routes: [{ prefix: `${'1'.repeat(70)}/24`, 'next-hop': '192.0.2.1' }] };
    expect(validateRoutesDocument(long)).toBe(false);
    expect((validateRoutesDocument.errors ?? []).map((e) => e.keyword)).toContain('maxLength');
    // 62 characters + '/24' is 65 > 64; the same count of astral characters is 65 code points.
    const at = (p: string): unknown => ({ routes: [{ prefix: p, 'next-hop': '192.0.2.1' }] });
    validateRoutesDocument(at(`${'1'.repeat(61)}/24`));
    expect((validateRoutesDocument.errors ?? []).map((e) => e.keyword)).not.toContain('maxLength');
    validateRoutesDocument(at(`${'\u{1F600}'.repeat(61)}/24`));
    expect((validateRoutesDocument.errors ?? []).map((e) => e.keyword)).not.toContain('maxLength');
    validateRoutesDocument(at(`${'\u{1F600}'.repeat(62)}/24`));
    expect((validateRoutesDocument.errors ?? []).map((e) => e.keyword)).toContain('maxLength');
  });
});
