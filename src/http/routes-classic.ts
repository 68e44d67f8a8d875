// The classic endpoint of the original "HTTP API for ExaBGP" pattern: POST / with a form field
// `command=announce route ...` or `withdraw route ...`. Validated, then applied as an edit of the api
// source (announce upserts, withdraw removes); nothing here ever writes a command anywhere.
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { parseRouteCommand } from '../exabgp/command.js';
import { makeRoute, routeKey } from '../core/route.js';
import type { Route } from '../core/route.js';
import { editApiSource } from './api-source.js';
import { HttpError } from './http-error.js';
import { ERROR_SCHEMA, PLAN_SCHEMA } from './openapi.js';
import type { RouteContext } from './route-context.js';
import { renderPlanView } from './views.js';

const MAX_COMMAND_BYTES = 64 * 1024;

/** The one command of the form, or a 400 naming what is wrong with it. */
export function checkCommandField(value: unknown): string {
  if (value === undefined) throw new HttpError(400, 'E_COMMAND', 'missing form field "command"');
  if (Array.isArray(value))
    throw new HttpError(
      400,
      'E_COMMAND',
      'one command per request: "command" was given more than once',
    );
  if (typeof value !== 'string')
    throw new HttpError(400, 'E_COMMAND', 'form field "command" must be text');
  if (/[\r\n]/.test(value))
    throw new HttpError(
      400,
      'E_COMMAND',
      'one command per request: the command contains a line break',
    );
  if (/[^\x20-\x7e]/.test(value)) {
    throw new HttpError(
      400,
      'E_COMMAND',
      'the command must be printable ascii (no control or non-ascii characters)',
    );
  }
  const line = value.trim();
  if (line === '') throw new HttpError(400, 'E_COMMAND', 'form field "command" is empty');
  return line;
}

/** Parse and check one command line into an edit of the api source. */
export function parseClassicCommand(line: string): {
  action: 'announce' | 'withdraw';
  route: Route;
} {
  const parsed = parseRouteCommand(line);
  if (!parsed.ok) {
    const first = parsed.diagnostics[0]?.message ?? 'invalid command';
    throw new HttpError(400, 'E_COMMAND', `rejected "${line}": ${first}`, parsed.diagnostics);
  }
  const { action, route } = parsed.value;
  return { action, route: makeRoute({ ...route, source: { source: 'api', line: 0, col: 0 } }) };
}

/** Announce upserts the route's key, withdraw removes it; undefined when nothing changes. */
export function applyCommand(
  current: readonly Route[],
  action: 'announce' | 'withdraw',
  route: Route,
): readonly Route[] | undefined {
  const key = routeKey(route);
  const existing = current.find((r) => routeKey(r) === key);
  if (action === 'withdraw')
    return existing === undefined ? undefined : current.filter((r) => r !== existing);
  if (existing !== undefined && existing.value === route.value) return undefined;
  return [...current.filter((r) => r !== existing), route];
}

interface FormBody {
  readonly command?: unknown;
}

export function registerClassicRoute(app: FastifyInstance, ctx: RouteContext): void {
  void app.register(async (scope) => {
    // Form encodings only: a JSON or text body is a 415, never a command.
    scope.removeAllContentTypeParsers();
    await scope.register(formbody, { bodyLimit: MAX_COMMAND_BYTES });
    await scope.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fieldSize: MAX_COMMAND_BYTES, fields: 4, files: 0, parts: 4 },
    });
    scope.post<{ Body: FormBody }>(
      '/',
      {
        onRequest: ctx.requireToken,
        bodyLimit: MAX_COMMAND_BYTES * 2,
        schema: {
          summary:
            'Classic form endpoint: command=announce route ... | withdraw route ... (edits the api source)',
          consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
          response: { 200: PLAN_SCHEMA, 202: PLAN_SCHEMA, 400: ERROR_SCHEMA, 409: ERROR_SCHEMA },
        },
      },
      async (request, reply) => {
        const body: FormBody =
          typeof request.body === 'object' && request.body !== null ? request.body : {};
        const { action, route } = parseClassicCommand(checkCommandField(body.command));
        const result = await editApiSource(ctx.backend, ctx.lock, {
          dryRun: false,
          next: (current) => applyCommand(current, action, route),
        });
        void reply.header('etag', result.etag);
        void reply.code(result.stored && result.view.guard.tripped ? 202 : 200);
        return renderPlanView(result.view);
      },
    );
  });
}
