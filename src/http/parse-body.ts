// One PUT /v1/desired body → routes or a rejection, the same on the event loop (small bodies) and in
// the parse worker: strict UTF-8, nothing-but-whitespace is E_EMPTY, JSON must be strict JSON, zero
// routes only from an explicit `routes` key, bounded route count and diagnostics. Never throws for
// bad input (a RangeError from deep nesting is a rejection); any other throw is a bug.
import type { Diagnostic } from '../core/diagnostic.js';
import type { Route } from '../core/route.js';
import type { FleetScope } from '../config/entries.js';
import { parseRouteDocument } from '../config/load-routes.js';
import { yamlLib } from '../config/yaml-lib.js';
import { rejectionFor, type Rejection } from './http-error.js';
import { cut } from './text.js';

export interface BodyParseOptions {
  readonly format: 'json' | 'yaml';
  readonly maxBytes: number;
  readonly maxAliasCount: number;
  readonly maxRoutes: number;
  readonly maxDiagnostics: number;
  /** Speaker selections: this speaker's entries only, or refused (a document for the fleet). */
  readonly fleet?: FleetScope;
}

export type BodyParseResult =
  | { readonly ok: true; readonly routes: readonly Route[] }
  | { readonly ok: false; readonly rejection: Rejection };

const NONE_HINT = 'send "routes: []" to withdraw every api route';

function reject(status: number, code: Rejection['code'], message: string): BodyParseResult {
  return { ok: false, rejection: { status, code, message } };
}

function syntax(message: string): Diagnostic {
  return { code: 'E_YAML', severity: 'error', file: 'api', line: 0, col: 0, path: '', message };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

type JsonCheck =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

function parseStrictJson(text: string): JsonCheck {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** Does the (valid) document say `routes:` at its top level? Only asked when it gave no route. */
function hasRoutesKey(text: string, json: JsonCheck | undefined): boolean {
  if (json !== undefined) {
    const v = json.ok ? json.value : undefined;
    return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, 'routes');
  }
  const yaml = yamlLib();
  // Aliases are not expanded here: has() looks at the top-level keys as written.
  const doc = yaml.parseDocument(text);
  return doc.errors.length === 0 && yaml.isMap(doc.contents) && doc.contents.has('routes');
}

/** Parse `bytes` as the api source's route document. */
export function parseBody(bytes: Uint8Array, options: BodyParseOptions): BodyParseResult {
  const text = decode(bytes);
  if (text === undefined) return reject(400, 'E_ENCODING', 'the body is not valid utf-8');
  if (text.trim() === '') return reject(400, 'E_EMPTY', `the body is empty; ${NONE_HINT}`);
  const json = options.format === 'json' ? parseStrictJson(text) : undefined;
  let parsed;
  try {
    parsed = parseRouteDocument('api', text, {
      format: options.format,
      maxBytes: options.maxBytes,
      maxAliasCount: options.maxAliasCount,
      ...(options.fleet === undefined ? {} : { fleet: options.fleet }),
    });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return reject(422, 'E_TOO_COMPLEX', `the document is nested too deeply (${cut(err.message)})`);
  }
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0)
    return { ok: false, rejection: rejectionFor(errors, options.maxDiagnostics) };
  if (json !== undefined && !json.ok) {
    const d = syntax(`not valid json (${cut(json.message)}); send yaml as application/yaml`);
    return { ok: false, rejection: rejectionFor([d], options.maxDiagnostics) };
  }
  const { routes } = parsed;
  if (routes.length > options.maxRoutes) {
    const message = `the document expands to ${routes.length} routes (at most ${options.maxRoutes} in one body)`;
    return reject(422, 'E_TOO_COMPLEX', message);
  }
  if (routes.length === 0 && !hasRoutesKey(text, json))
    return reject(400, 'E_EMPTY', `the document has no "routes" key; ${NONE_HINT}`);
  return { ok: true, routes };
}
