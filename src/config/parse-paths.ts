// The two ways a route document becomes a SourceResult: the fast path (a document in the plain
// subset that yields no diagnostic at all) and the `yaml` package, which gives every diagnostic its
// position. Pure functions of the text; the caller (load-routes.ts) owns size limits and files.
import type { Document, LineCounter, Tags } from 'yaml';
import type { ErrorCode } from '../errors.js';
import {
  compareDiagnostics,
  hasErrors,
  type Diagnostic,
  type Severity,
} from '../core/diagnostic.js';
import { buildDocumentRoutes, type EntrySink } from './entries.js';
import type { FastDocument } from './fast-yaml.js';
import type { SourceResult } from './load-routes.js';
import {
  locateNode,
  offsetToPosition,
  pointerToSegments,
  toDotPath,
  type PathSegment,
  type Position,
} from './locate.js';
import { toSchemaIssues, validateRoutesDocument } from './schema.js';
import { yamlLib } from './yaml-lib.js';

export function diagnostic(
  file: string,
  code: ErrorCode,
  pos: Position,
  path: string,
  message: string,
  severity: Severity = 'error',
): Diagnostic {
  return { code, severity, file, line: pos.line, col: pos.col, path, message };
}

export function failed(source: string, hash: string, diagnostics: Diagnostic[]): SourceResult {
  return { source, hash, routes: [], diagnostics: diagnostics.sort(compareDiagnostics) };
}

function syntaxDiagnostics(source: string, doc: Document, lc: LineCounter): Diagnostic[] {
  return doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? offsetToPosition(lc, e.pos[0]);
    const message = e.message.split('\n')[0] ?? e.message;
    return diagnostic(
      source,
      'E_YAML',
      { line: pos.line, col: pos.col },
      '',
      message.replace(/ at line \d+, column \d+:?$/, ''),
    );
  });
}

function toPlainData(
  source: string,
  doc: Document,
  maxAliasCount: number,
): { data: unknown } | Diagnostic {
  try {
    return { data: doc.toJS({ maxAliasCount }) };
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      const msg = `yaml aliases expand past the limit (maxAliasCount ${maxAliasCount})`;
      return diagnostic(source, 'E_ALIAS_LIMIT', { line: 0, col: 0 }, '', msg);
    }
    return diagnostic(
      source,
      'E_YAML',
      { line: 0, col: 0 },
      '',
      err instanceof Error ? err.message : String(err),
    );
  }
}

function schemaDiagnostics(source: string, doc: Document, lc: LineCounter): Diagnostic[] {
  return toSchemaIssues(validateRoutesDocument.errors).map((issue) => {
    const segments = pointerToSegments(issue.pointer);
    const pos = locateNode(doc, lc, segments, { key: issue.atKey });
    return diagnostic(source, issue.code, pos, toDotPath(segments), issue.message);
  });
}

function makeSink(source: string, doc: Document, lc: LineCounter, out: Diagnostic[]): EntrySink {
  const routesNode = doc.get('routes', true);
  const items = yamlLib().isSeq(routesNode) ? routesNode.items : [];
  const position = (path: readonly PathSegment[]): Position => locateNode(doc, lc, path);
  return {
    source,
    report: (code, severity, path, message) =>
      out.push(diagnostic(source, code, position(path), toDotPath(path), message, severity)),
    entryPosition: (i) => {
      const range = (items[i] as { range?: [number, number, number] } | undefined)?.range;
      return range === undefined ? { line: 0, col: 0 } : offsetToPosition(lc, range[0]);
    },
    position,
  };
}

/**
 * YAML 1.2 core reads `0x0002fde800000001` as an integer (and loses precision past 2^53); hex
 * communities must stay text, so the hex-integer tag is dropped.
 */
function withoutHexInts(tags: Tags): Tags {
  return tags.filter((t) => !(typeof t === 'object' && 'format' in t && t.format === 'HEX'));
}

/**
 * The fast path: a document inside the plain subset (fast-yaml.ts) that validates and builds with
 * no diagnostic at all. Anything else returns undefined and goes through the `yaml` package, so
 * every diagnostic and position comes from one place.
 */
export function parseFast(
  source: string,
  hash: string,
  fast: FastDocument,
): SourceResult | undefined {
  const data = fast.value;
  if (data === null || data === undefined) return { source, hash, routes: [], diagnostics: [] };
  if (!validateRoutesDocument(data)) return undefined;
  const positions = fast.itemPositions.get('routes') ?? [];
  let reported = false;
  const sink: EntrySink = {
    source,
    report: () => {
      reported = true;
    },
    entryPosition: (i) => positions[i] ?? { line: 0, col: 0 },
    position: () => {
      reported = true;
      return { line: 0, col: 0 };
    },
  };
  const routes = buildDocumentRoutes(data, sink);
  return reported ? undefined : { source, hash, routes, diagnostics: [] };
}

/** The full path through the `yaml` package: syntax errors, aliases, positions of every node. */
export function parseWithYaml(
  source: string,
  hash: string,
  text: string,
  maxAliasCount: number,
): SourceResult {
  const { LineCounter: Counter, parseDocument } = yamlLib();
  const lc = new Counter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    prettyErrors: true,
    uniqueKeys: true,
    customTags: withoutHexInts,
  });
  if (doc.errors.length > 0) return failed(source, hash, syntaxDiagnostics(source, doc, lc));
  const plain = toPlainData(source, doc, maxAliasCount);
  if (!('data' in plain)) return failed(source, hash, [plain]);
  if (plain.data === null || plain.data === undefined)
    return { source, hash, routes: [], diagnostics: [] };
  if (!validateRoutesDocument(plain.data))
    return failed(source, hash, schemaDiagnostics(source, doc, lc));
  const diagnostics: Diagnostic[] = [];
  const routes = buildDocumentRoutes(plain.data, makeSink(source, doc, lc, diagnostics));
  diagnostics.sort(compareDiagnostics);
  return { source, hash, routes: hasErrors(diagnostics) ? [] : routes, diagnostics };
}
