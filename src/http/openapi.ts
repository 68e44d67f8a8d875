// The OpenAPI document (@fastify/swagger, generated from the route schemas) served at
// GET /openapi.json, and the shared response schemas the routes reference.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

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
  app.get(OPENAPI_PATH, { schema: { hide: true } }, () => app.swagger());
}
