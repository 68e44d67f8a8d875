// The fleet over HTTP (etcd mode): GET /v1/fleet shows every speaker sharing this speaker's etcd
// api source and whether each converged to its current revision (as `fleet status --json`);
// POST /v1/fleet/confirm {revision} is the one confirmation the fleet needs for the plans the
// mass-withdraw guard blocked at that revision, on every speaker.
import type { FastifyInstance } from 'fastify';
import type { FleetView } from '../sources/etcd-fleet.js';
import { HttpError } from './http-error.js';
import type { RouteContext } from './route-context.js';

/** What `run --etcd-endpoints` hands the HTTP API; absent when not in a fleet. */
export interface FleetReader {
  view(): Promise<FleetView>;
  confirm(revision: number): Promise<void>;
}

const FLEET_TIMEOUT_MS = 3000;

async function withStore<T>(work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer from etcd in 3 s')), FLEET_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new HttpError(503, 'E_STORE_UNAVAILABLE', `etcd: ${message}`);
  } finally {
    clearTimeout(timer);
  }
}

function need(fleet: FleetReader | undefined): FleetReader {
  if (fleet === undefined)
    throw new HttpError(404, 'E_NOT_FOUND', 'not a fleet speaker (run without --etcd-endpoints)');
  return fleet;
}

export function registerFleetRoutes(
  app: FastifyInstance,
  ctx: RouteContext,
  fleet: FleetReader | undefined,
): void {
  app.get(
    '/v1/fleet',
    { schema: { summary: 'Every fleet speaker and whether it converged (etcd mode only)' } },
    async () => {
      const f = need(fleet);
      return withStore(() => f.view());
    },
  );
  app.post(
    '/v1/fleet/confirm',
    {
      onRequest: ctx.requireToken,
      schema: {
        summary: 'Confirm, for every speaker, the guarded plans of one api source revision',
        body: {
          type: 'object',
          required: ['revision'],
          additionalProperties: false,
          properties: { revision: { type: 'integer', minimum: 1 } },
        },
      },
    },
    async (request) => {
      const f = need(fleet);
      const { revision } = request.body as { revision: number };
      await withStore(() => f.confirm(revision));
      return { confirmed: revision };
    },
  );
}
