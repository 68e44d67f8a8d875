// Query strings fail closed: every route lists the parameters it takes (`config.query`), and any
// other name (a typo such as ?dryrun=1) or a name given twice is a 400 E_QUERY before anything runs.
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';
import { quote } from './text.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The query parameters this route takes (none when absent). */
    readonly query?: readonly string[];
  }
}

/** onRequest check of `request.query` against the route's `config.query`. */
export function checkQuery(request: FastifyRequest): Promise<void> {
  const allowed = request.routeOptions.config.query ?? [];
  const query = request.query as Readonly<Record<string, unknown>> | undefined;
  for (const [name, value] of Object.entries(query ?? {})) {
    if (!allowed.includes(name)) {
      const takes = allowed.length === 0 ? 'takes none' : `takes: ${allowed.join(', ')}`;
      return Promise.reject(
        new HttpError(
          400,
          'E_QUERY',
          `unknown query parameter ${quote(name)} (this endpoint ${takes})`,
        ),
      );
    }
    if (Array.isArray(value)) {
      return Promise.reject(
        new HttpError(400, 'E_QUERY', `query parameter ${quote(name)} given more than once`),
      );
    }
  }
  return Promise.resolve();
}
