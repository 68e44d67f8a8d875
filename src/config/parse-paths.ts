// A read document (whichever reader read it: fast YAML, JSON, the `yaml` package) → SourceResult:
// empty-document check, schema (verdict first, then a bounded report), routes and semantic
// checks, positions for what is reported. The same code for every reader, so a document gives the
// same routes and diagnostics whichever path read it. Pure functions of the document.
import { compareDiagnostics, hasErrors, type Diagnostic } from '../core/diagnostic.js';
import { ProblemCollector } from './collect.js';
import {
  appendFlows,
  buildDocumentRoutes,
  type EntrySink,
  type FleetScope,
  type RouteDocument,
} from './entries.js';
import { buildDocumentFlows } from './flow-entries.js';
import { MAX_SCHEMA_ERRORS, routeBudget } from './limits.js';
import type { SourceResult } from './load-routes.js';
import { pointerToSegments, type LocatedDocument } from './locate.js';
import { isValidRoutesDocument, toSchemaIssues, validateRoutesDocument } from './schema.js';

export { diagnostic } from './collect.js';

export function failed(source: string, hash: string, diagnostics: Diagnostic[]): SourceResult {
  return { source, hash, routes: [], diagnostics: diagnostics.sort(compareDiagnostics) };
}

const WRITE_EMPTY = 'write `routes: []` to mean no routes (or give `flows:`)';

/**
 * Why `value` is an empty document, or undefined. Empty is an error, not "no routes": a file cut
 * to 0 bytes by a failed write or a full disk must not withdraw everything it announced.
 */
function emptiness(value: unknown): string | undefined {
  if (value === null || value === undefined) return `the document is empty: ${WRITE_EMPTY}`;
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const routes = (value as { routes?: unknown }).routes;
  const flows = (value as { flows?: unknown }).flows;
  if (!Object.hasOwn(value, 'routes') && !Object.hasOwn(value, 'flows'))
    return `the document has no routes key: ${WRITE_EMPTY}`;
  if (flows === null) return `flows is empty (null): write \`flows: []\` to mean no flows`;
  return routes === null ? `routes is empty (null): ${WRITE_EMPTY}` : undefined;
}

function schemaProblems(collector: ProblemCollector, value: unknown): boolean {
  validateRoutesDocument(value);
  const errors = validateRoutesDocument.errors ?? [];
  for (const issue of toSchemaIssues(errors)) {
    collector.add({
      code: issue.code,
      severity: 'error',
      path: pointerToSegments(issue.pointer),
      atKey: issue.atKey,
      message: issue.message,
    });
  }
  if (collector.errors === 0) {
    // the quick verdict and the report disagree: never seen, but never "valid" either
    const e = isValidRoutesDocument.errors?.[0];
    collector.add({
      code: 'E_SCHEMA',
      severity: 'error',
      path: pointerToSegments(e?.instancePath ?? ''),
      message: e?.message ?? 'does not match the route document schema',
    });
  }
  return errors.length >= MAX_SCHEMA_ERRORS;
}

function sinkOf(collector: ProblemCollector, doc: LocatedDocument): EntrySink {
  return {
    source: collector.source,
    report: (code, severity, path, message, refs) =>
      collector.add({ code, severity, path, message, ...(refs === undefined ? {} : { refs }) }),
    entryPosition: (i) => doc.entryPosition(i),
    get stopped() {
      return collector.exhausted;
    },
  };
}

/**
 * Check a read document and build its routes. `bytes` (the document's size) sets its route
 * budget. Routes are empty when any error was found; warnings stay in diagnostics.
 */
export function checkDocument(
  source: string,
  hash: string,
  doc: LocatedDocument,
  bytes: number,
  fleet?: FleetScope,
): SourceResult {
  const collector = new ProblemCollector(source);
  const empty = emptiness(doc.value);
  if (empty !== undefined) {
    collector.add({ code: 'E_EMPTY', severity: 'error', path: [], message: empty });
    return failed(source, hash, collector.finish(doc));
  }
  if (!isValidRoutesDocument(doc.value)) {
    const stopped = schemaProblems(collector, doc.value);
    return failed(source, hash, collector.finish(doc, stopped));
  }
  const sink = sinkOf(collector, doc);
  const value = doc.value as RouteDocument;
  let routes = buildDocumentRoutes(value, sink, routeBudget(bytes), fleet);
  const flows = value.flows ?? [];
  if (flows.length > 0) {
    const positions = doc.locate(flows.map((_f, i) => ({ path: ['flows', i] })));
    routes = appendFlows(routes, buildDocumentFlows(flows, sink, positions, fleet));
  }
  const diagnostics = collector.finish(doc);
  return { source, hash, routes: hasErrors(diagnostics) ? [] : routes, diagnostics };
}
