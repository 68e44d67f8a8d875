// "Is it converged, and if not why": a verdict over the GET /v1/status document and the pending
// plan, shared by `exabgp-reconciler status` and the /ui page. Pure functions of JSON values.
import type { PlanView } from '../runtime/handle.js';
import { renderPlanText } from '../core/render.js';
import { summarizePlan, type Plan } from '../core/plan.js';

/** The fields of the GET /v1/status document this module reads (renderStatus in views.ts). */
export interface StatusJson {
  readonly ready: boolean;
  readonly ready_reason?: string;
  readonly exabgp: {
    readonly instance: { readonly pid: number; readonly start_time: string } | null;
    readonly ack: string;
    readonly version?: string | null;
    readonly dialect?: string | null;
  };
  readonly last_reconcile: {
    readonly id: number;
    readonly started_at: string;
    readonly duration_ms: number;
    readonly outcome: string;
    readonly summary: Readonly<Record<string, number>>;
    readonly lines: {
      readonly written: number;
      readonly done: number;
      readonly errors: number;
      readonly timeouts: number;
    };
    readonly error?: { readonly code: string; readonly message: string };
  } | null;
  readonly last_success_at: string | null;
  readonly desired_count: number;
  readonly announced_count: number;
  readonly pending_count: number;
  readonly using_last_good: boolean;
  readonly ledger_trusted: boolean;
  readonly neighbors: Readonly<Record<string, { readonly state: string; readonly at: string }>>;
  readonly diagnostics: readonly {
    readonly code: string;
    readonly severity: string;
    readonly source: string;
    readonly line?: number;
    readonly col?: number;
    readonly path: string;
    readonly message: string;
  }[];
  readonly guard: {
    readonly blocked: boolean;
    readonly hash?: string;
    readonly reason?: string;
  };
  readonly verify?: {
    readonly outcome: string;
    readonly at: string;
    readonly missing: number;
    readonly different: number;
    readonly extra: number;
    readonly error?: string;
  } | null;
  readonly progress?: {
    readonly routes_total: number;
    readonly routes_done: number;
    readonly routes_failed: number;
    readonly rate_per_second: number;
    readonly eta_seconds: number | null;
  } | null;
  readonly families?: {
    readonly desired: Readonly<Record<string, number>>;
    readonly announced: Readonly<Record<string, number>>;
  };
  readonly recent_ack_errors: readonly { readonly at: string; readonly line: string }[];
}

/** The pending plan as the page and `status` show it: counts, guard, hash, and its first lines. */
export interface PlanExcerpt {
  readonly summary: {
    readonly announce: number;
    readonly update: number;
    readonly withdraw: number;
    readonly unchanged: number;
  };
  readonly empty: boolean;
  readonly plan_hash: string;
  readonly guard: { readonly tripped: boolean; readonly reason: string };
  /** renderPlanText of the first `limit` changes of each kind, with the real summary line. */
  readonly text: string;
  /** Changes left out of `text`. */
  readonly omitted: number;
}

export interface Verdict {
  readonly converged: boolean;
  /** Why not, one sentence each; empty when converged. */
  readonly reasons: readonly string[];
  /** Worth knowing but not a convergence problem (a neighbor down). */
  readonly warnings: readonly string[];
}

/** Reasons and warnings one status section contributes to the verdict. */
export type SectionVerdict = (status: StatusJson & Readonly<Record<string, unknown>>) => {
  readonly reasons: readonly string[];
  readonly warnings: readonly string[];
};

/**
 * Extension point for the status sections other issues add (health `checks`, fleet `speakers`,
 * `flows`): each entry reads its own top-level key of the GET /v1/status document (absent: no
 * opinion) and says why that part is not converged. `status` and /ui show an unknown section as
 * JSON under its name until they get a renderer (SECTION_RENDERERS in cli/status-text.ts,
 * RENDERERS in ui/page-js.ts).
 */
export const SECTION_VERDICTS: readonly SectionVerdict[] = [checksVerdict];

interface ChecksSection {
  readonly routes: {
    readonly held_by_floor: number;
    readonly held_by_fleet_floor?: number;
    readonly withdrawn: number;
    readonly drained: number;
  };
  readonly floor_rule: string;
  readonly fleet_floor?: { readonly min: number };
  readonly conflicts: readonly string[];
  readonly checks: readonly {
    readonly name: string;
    readonly state: string;
    readonly damped: boolean;
    readonly last: { readonly reason: string } | null;
  }[];
}

/** Health checks: down or flapping checks, the floor holding routes, conflicting declarations. */
function checksVerdict(status: Readonly<Record<string, unknown>>): {
  reasons: string[];
  warnings: string[];
} {
  const c = status['checks'] as ChecksSection | undefined;
  if (c === undefined) return { reasons: [], warnings: [] };
  const warnings: string[] = [];
  for (const k of c.checks) {
    if (k.damped) warnings.push(`health check ${k.name} is flapping: held down`);
    else if (k.state === 'down')
      warnings.push(`health check ${k.name} is down${k.last === null ? '' : `: ${k.last.reason}`}`);
  }
  if (c.routes.held_by_floor > 0)
    warnings.push(
      `health floor (${c.floor_rule}) keeps ${c.routes.held_by_floor} gated routes announced whose checks fail`,
    );
  const fleetHeld = c.routes.held_by_fleet_floor ?? 0;
  if (fleetHeld > 0)
    warnings.push(
      `health fleet floor (${c.fleet_floor?.min ?? '?'}) keeps ${fleetHeld} gated routes announced whose checks fail`,
    );
  for (const name of c.conflicts)
    warnings.push(`health check ${name} is declared differently by two sources`);
  return { reasons: [], warnings };
}

/** The plan text cut to `limit` changes per kind (a cold start's plan is the whole table). */
export function planExcerpt(view: PlanView, limit = 50): PlanExcerpt {
  const plan = view.plan;
  const cut: Plan = {
    announce: plan.announce.slice(0, limit),
    update: plan.update.slice(0, limit),
    withdraw: plan.withdraw.slice(0, limit),
    reassert: plan.reassert.slice(0, limit),
    unchanged: plan.unchanged,
  };
  const summary = summarizePlan(plan);
  const omitted =
    summary.announce +
    summary.update +
    summary.withdraw -
    summarizePlan(cut).announce -
    summarizePlan(cut).update -
    summarizePlan(cut).withdraw;
  const empty = summary.announce + summary.update + summary.withdraw === 0;
  const lines = renderPlanText(cut, { color: false, guard: view.guard }).trimEnd().split('\n');
  lines.pop();
  if (omitted > 0) lines.push(`... and ${omitted} more changes`, '');
  lines.push(
    empty
      ? 'No changes.'
      : `Plan: ${summary.announce} to announce, ${summary.update} to update, ${summary.withdraw} to withdraw.`,
  );
  return {
    summary,
    empty,
    plan_hash: view.hash,
    guard: { tripped: view.guard.tripped, reason: view.guard.reason },
    text: `${lines.join('\n').replace(/^\n+/, '')}\n`,
    omitted,
  };
}

function lastReconcileReasons(r: NonNullable<StatusJson['last_reconcile']>): string[] {
  if (r.outcome === 'failed')
    return [`the last reconcile failed: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`.trim()];
  const out: string[] = [];
  if (r.lines.errors > 0)
    out.push(`exabgp rejected ${r.lines.errors} line(s) of the last reconcile`);
  if (r.lines.timeouts > 0)
    out.push(`exabgp did not answer ${r.lines.timeouts} line(s) of the last reconcile`);
  return out;
}

/**
 * Converged means: ready, nothing being applied, no held plan, no input error, nothing pending,
 * a clean last reconcile and an empty plan. Each failed condition is one reason.
 * @example assessStatus(status, plan).reasons // ['2 routes pending (written, not acknowledged)']
 */
export function assessStatus(status: StatusJson, plan: PlanExcerpt | null): Verdict {
  const reasons: string[] = [];
  const warnings: string[] = [];
  if (!status.ready) reasons.push(`not ready: ${status.ready_reason ?? 'unknown reason'}`);
  const p = status.progress;
  if (p !== undefined && p !== null) {
    const eta = p.eta_seconds === null ? '' : `, about ${p.eta_seconds} s left`;
    reasons.push(
      `applying: ${p.routes_done}/${p.routes_total} routes acknowledged (${Math.round(p.rate_per_second)}/s${eta})`,
    );
  }
  if (status.guard.blocked)
    reasons.push(
      `the mass-withdraw guard holds plan ${status.guard.hash ?? '?'}: ${status.guard.reason ?? ''}`.trim(),
    );
  const errors = status.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0 || status.using_last_good)
    reasons.push(
      `${errors} input error(s): ${status.using_last_good ? 'keeping the last good desired state' : 'nothing applied'}`,
    );
  if (status.pending_count > 0)
    reasons.push(
      `${status.pending_count} route(s) pending (written and not acknowledged, or unknown after a crash)`,
    );
  if (status.last_reconcile !== null) reasons.push(...lastReconcileReasons(status.last_reconcile));
  if (plan !== null && !plan.empty && !status.guard.blocked && (p === undefined || p === null)) {
    const s = plan.summary;
    reasons.push(`plan not applied yet: +${s.announce} ~${s.update} -${s.withdraw}`);
  }
  const v = status.verify;
  if (v !== undefined && v !== null && v.outcome === 'failed')
    warnings.push(`the last --verify check failed: ${v.error ?? 'unknown error'}`);
  if (v !== undefined && v !== null && v.outcome === 'repaired')
    warnings.push(
      `the last --verify check found drift (missing ${v.missing}, different ${v.different}, extra ${v.extra}) and queued a repair`,
    );
  for (const [address, n] of Object.entries(status.neighbors))
    if (n.state === 'down') warnings.push(`neighbor ${address} is down`);
  for (const section of SECTION_VERDICTS) {
    const v = section(status as StatusJson & Readonly<Record<string, unknown>>);
    reasons.push(...v.reasons);
    warnings.push(...v.warnings);
  }
  return { converged: reasons.length === 0, reasons, warnings };
}
