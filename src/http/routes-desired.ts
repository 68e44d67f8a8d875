// GET and PUT /v1/desired: the merged desired state, and the full desired state of the api source
// as a route document (JSON or YAML) with ETag/If-Match and dry runs.
import type { FastifyInstance } from 'fastify';
import { parseRouteDocument } from '../config/load-routes.js';
import { routesToDocument } from '../core/document.js';
import { computeEtag } from './etag.js';
import { editApiSource } from './api-source.js';
import { HttpError, rejectDocument } from './http-error.js';
import { ERROR_SCHEMA, PLAN_SCHEMA, ROUTE_DOCUMENT_PLACEHOLDER } from './openapi.js';
import type { RouteContext } from './route-context.js';
import { renderDesiredWithSources, renderPlanView } from './views.js';

const JSON_TYPES = ['application/json'];
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

function formatOf(contentType: string | undefined): 'json' | 'yaml' {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return JSON_TYPES.includes(type) ? 'json' : 'yaml';
}

interface PutQuery {
  readonly dry_run?: string;
}

/** `?dry_run=true|1|false|0` (validation is off for this route: the loader checks the body). */
function parseDryRun(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw new HttpError(400, 'E_BAD_REQUEST', `invalid dry_run "${value}" (true or false)`);
}

interface GetQuery {
  readonly source?: string;
}

/** Registers GET/PUT /v1/desired in an encapsulated context (its own raw-text body parsers). */
export function registerDesiredRoutes(app: FastifyInstance, ctx: RouteContext): void {
  void app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      [...JSON_TYPES, ...YAML_TYPES],
      { parseAs: 'string', bodyLimit: ctx.bodyLimit },
      (_req, body, next) => next(null, body),
    );
    registerGet(scope, ctx);
    registerPut(scope, ctx);
    done();
  });
}

function registerGet(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: GetQuery }>(
    '/v1/desired',
    {
      config: { query: ['source'] },
      schema: {
        summary:
          'The desired state: merged (each route with its source) or one source as a route document',
        querystring: {
          type: 'object',
          properties: { source: { type: 'string', description: 'api, or a route file path' } },
        },
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    (request, reply) => {
      const api = ctx.backend.getApiRoutes();
      void reply.header('etag', computeEtag(api));
      const source = request.query.source;
      if (source === undefined) return renderDesiredWithSources(ctx.backend.getDesired());
      if (source === 'api') return routesToDocument(api);
      const routes = [...ctx.backend.getDesired().values()].filter(
        (r) => r.source?.source === source,
      );
      return routesToDocument(routes);
    },
  );
}

function registerPut(app: FastifyInstance, ctx: RouteContext): void {
  app.put<{ Querystring: PutQuery; Body: string }>(
    '/v1/desired',
    {
      onRequest: ctx.requireToken,
      config: { query: ['dry_run'] },
      // The body is parsed and validated by the loader (for line/col); the schema documents it.
      validatorCompiler: () => () => true,
      schema: {
        summary: 'Replace the desired state of the api source (JSON or YAML route document)',
        querystring: { type: 'object', properties: { dry_run: { type: 'boolean' } } },
        body: {
          content: {
            'application/json': { schema: ROUTE_DOCUMENT_PLACEHOLDER },
            'application/yaml': { schema: ROUTE_DOCUMENT_PLACEHOLDER },
          },
        },
        response: {
          200: PLAN_SCHEMA,
          202: PLAN_SCHEMA,
          400: ERROR_SCHEMA,
          409: ERROR_SCHEMA,
          412: ERROR_SCHEMA,
          422: ERROR_SCHEMA,
        },
      },
    },
    async (request, reply) => {
      const dryRun = parseDryRun(request.query.dry_run);
      const text = typeof request.body === 'string' ? request.body : '';
      const parsed = parseRouteDocument('api', text, {
        format: formatOf(request.headers['content-type']),
        maxBytes: ctx.bodyLimit,
        maxAliasCount: ctx.maxAliasCount,
      });
      if (parsed.diagnostics.some((d) => d.severity === 'error'))
        throw rejectDocument(parsed.diagnostics);
      const ifMatch = request.headers['if-match'];
      if (Array.isArray(ifMatch))
        throw new HttpError(400, 'E_BAD_REQUEST', 'one if-match header at most');
      const result = await editApiSource(ctx.backend, ctx.lock, {
        ...(ifMatch === undefined ? {} : { ifMatch }),
        dryRun,
        next: () => parsed.routes,
      });
      void reply.header('etag', result.etag);
      void reply.code(result.stored && result.view.guard.tripped ? 202 : 200);
      return renderPlanView(result.view);
    },
  );
}
