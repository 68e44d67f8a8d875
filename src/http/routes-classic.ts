// The classic endpoint of the original "HTTP API for ExaBGP" pattern: POST / with a form field
// `command=announce route ...` or `withdraw route ...`. Validated, then applied as an edit of the api
// source (announce upserts, withdraw removes); nothing here ever writes a command anywhere.
import type { Expiry } from '../core/expiry.js';
import { MAX_TTL_MS, parseTtl } from '../config/expiry.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseRouteCommand } from '../exabgp/command.js';
import { isFlowCommand, parseFlowCommand } from '../exabgp/flow-command.js';
import { DIALECTS, type DialectName } from '../exabgp/dialect.js';
import { makeRoute, routeKey } from '../core/route.js';
import type { Route } from '../core/route.js';
import { editApiSource } from './api-source.js';
import { decodeField, formKind, parseForm, type FormField, type FormKind } from './form.js';
import { HttpError } from './http-error.js';
import { requestMediaType } from './media-type.js';
import { ERROR_SCHEMA, PLAN_SCHEMA } from './openapi.js';
import type { RouteContext } from './route-context.js';
import { quote } from './text.js';
import { renderPlanView } from './views.js';

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

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

/**
 * Parse and check one command line into an edit of the api source, in the grammar of the ExaBGP
 * version `run` speaks (4.2 by default: the as-path spelling differs).
 */
export function parseClassicCommand(
  line: string,
  dialect: DialectName = '4.2',
): {
  action: 'announce' | 'withdraw';
  route: Route;
} {
  // FlowSpec (`announce flow route ...`): the same grammar as route files' flows
  const parsed = isFlowCommand(line)
    ? parseFlowCommand(line)
    : parseRouteCommand(line, { dialect: DIALECTS[dialect] });
  if (!parsed.ok) {
    const first = parsed.diagnostics[0]?.message ?? 'invalid command';
    throw new HttpError(400, 'E_COMMAND', `rejected ${quote(line)}: ${first}`, parsed.diagnostics);
  }
  const { action, route } = parsed.value;
  if (route.flow !== undefined) return { action, route };
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
  if (
    existing !== undefined &&
    existing.value === route.value &&
    existing.expiry?.text === route.expiry?.text
  )
    return undefined;
  return [...current.filter((r) => r !== existing), route];
}

/**
 * The form's optional `ttl` field (`ttl=15m`): the announced route is withdrawn that long after
 * this edit; undefined without one. Refused when repeated, malformed or out of range.
 */
export function ttlOf(fields: readonly FormField[]): Expiry | undefined {
  const ttl = fields.filter((f) => f.name === 'ttl');
  if (ttl.length === 0) return undefined;
  if (ttl.length > 1)
    throw new HttpError(400, 'E_COMMAND', 'form field "ttl" given more than once');
  const text = decodeField(ttl[0]?.value ?? new Uint8Array(), 'the ttl');
  const ms = text.length <= 32 ? parseTtl(text) : undefined;
  if (ms === undefined || ms > MAX_TTL_MS)
    throw new HttpError(
      400,
      'E_COMMAND',
      `form field "ttl" must be a duration between 1ms and 10 years (90s, 15m, 2h, 7d, 1h30m)`,
    );
  return { ttlMs: ms, text: `ttl ${text}` };
}

/** The form's one `command` field as text: any other field, a second one or an oversize one is refused. */
export function commandOf(fields: readonly FormField[], maxBytes: number): string {
  const other = fields.find((f) => f.name !== 'command' && f.name !== 'ttl');
  if (other !== undefined)
    throw new HttpError(
      400,
      'E_COMMAND',
      `unknown form field ${quote(other.name)} (the form takes command, and ttl for an announce)`,
    );
  fields = fields.filter((f) => f.name === 'command');
  const [first, ...rest] = fields;
  if (first === undefined) return checkCommandField(undefined);
  if (rest.length > 0) return checkCommandField(fields.map((f) => f.value));
  if (first.value.length > maxBytes)
    throw new HttpError(
      413,
      'E_BODY_TOO_LARGE',
      `form field "command" is over ${maxBytes} bytes (${first.value.length})`,
    );
  return checkCommandField(decodeField(first.value, 'the command'));
}

/** The form encoding of a POST / (415 for anything else), checked before the body is read. */
function classicFormKind(request: FastifyRequest): FormKind {
  return formKind(requestMediaType(request, FORM_TYPES.join(' or ')));
}

export function registerClassicRoute(app: FastifyInstance, ctx: RouteContext): void {
  void app.register((scope, _opts, done) => {
    // Form encodings only, read whole (bounded) and parsed strictly in the handler.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      FORM_TYPES,
      { parseAs: 'buffer', bodyLimit: ctx.limits.formBodyLimit },
      (_request, body, next) => next(null, body),
    );
    scope.post<{ Body: Buffer | undefined }>(
      '/',
      {
        onRequest: ctx.requireToken,
        preParsing: (request, _reply, _payload, next) => {
          try {
            classicFormKind(request);
            next();
          } catch (err) {
            next(err as Error);
          }
        },
        bodyLimit: ctx.limits.formBodyLimit,
        schema: {
          summary:
            'Classic form endpoint: command=announce route ... | withdraw route ... | announce flow route ... | withdraw flow route ... (edits the api source)',
          consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
          response: {
            200: PLAN_SCHEMA,
            202: PLAN_SCHEMA,
            400: ERROR_SCHEMA,
            409: ERROR_SCHEMA,
            413: ERROR_SCHEMA,
            415: ERROR_SCHEMA,
          },
        },
      },
      async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const fields = parseForm(classicFormKind(request), body);
        const line = commandOf(fields, ctx.limits.commandMaxBytes);
        const spoken = ctx.backend.getStatus().exabgp?.dialect;
        const { action, route: parsed } = parseClassicCommand(
          line,
          spoken === '5.0' ? '5.0' : '4.2',
        );
        const expiry = ttlOf(fields);
        if (expiry !== undefined && action === 'withdraw')
          throw new HttpError(400, 'E_COMMAND', 'form field "ttl" goes with an announce only');
        const route = expiry === undefined ? parsed : { ...parsed, expiry };
        const result = await editApiSource(ctx.backend, ctx.lock, {
          dryRun: false,
          next: (current) => applyCommand(current, action, route),
        });
        void reply.header('etag', result.etag);
        void reply.code(result.stored && result.view.guard.tripped ? 202 : 200);
        return renderPlanView(result.view);
      },
    );
    done();
  });
}
