// Liveness, readiness and Prometheus metrics. Never require a token: probes and scrapers read them.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { RouteContext } from './route-context.js';

export function registerHealthRoutes(
  app: FastifyInstance,
  ctx: RouteContext,
  registry: Registry,
): void {
  app.get(
    '/healthz',
    { schema: { summary: 'Alive; degraded when the input has errors (last good state in use)' } },
    () => {
      const status = ctx.backend.getStatus();
      const errors = status.diagnostics.filter((d) => d.severity === 'error').length;
      const degraded = errors > 0 || status.usingLastGood;
      return { status: degraded ? 'degraded' : 'ok', diagnostics: errors };
    },
  );
  app.get(
    '/readyz',
    { schema: { summary: 'Ready: initial sync done and acks flowing (503 otherwise)' } },
    (_request, reply) => {
      const status = ctx.backend.getStatus();
      void reply.code(status.ready ? 200 : 503);
      return status.ready
        ? { ready: true }
        : { ready: false, reason: status.readyReason ?? 'not ready' };
    },
  );
  app.get('/metrics', { schema: { summary: 'Prometheus metrics' } }, async (_request, reply) => {
    void reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
