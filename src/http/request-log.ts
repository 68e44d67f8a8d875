// The HTTP API's request log: each refused request (4xx, 503) at warn with method, url, status code,
// error code and message, through the injected logger; others at debug. Never logs bodies or headers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cut, MAX_MESSAGE } from './text.js';

/** Longest URL in a log line (a request line may be 16 KiB). */
const MAX_LOGGED_URL = 256;

/** What an error response said (`{code, message}`), kept for the request's log line. */
interface ErrorSummary {
  readonly code: string;
  readonly message: string;
}

const errorSummaries = new WeakMap<FastifyRequest, ErrorSummary>();

/** Send an error body and remember its code and message for the log line written on response. */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  body: ErrorSummary,
): void {
  const message = cut(body.message, MAX_MESSAGE);
  errorSummaries.set(request, { code: body.code, message });
  void reply.code(status).send({ ...body, message });
}

/**
 * Log every response once it is sent. fastify's own request lines stay off (they would log each
 * probe and scrape at info); refusals are what an operator needs to see, so they are warnings.
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const fields = {
      method: cut(request.method, 16),
      url: cut(request.url, MAX_LOGGED_URL),
      status_code: status,
    };
    // 4xx and 503 (busy, shutting down) are refusals; a 500 is logged as an error where it arises.
    if ((status >= 400 && status < 500) || status === 503) {
      const error = errorSummaries.get(request);
      const described = error === undefined ? '' : `: ${error.message}`;
      request.log.warn(
        error === undefined ? fields : { ...fields, code: error.code },
        `http request refused (${status})${described}`,
      );
    } else {
      request.log.debug(fields, 'http request');
    }
    done();
  });
}
