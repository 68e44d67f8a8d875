// The read-only status page: GET /ui (HTML), /ui/app.js, /ui/app.css, all served from this
// process (no CDN), and GET /ui/state, the one document the page and `exabgp-reconciler status`
// read: /v1/status, the verdict (converged, and if not why) and the pending plan's first lines.
// Mutations stay on the API's own endpoints (POST /v1/plan/confirm, behind the token).
import type { FastifyInstance } from 'fastify';
import type { ReconcilerStatus } from '../runtime/handle.js';
import type { RouteContext } from './route-context.js';
import { assessStatus, planExcerpt, type PlanExcerpt, type StatusJson } from './status-summary.js';
import { FAVICON_SVG } from './ui/favicon.js';
import { PAGE_CSS } from './ui/page-css.js';
import { PAGE_HTML } from './ui/page-html.js';
import { PAGE_JS } from './ui/page-js.js';
import { renderStatus } from './views.js';

export interface UiOptions {
  /** Whether POST /v1/plan/confirm needs a bearer token (the page then asks for it). */
  readonly tokenRequired: boolean;
  /** The pending plan (a full diff) is recomputed after each reconcile, else this often. */
  readonly planCacheMs?: number;
  /** Milliseconds since the epoch (tests inject a clock). */
  readonly now?: () => number;
}

/** Everything the page loads comes from here; no inline script, no other origin. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const ASSETS: Readonly<Record<string, readonly [string, string]>> = {
  '/ui': ['text/html; charset=utf-8', PAGE_HTML],
  '/ui/app.js': ['text/javascript; charset=utf-8', PAGE_JS],
  '/ui/app.css': ['text/css; charset=utf-8', PAGE_CSS],
  '/ui/favicon.svg': ['image/svg+xml', FAVICON_SVG],
};

export function registerUiRoutes(
  app: FastifyInstance,
  ctx: RouteContext,
  options: UiOptions,
): void {
  for (const [url, [type, body]] of Object.entries(ASSETS)) {
    app.get(url, { schema: { hide: true } }, (_request, reply) => {
      void reply
        .header('content-type', type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache');
      return body;
    });
  }
  const now = options.now ?? Date.now;
  const cacheMs = options.planCacheMs ?? 30_000;
  // Recomputed when a reconcile finished or the counts moved, else at most every cacheMs: a
  // page left open on a 1M-route table must not run a full diff per poll.
  let cached: { at: number; key: string; plan: PlanExcerpt } | undefined;
  const currentPlan = (status: ReconcilerStatus): PlanExcerpt => {
    const at = now();
    const key = [
      status.lastReconcile?.id ?? 0,
      status.desiredCount,
      status.announcedCount,
      status.pendingCount,
      status.guardBlocked?.hash ?? '',
    ].join(' ');
    if (cached === undefined || cached.key !== key || at - cached.at >= cacheMs || at < cached.at)
      cached = { at, key, plan: planExcerpt(ctx.backend.getPlan()) };
    return cached.plan;
  };
  app.get(
    '/ui/state',
    {
      schema: {
        summary:
          'What the /ui page and `exabgp-reconciler status` show: /v1/status, whether it is converged and why not, the pending plan (first 50 changes per kind; recomputed after each reconcile, else every 30 s)',
      },
    },
    () => {
      const raw = ctx.backend.getStatus();
      const status = renderStatus(raw);
      const plan = currentPlan(raw);
      return {
        generated_at: new Date(now()).toISOString(),
        token_required: options.tokenRequired,
        verdict: assessStatus(status as unknown as StatusJson, plan),
        plan,
        status,
      };
    },
  );
}
