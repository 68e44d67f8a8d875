// The route document schema (schemas/routes.schema.json): the validators ajv generated from it at
// build time (draft 2020-12, strict; see schema-codegen.ts), so no process pays for importing ajv
// and compiling the schema. Also the HTTP body schema. Reads the schema file once at import (for
// the OpenAPI document); no other I/O.
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { quoteValue } from '../core/diagnostic.js';
import {
  validate as generatedValidate,
  validateQuick as generatedQuick,
} from './routes-validator.generated.js';

/** `$id` of the route document schema. */
export const ROUTES_SCHEMA_ID = 'https://exabgp-reconciler.dev/schemas/routes.schema.json';

/** The raw schema object (for the HTTP layer's OpenAPI and for editors). */
export const ROUTES_SCHEMA: Readonly<Record<string, unknown>> = JSON.parse(
  readFileSync(new URL('../../schemas/routes.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/**
 * The validator for a whole route document that collects errors (allErrors), in
 * `validateRoutesDocument.errors`: at most about MAX_SCHEMA_ERRORS of them (its loops stop there).
 */
export const validateRoutesDocument = generatedValidate as ValidateFunction;

/** The verdict alone: stops at the first error (the fast check for valid documents). */
export const isValidRoutesDocument = generatedQuick as ValidateFunction;

export type SchemaError = ErrorObject;

/** A schema problem reduced to what a diagnostic needs. */
export interface SchemaIssue {
  readonly code: 'E_SCHEMA' | 'E_RANGE';
  /** JSON pointer of the offending value (for an unknown key: of the key itself). */
  readonly pointer: string;
  /** Point at the mapping key rather than its value (unknown keys). */
  readonly atKey: boolean;
  readonly message: string;
}

const EXPECTED: Readonly<Record<string, string>> = {
  'next-hop': 'an ipv4 or ipv6 address, or self',
  'as-path': 'an asn or a list of asns (0-4294967295), optionally ending in a nested list (AS_SET)',
  community: 'N:M, a 32-bit decimal, 0x hex or a well-known name, or a list of them',
  'large-community': 'A:B:C or a list of them',
  'extended-community':
    'target:A:B, origin:A:B, redirect:A:B, bandwidth:A:B, l2info:a:b:c:d, 0x + 16 hex digits, or a list of them',
  'cluster-list': 'an ipv4 address or a list of them',
  'path-information': 'a 32-bit integer or a dotted quad',
  label: 'an integer 0-1048575 or a list of them',
  prefix: 'a prefix such as 192.0.2.0/24 or 2001:db8::/32',
  prefixes: 'a prefix such as 192.0.2.0/24 or 2001:db8::/32',
  aggregator: 'asn:ipv4, e.g. 65000:192.0.2.1',
  rd: 'asn:number or ipv4:number',
  'originator-id': 'an ipv4 address',
  neighbors: 'ipv4 or ipv6 addresses',
  speakers: 'a list of speaker names',
  'speaker-selector': 'a mapping of label keys to string values',
};

function lastKey(pointer: string): string {
  const parts = pointer.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i] ?? '';
    if (!/^[0-9]+$/.test(p)) return p;
  }
  return '';
}

function describe(e: ErrorObject): string {
  const key = lastKey(e.instancePath);
  return `${quoteValue(e.data)}: must be ${EXPECTED[key] ?? 'valid'}`;
}

/** `pointer` and each of its ancestors, nearest first: `/a/1` → `/a/1`, `/a`, ``. */
function* selfAndAncestors(pointer: string): Generator<string> {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    yield p;
    if (p === '') return;
  }
}

function hasAncestorIn(pointer: string, set: ReadonlySet<string>, strict: boolean): boolean {
  for (const p of selfAndAncestors(pointer))
    if ((!strict || p !== pointer) && set.has(p)) return true;
  return false;
}

/**
 * One issue per outermost anyOf failure (its children folded in; a range child keeps E_RANGE),
 * then every error outside an anyOf. Linear in the errors (times the pointer depth).
 */
function foldAnyOf(errors: readonly ErrorObject[]): SchemaIssue[] {
  const anyOfAt = new Map<string, ErrorObject>();
  for (const e of errors) if (e.keyword === 'anyOf') anyOfAt.set(e.instancePath, e); // the last wins
  const anyOfPaths = new Set(anyOfAt.keys());
  const rangeUnder = new Map<string, ErrorObject>();
  for (const e of errors) {
    if (e.keyword !== 'maximum' && e.keyword !== 'minimum') continue;
    for (const p of selfAndAncestors(e.instancePath)) if (!rangeUnder.has(p)) rangeUnder.set(p, e);
  }
  const issues: SchemaIssue[] = [];
  for (const [pointer, a] of anyOfAt) {
    if (hasAncestorIn(pointer, anyOfPaths, true)) continue;
    const range = rangeUnder.get(pointer);
    issues.push(
      range === undefined
        ? { code: 'E_SCHEMA', pointer, atKey: false, message: describe(a) }
        : {
            code: 'E_RANGE',
            pointer: range.instancePath,
            atKey: false,
            message: `${quoteValue(range.data)}: ${range.message ?? 'out of range'}`,
          },
    );
  }
  for (const e of errors)
    if (!hasAncestorIn(e.instancePath, anyOfPaths, false)) issues.push(...plainIssue(e));
  return issues;
}

function plainIssue(e: ErrorObject): SchemaIssue[] {
  const at = e.instancePath;
  switch (e.keyword) {
    case 'unevaluatedProperties':
    case 'additionalProperties': {
      const key = String(
        (e.params as Record<string, unknown>)[
          `${e.keyword === 'additionalProperties' ? 'additional' : 'unevaluated'}Property`
        ],
      );
      const pointer = `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      return [
        { code: 'E_SCHEMA', pointer, atKey: true, message: `unknown key "${quoteValue(key)}"` },
      ];
    }
    case 'oneOf':
      return [
        {
          code: 'E_SCHEMA',
          pointer: at,
          atKey: false,
          message: 'an entry needs exactly one of prefix or prefixes',
        },
      ];
    case 'required':
      // the oneOf prefix/prefixes alternatives: reported once by the oneOf error
      return e.schemaPath.includes('/oneOf/')
        ? []
        : [{ code: 'E_SCHEMA', pointer: at, atKey: false, message: e.message ?? 'required' }];
    case 'maximum':
    case 'minimum':
      return [
        {
          code: 'E_RANGE',
          pointer: at,
          atKey: false,
          message: `${quoteValue(e.data)}: ${e.message ?? 'out of range'}`,
        },
      ];
    case 'pattern':
    case 'format':
      return [{ code: 'E_SCHEMA', pointer: at, atKey: false, message: describe(e) }];
    default:
      return [
        {
          code: 'E_SCHEMA',
          pointer: at,
          atKey: false,
          message: `${quoteValue(e.data)}: ${e.message ?? 'invalid'}`,
        },
      ];
  }
}

/** Turn ajv's errors into one readable issue per problem, in document order of their pointers. */
export function toSchemaIssues(errors: readonly ErrorObject[] | null | undefined): SchemaIssue[] {
  return errors === null || errors === undefined ? [] : foldAnyOf(errors);
}
