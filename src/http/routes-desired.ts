// GET and PUT /v1/desired: the merged desired state, and the full desired state of the api source
// as a route document (JSON or YAML) with ETag/If-Match and dry runs. A PUT is checked before its
// body is read (media type, size, the large-body slot) and parsed off the event loop when large.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { routesToDocument } from '../core/document.js';
import { busy, declaredLength, readBody, releaseSlotAfter, tooLarge } from './body.js';
import { computeEtag } from './etag.js';
import { editApiSource } from './api-source.js';
import { HttpError } from './http-error.js';
import { requestMediaType, requireUtf8 } from './media-type.js';
import { ERROR_SCHEMA, PLAN_SCHEMA, ROUTE_DOCUMENT_PLACEHOLDER } from './openapi.js';
import type { RouteContext } from './route-context.js';
import { quote } from './text.js';
import { renderDesiredWithSources, renderPlanViewText } from './views.js';

const JSON_TYPES = ['application/json'];
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
const EXPECTED = 'application/json or application/yaml';

/** The document format a PUT's Content-Type names; 415 for anything else (never a YAML guess). */
export function desiredFormat(request: FastifyRequest): 'json' | 'yaml' {
  const type = requestMediaType(request, EXPECTED);
  const format = JSON_TYPES.includes(type.essence)
    ? 'json'
    : YAML_TYPES.includes(type.essence)
      ? 'yaml'
      : undefined;
  if (format === undefined)
    throw new HttpError(
      415,
      'E_MEDIA_TYPE',
      `unsupported media type ${quote(type.essence)} (${EXPECTED})`,
    );
  requireUtf8(type);
  return format;
}

interface PutQuery {
  readonly dry_run?: string;
}

/** `?dry_run=true|1|false|0` (validation is off for this route: the loader checks the body). */
function parseDryRun(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw new HttpError(400, 'E_BAD_REQUEST', `invalid dry_run ${quote(value)} (true or false)`);
}

interface GetQuery {
  readonly source?: string;
}

/** Registers GET/PUT /v1/desired in an encapsulated context (its own body reader). */
export function registerDesiredRoutes(app: FastifyInstance, ctx: RouteContext): void {
  void app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    // Every media type was checked in preParsing; this reads the raw bytes with the limits.
    scope.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage) =>
      readBody(payload, {
        limit: ctx.bodyLimit,
        inlineMax: ctx.limits.inlineParseMaxBytes,
        onLarge: () => {
          if (!ctx.slot.tryAcquire(request)) throw busy(ctx.limits.retryAfterSeconds);
        },
      }),
    );
    scope.addHook('onResponse', (request, _reply, next) => {
      ctx.slot.release(request);
      next();
    });
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
      void reply.header('etag', ctx.backend.getApiEtag?.() ?? computeEtag(api));
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

/**
 * preParsing: refuse before reading a byte (415 media type, 413 declared size), and take the
 * large-body slot for a declared large body (503 while another one holds it).
 */
function checkBeforeBody(ctx: RouteContext) {
  return (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      desiredFormat(request);
      const length = declaredLength(request);
      if (length !== undefined && length > ctx.bodyLimit) throw tooLarge(ctx.bodyLimit);
      releaseSlotAfter(ctx.slot, request, reply);
      if (length !== undefined && length > ctx.limits.inlineParseMaxBytes) {
        if (!ctx.slot.tryAcquire(request)) throw busy(ctx.limits.retryAfterSeconds);
      }
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
}

function registerPut(app: FastifyInstance, ctx: RouteContext): void {
  app.put<{ Querystring: PutQuery; Body: Buffer | undefined }>(
    '/v1/desired',
    {
      onRequest: ctx.requireToken,
      preParsing: checkBeforeBody(ctx),
      config: { query: ['dry_run'] },
      bodyLimit: ctx.bodyLimit,
      // The body is parsed and validated by the loader (for line/col); the schema documents it.
      validatorCompiler: () => () => true,
      schema: {
        summary: 'Replace the desired state of the api source (JSON or YAML route document)',
        querystring: {
          type: 'object',
          properties: { dry_run: { type: 'string', enum: ['true', 'false', '1', '0', ''] } },
        },
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
          413: ERROR_SCHEMA,
          415: ERROR_SCHEMA,
          422: ERROR_SCHEMA,
          503: ERROR_SCHEMA,
        },
      },
    },
    async (request, reply) => {
      const dryRun = parseDryRun(request.query.dry_run);
      const ifMatch = request.headers['if-match'];
      if (Array.isArray(ifMatch))
        throw new HttpError(400, 'E_BAD_REQUEST', 'one if-match header at most');
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const parsed = await ctx.parser.parse(body, desiredFormat(request));
      if (!parsed.ok) throw HttpError.fromRejection(parsed.rejection);
      const result = await editApiSource(ctx.backend, ctx.lock, {
        ...(ifMatch === undefined ? {} : { ifMatch }),
        dryRun,
        next: () => parsed.routes,
      });
      void reply.header('etag', result.etag);
      void reply.code(result.stored && result.view.guard.tripped ? 202 : 200);
      // a 100k-route plan is ~20 MB of JSON: built in slices, sent as is (no second serialisation)
      void reply.type('application/json; charset=utf-8');
      return renderPlanViewText(result.view);
    },
  );
}
