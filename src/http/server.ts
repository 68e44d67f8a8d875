// buildServer: the fastify instance of the HTTP API, with every route, auth, limits, error mapping
// and OpenAPI. Never listens (listen.ts does) and never writes to stdout: logs go to the injected logger.
import Fastify, { LogController } from 'fastify';
import { DEFAULT_MAX_ALIAS_COUNT } from '../config/load-routes.js';
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { FleetScope } from '../config/entries.js';
import { createTokenCheck } from './auth.js';
import { BodySlot } from './body.js';
import { createDocumentParser, PARSE_WORKER_URL } from './document-parser.js';
import { HTTP_LIMITS, type HttpLimits } from './limits.js';
import { checkCodings } from './media-type.js';
import type { ReconcilerHandle } from '../runtime/handle.js';
import { HttpError } from './http-error.js';
import type { HttpErrorCode } from './http-error.js';
import { createMetricsRegistry } from './metrics.js';
import { Mutex } from './mutex.js';
import { registerOpenApi } from './openapi.js';
import { checkQuery } from './query.js';
import { registerRequestLog, sendError } from './request-log.js';
import { createRequireToken } from './route-context.js';
import type { RouteContext } from './route-context.js';
import { registerClassicRoute } from './routes-classic.js';
import { registerDesiredRoutes } from './routes-desired.js';
import { registerFleetRoutes, type FleetReader } from './routes-fleet.js';
import { registerHealthRoutes } from './routes-health.js';
import { registerStateRoutes } from './routes-state.js';
import { registerUiRoutes } from './routes-ui.js';
import { applyServerCaps, checkHost, lingerIfBodyUnread, serverOptions } from './server-options.js';
import { cut } from './text.js';

export const DEFAULT_BODY_LIMIT = HTTP_LIMITS.bodyLimit;

export interface HttpServerDeps {
  readonly backend: ReconcilerHandle;
  /** The stderr pino logger of `run` (never a stdout logger). */
  readonly logger: Logger;
  /** Bearer token for mutating endpoints; undefined = none required (loopback only, see auth.ts). */
  readonly token?: string;
  /** Largest request body in bytes (default 32 MiB). */
  readonly bodyLimit?: number;
  /** yaml's maxAliasCount for PUT bodies (default: the loader's, as for files). */
  readonly maxAliasCount?: number;
  /** Overrides of HTTP_LIMITS (tests: short timeouts, small thresholds). */
  readonly limits?: Partial<HttpLimits>;
  /**
   * The parse worker script (default: dist/http/parse-worker.js next to this module); null parses
   * every body on the event loop, for tests that run from src/ without a build.
   */
  readonly parseWorker?: URL | null;
  /** The fleet view (GET /v1/fleet); absent when not in a fleet. */
  readonly fleet?: FleetReader;
  /** How PUT bodies treat speaker selections (this speaker's entries, or refused with etcd). */
  readonly bodyScope?: FleetScope;
}

/** The fastify instance, routes registered, not listening. */
export function buildServer(deps: HttpServerDeps): FastifyInstance {
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const limits: HttpLimits = { ...HTTP_LIMITS, ...deps.limits, bodyLimit };
  // Typed as fastify's base logger so the instance is a plain FastifyInstance.
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance,
    // fastify's request lines stay off (request-log.ts logs refusals); the top-level option is deprecated.
    logController: new LogController({ disableRequestLogging: true }),
    // The default for every parser fastify owns (JSON control bodies); PUT and POST / set their own.
    bodyLimit: limits.controlBodyLimit,
    return503OnClosing: true,
    forceCloseConnections: true,
    ...serverOptions(limits),
  });
  applyServerCaps(app, limits);
  const maxAliasCount = deps.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT;
  const parser = createDocumentParser({
    workerUrl: deps.parseWorker === undefined ? PARSE_WORKER_URL : deps.parseWorker,
    limits,
    bodyLimit,
    maxAliasCount,
    logger: loggerInstance,
    ...(deps.bodyScope === undefined ? {} : { fleet: deps.bodyScope }),
  });
  app.addHook('onClose', () => parser.close());
  const ctx: RouteContext = {
    backend: deps.backend,
    lock: new Mutex(),
    requireToken: createRequireToken(
      deps.token === undefined ? undefined : createTokenCheck(deps.token),
    ),
    bodyLimit,
    maxAliasCount,
    limits,
    parser,
    slot: new BodySlot(),
  };
  // Every route, after its own hooks (the token check first): refuse what it does not define.
  app.addHook('onRoute', (route) => {
    const own = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [...own, checkQuery, checkCodings];
  });
  app.addHook('onRequest', checkHost);
  app.addHook('onSend', (request, _reply, payload, done) => {
    lingerIfBodyUnread(request);
    done(null, payload);
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    const message = `no route ${request.method} ${cut(request.url)}`;
    sendError(request, reply, 404, { code: 'E_NOT_FOUND', message });
  });
  registerRequestLog(app);
  registerOpenApi(app);
  const registry = createMetricsRegistry(deps.backend);
  void app.register((scope, _opts, done) => {
    // JSON control bodies only (fastify's default text/plain parser would take "hash=1").
    scope.removeContentTypeParser('text/plain');
    registerHealthRoutes(scope, ctx, registry);
    registerStateRoutes(scope, ctx);
    registerUiRoutes(scope, ctx, { tokenRequired: deps.token !== undefined });
    done();
  });
  registerDesiredRoutes(app, ctx);
  registerClassicRoute(app, ctx);
  registerFleetRoutes(app, ctx, deps.fleet);
  return app;
}

const FASTIFY_CODES: Readonly<Record<string, [number, HttpErrorCode]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'E_BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'E_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_TYPE: [415, 'E_MEDIA_TYPE'],
};

/** Every error becomes {code, message[, diagnostics]}; only unexpected ones are logged as errors. */
function handleError(
  err: FastifyError | HttpError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (err instanceof HttpError) {
    if (err.headers !== undefined) void reply.headers(err.headers);
    sendError(request, reply, err.statusCode, err.toBody());
    return;
  }
  const fe = err as Partial<FastifyError>;
  const mapped = fe.code === undefined ? undefined : FASTIFY_CODES[fe.code];
  if (mapped !== undefined) {
    sendError(request, reply, mapped[0], { code: mapped[1], message: err.message.toLowerCase() });
    return;
  }
  const status = fe.statusCode ?? 500;
  if (fe.validation !== undefined || (status >= 400 && status < 500)) {
    const clientStatus = status >= 400 && status < 500 ? status : 400;
    sendError(request, reply, clientStatus, { code: 'E_BAD_REQUEST', message: err.message });
    return;
  }
  // Bounded: an exception may quote its input (a 32 MiB body), and logs are not a dump.
  const logged = {
    type: err.name,
    message: cut(err.message, 1000),
    stack: cut(err.stack ?? '', 4000),
  };
  request.log.error({ error: logged, code: 'E_INTERNAL' }, 'http request failed');
  void reply.code(500).send({ code: 'E_INTERNAL', message: 'internal error (see the log)' });
}
