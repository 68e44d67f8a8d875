// Read endpoints for the reconciler's state (announced, plan, status) and the two control
// endpoints (POST /v1/reconcile, POST /v1/plan/confirm).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { routesToDocument } from '../core/document.js';
import { HttpError } from './http-error.js';
import { requestMediaType, requireUtf8 } from './media-type.js';
import { quote } from './text.js';
import { ERROR_SCHEMA, PLAN_SCHEMA, ROUTE_DOCUMENT_PLACEHOLDER } from './openapi.js';
import type { RouteContext } from './route-context.js';
import { renderPlanView, renderStatus } from './views.js';

const ANY_OBJECT = { type: 'object', additionalProperties: true } as const;

export function registerStateRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get(
    '/v1/announced',
    {
      schema: {
        summary:
          'What ExaBGP acknowledged (the ledger), as a route document (the routes.d file shape)',
        response: { 200: ROUTE_DOCUMENT_PLACEHOLDER },
      },
    },
    (_request, reply) => {
      const announced = ctx.backend.getAnnounced();
      void reply.header('x-pending-routes', String(announced.pending.size));
      return routesToDocument(announced.routes.values());
    },
  );
  app.get(
    '/v1/plan',
    {
      schema: {
        summary: 'The pending diff of desired vs announced, with the guard verdict',
        response: { 200: PLAN_SCHEMA },
      },
    },
    () => renderPlanView(ctx.backend.getPlan()),
  );
  app.get(
    '/v1/status',
    {
      schema: {
        summary:
          'Last reconcile, counters, diagnostics with positions, guard state, ExaBGP instance, ack errors',
        response: { 200: ANY_OBJECT },
      },
    },
    () => renderStatus(ctx.backend.getStatus()),
  );
  registerControlRoutes(app, ctx);
}

interface ConfirmBody {
  readonly hash: string;
}

/** preParsing of a JSON control body: application/json (utf-8) or 415, before it is read. */
function requireJson(request: FastifyRequest): Promise<void> {
  try {
    const type = requestMediaType(request, 'application/json');
    if (type.essence !== 'application/json')
      throw new HttpError(
        415,
        'E_MEDIA_TYPE',
        `unsupported media type ${quote(type.essence)} (application/json)`,
      );
    requireUtf8(type);
    return Promise.resolve();
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function registerControlRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post(
    '/v1/reconcile',
    {
      onRequest: ctx.requireToken,
      schema: {
        summary: 'Reconcile now (coalesced with any pending run)',
        response: { 202: ANY_OBJECT },
      },
    },
    (_request, reply) => {
      ctx.backend.requestReconcile();
      void reply.code(202);
      return { accepted: true };
    },
  );
  app.post<{ Body: ConfirmBody }>(
    '/v1/plan/confirm',
    {
      onRequest: ctx.requireToken,
      preParsing: requireJson,
      schema: {
        summary: 'Confirm the plan held by the mass-withdraw guard, named by its plan_hash',
        body: {
          type: 'object',
          required: ['hash'],
          additionalProperties: false,
          properties: { hash: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 202: ANY_OBJECT, 409: ERROR_SCHEMA },
      },
    },
    (request, reply) => {
      const result = ctx.backend.confirmPlan(request.body.hash);
      if (!result.ok) {
        const message =
          result.reason === 'nothing-to-confirm'
            ? 'no plan is waiting for confirmation'
            : `plan hash ${request.body.hash} does not match the guarded plan ${result.hash ?? ''}`.trimEnd();
        throw new HttpError(409, 'E_GUARD', message);
      }
      void reply.code(202);
      return { confirmed: true, hash: request.body.hash };
    },
  );
}
