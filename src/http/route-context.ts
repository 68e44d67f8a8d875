// What every route module receives from buildServer: the backend, the api-source lock, the auth
// hook for mutating endpoints and the document limits. Types and one hook; no routes here.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReconcilerHandle } from '../runtime/handle.js';
import type { TokenCheck } from './auth.js';
import type { BodySlot } from './body.js';
import type { DocumentParser } from './document-parser.js';
import type { HttpLimits } from './limits.js';
import { HttpError } from './http-error.js';
import type { Mutex } from './mutex.js';

export interface RouteContext {
  readonly backend: ReconcilerHandle;
  readonly lock: Mutex;
  /** onRequest hook for mutating endpoints: 401 without the bearer token (no-op without a token). */
  readonly requireToken: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  readonly bodyLimit: number;
  readonly maxAliasCount: number;
  readonly limits: HttpLimits;
  /** PUT bodies → routes (inline when small, else in the parse worker). */
  readonly parser: DocumentParser;
  /** The one large PUT body being received or parsed. */
  readonly slot: BodySlot;
}

export function createRequireToken(check: TokenCheck | undefined): RouteContext['requireToken'] {
  return (request) => {
    if (check === undefined || check(request.headers.authorization)) return Promise.resolve();
    return Promise.reject(
      new HttpError(
        401,
        'E_UNAUTHORIZED',
        'a bearer token is required (Authorization: Bearer <token>)',
        undefined,
        {
          'www-authenticate': 'Bearer',
        },
      ),
    );
  };
}
