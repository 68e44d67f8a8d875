// GET /v1/fleet: every speaker sharing this speaker's etcd api source, and whether each converged
// to its current revision (the same view as `exabgp-reconciler fleet status --json`).
import type { FastifyInstance } from 'fastify';
import type { FleetView } from '../sources/etcd-fleet.js';
import { HttpError } from './http-error.js';

/** Reads the fleet view from the store; undefined when this speaker is not in a fleet. */
export type FleetReader = () => Promise<FleetView>;

const FLEET_TIMEOUT_MS = 3000;

export function registerFleetRoutes(app: FastifyInstance, fleet: FleetReader | undefined): void {
  app.get(
    '/v1/fleet',
    { schema: { summary: 'Every fleet speaker and whether it converged (etcd mode only)' } },
    async () => {
      if (fleet === undefined)
        throw new HttpError(
          404,
          'E_NOT_FOUND',
          'not a fleet speaker (run without --etcd-endpoints)',
        );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer from etcd in 3 s')), FLEET_TIMEOUT_MS);
      });
      try {
        return await Promise.race([fleet(), timeout]);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new HttpError(503, 'E_STORE_UNAVAILABLE', `etcd: ${message}`);
      } finally {
        clearTimeout(timer);
      }
    },
  );
}
