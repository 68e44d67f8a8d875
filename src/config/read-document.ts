// Text → a read document, by the cheapest reader that reads it exactly: strict JSON for `json`;
// for YAML, JSON.parse for JSON text, the fast subset reader, and only then the `yaml` package,
// which is slow (and so bounded to FULL_YAML_MAX_BYTES). Problems come back as diagnostics.
import type { Diagnostic } from '../core/diagnostic.js';
import { capDiagnostics, diagnostic } from './collect.js';
import { readFastJson, readStrictJson } from './fast-json.js';
import { scanFastYaml } from './fast-yaml.js';
import type { JsonProblem } from './json-scan.js';
import {
  BYTES_PER_VALUE,
  FULL_YAML_MAX_BYTES,
  MAX_MAPPING_KEYS,
  MAX_NESTING,
  VALUE_FLOOR,
  valueBudget,
} from './limits.js';
import type { LocatedDocument, Position } from './locate.js';
import { readWithYaml } from './yaml-document.js';

export interface ReadOptions {
  readonly format: 'yaml' | 'json';
  readonly maxAliasCount: number;
  /** The text's size in UTF-8 bytes (the caller has it already). */
  readonly bytes: number;
}

/** 1-based line:col of a string offset (for the rare problem that only has an offset). */
function positionAt(text: string, offset: number): Position {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

function denseMessage(bytes: number): string {
  return (
    `more than ${valueBudget(bytes)} values in ${bytes} bytes: a document holds at most one ` +
    `value per ${BYTES_PER_VALUE} bytes, or ${VALUE_FLOOR} (route documents need 8 or more)`
  );
}

function wideMessage(): string {
  return `a mapping with more than ${MAX_MAPPING_KEYS} keys (a route document's have at most 30)`;
}

function jsonDiagnostic(source: string, text: string, bytes: number, p: JsonProblem): Diagnostic {
  const at = p.line > 0 ? { line: p.line, col: p.col } : positionAt(text, p.offset);
  if (p.kind === 'dense')
    return diagnostic(source, 'E_FILE_TOO_LARGE', at, '', denseMessage(bytes));
  if (p.kind === 'nesting') return diagnostic(source, 'E_NESTING', at, '', p.message);
  if (p.kind === 'wide') return diagnostic(source, 'E_SCHEMA', at, '', wideMessage());
  // E_YAML is the syntax code for either format (the HTTP API answers it with 400)
  return diagnostic(source, 'E_YAML', at, '', `invalid json: ${p.message}`);
}

/**
 * An upper bound on the values of a YAML text, by one pass over its characters: each value of
 * the plain subset is introduced by `- `, a `key: ` (two values), `[`, `{` or `,`. Quoted text and
 * comments only make the bound looser.
 */
export function estimateYamlValues(text: string): number {
  let n = 1;
  const end = text.length;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 91 || c === 123) n++;
    else if (c === 45 || c === 58) {
      const next = text.charCodeAt(i + 1);
      if (next === 32 || next === 10 || next === 13 || i + 1 === end) n += c === 58 ? 2 : 1;
    }
  }
  return n;
}

/** `{` or `[` first (after white space): JSON text, which JSON.parse may read for YAML. */
const JSON_LIKE = /^[ \t\r\n]*[{[]/;

/**
 * Read `text` as `options.format`: the document with its positions, or why not (diagnostics, at
 * most MAX_DIAGNOSTICS and a summary). Never throws for bad input.
 */
export function readDocument(
  source: string,
  text: string,
  options: ReadOptions,
): LocatedDocument | Diagnostic[] {
  const { bytes } = options;
  if (options.format === 'json') {
    const doc = readStrictJson(text, bytes);
    return 'kind' in doc ? [jsonDiagnostic(source, text, bytes, doc)] : doc;
  }
  if (JSON_LIKE.test(text)) {
    const doc = readFastJson(text, bytes);
    if (doc !== undefined) return 'kind' in doc ? [jsonDiagnostic(source, text, bytes, doc)] : doc;
  }
  if (bytes > VALUE_FLOOR && estimateYamlValues(text) > valueBudget(bytes))
    return [diagnostic(source, 'E_FILE_TOO_LARGE', { line: 1, col: 1 }, '', denseMessage(bytes))];
  const fast = scanFastYaml(text);
  if (!('declined' in fast)) return fast;
  const at = { line: fast.line, col: fast.col };
  if (fast.reason === 'nesting') {
    const msg = `nested deeper than ${MAX_NESTING} levels`;
    return [diagnostic(source, 'E_NESTING', at, '', msg)];
  }
  if (fast.reason === 'wide') return [diagnostic(source, 'E_SCHEMA', at, '', wideMessage())];
  if (bytes > FULL_YAML_MAX_BYTES) {
    const msg =
      `${bytes} bytes exceeds the limit of ${FULL_YAML_MAX_BYTES} bytes for yaml outside the ` +
      'plain subset, which starts here (anchors, tags, block scalars, multi-line flow or quoted ' +
      'scalars, tabs); the plain subset is read up to the document size limit';
    return [diagnostic(source, 'E_FILE_TOO_LARGE', at, '', msg)];
  }
  const doc = readWithYaml(text, options.maxAliasCount);
  if (!Array.isArray(doc)) return doc;
  return capDiagnostics(
    source,
    doc.map((p) => diagnostic(source, p.code, p.position, '', p.message)),
  );
}
