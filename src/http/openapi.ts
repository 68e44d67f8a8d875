// The OpenAPI document (@fastify/swagger, generated from the route schemas) served at
// GET /openapi.json, and the shared response schemas the routes reference.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { ROUTES_SCHEMA } from '../config/schema.js';

export const OPENAPI_PATH = '/openapi.json';

export const ERROR_SCHEMA = {
  type: 'object',
  description: 'An error: a stable code, a message, and for rejected documents every diagnostic',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    diagnostics: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'severity', 'source', 'path', 'message'],
        properties: {
          code: { type: 'string' },
          severity: { type: 'string', enum: ['error', 'warning'] },
          source: { type: 'string', description: 'api, or a route file path' },
          path: {
            type: 'string',
            description: 'dotted path into the document, e.g. routes[2].next-hop',
          },
          line: { type: 'integer' },
          col: { type: 'integer' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

/** Placeholder in route schemas; replaced by a $ref to the route document component. */
export const ROUTE_DOCUMENT_PLACEHOLDER = {
  type: 'object',
  description: 'A route document (schemas/routes.schema.json): the routes.d file shape',
  additionalProperties: true,
} as const;

const ROUTE_DOCUMENT_REF = { $ref: '#/components/schemas/RouteDocument' };
const DEFS_PREFIX = 'routes.';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function rewriteRefs(value: Json): Json {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      k === '$ref' && typeof v === 'string'
        ? v.replace(/^#\/\$defs\//, `#/components/schemas/${DEFS_PREFIX}`)
        : rewriteRefs(v);
  }
  return out;
}

/** The route document schema and its $defs as OpenAPI 3.1 components, refs rewritten. */
function routeDocumentComponents(): Record<string, Json> {
  const { $schema: _s, $id: _i, $defs, ...root } = ROUTES_SCHEMA as Record<string, Json>;
  const components: Record<string, Json> = { RouteDocument: rewriteRefs(root) };
  for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
    components[`${DEFS_PREFIX}${name}`] = rewriteRefs(def);
  }
  return components;
}

/**
 * @fastify/swagger flattens `$ref` with sibling keywords and cannot resolve `#/$defs` inside a
 * request body, so the route document goes in as components and every placeholder becomes a $ref.
 */
export function withRouteDocument(doc: Record<string, unknown>): Record<string, unknown> {
  const replaced = JSON.parse(
    JSON.stringify(doc, (_k, v: unknown) =>
      typeof v === 'object' &&
      v !== null &&
      (v as { description?: unknown }).description === ROUTE_DOCUMENT_PLACEHOLDER.description
        ? ROUTE_DOCUMENT_REF
        : v,
    ),
  ) as Record<string, unknown> & { components?: { schemas?: Record<string, unknown> } };
  const components = replaced.components ?? {};
  return {
    ...replaced,
    components: {
      ...components,
      schemas: { ...(components.schemas ?? {}), ...routeDocumentComponents() },
    },
  };
}

export const PLAN_SCHEMA = {
  type: 'object',
  description:
    'The plan as `plan --format json` prints it, plus plan_hash (for POST /v1/plan/confirm)',
  additionalProperties: true,
  properties: { plan_hash: { type: 'string' } },
} as const;

/**
 * Register @fastify/swagger and the route serving its document. Call before registering the route
 * plugins: swagger sees only routes added after it loads.
 */
export function registerOpenApi(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'exabgp-reconciler HTTP API',
        version: '1',
        description:
          'Desired state in, plans out. Mutating endpoints need `Authorization: Bearer <token>` when the server runs with a token file.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
  let cached: Record<string, unknown> | undefined;
  app.get(OPENAPI_PATH, { schema: { hide: true } }, () => {
    cached ??= withRouteDocument(app.swagger() as unknown as Record<string, unknown>);
    return cached;
  });
}
