// `plan --inventory speakers.yaml`: the fleet view for CI. One plan per speaker of the inventory
// (each speaker's desired state is the entries that select it, compared with the same selection
// of the announced source), every selection checked against the inventory, and a summary per
// speaker. Exit codes as `plan`: 1 invalid input, 3 when any speaker's plan trips the guard, 2
// with --detailed-exitcode when any has changes.
import { compareDiagnostics, formatDiagnostic, type Diagnostic } from '../core/diagnostic.js';
import type { Result } from '../core/diagnostic.js';
import { diffRoutes } from '../core/diff.js';
import { evaluateGuard, type GuardPolicy, type GuardVerdict } from '../core/guard.js';
import { isEmptyPlan, summarizePlan, type Plan } from '../core/plan.js';
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from '../core/render.js';
import type { RouteSet } from '../core/route.js';
import { loadRouteDir, type ParseOptions } from '../config/load-routes.js';
import { splitExpired } from '../core/expiry.js';
import { readInventory, type Speaker } from '../config/speakers.js';
import { encodePlanText } from '../exabgp/encode.js';
import type { Dialect } from '../exabgp/dialect.js';
import { readAnnouncedFromGit } from './announced-source.js';
import { EXIT, writeLine, type CliIo } from './io.js';

export interface FleetPlanOptions {
  readonly inventory: string;
  readonly dir: string;
  readonly fromDir?: string;
  readonly fromGit?: string;
  readonly format: 'text' | 'json' | 'commands' | 'markdown';
  readonly dialect: Dialect;
  readonly policy: GuardPolicy;
  readonly color: boolean;
  readonly detailedExitcode: boolean;
}

interface SpeakerPlan {
  readonly speaker: Speaker;
  readonly plan: Plan;
  readonly guard: GuardVerdict;
}

async function announcedFor(
  o: FleetPlanOptions,
  io: CliIo,
  parse: ParseOptions,
): Promise<Result<RouteSet>> {
  if (o.fromDir !== undefined) return loadRouteDir(o.fromDir, parse);
  if (o.fromGit !== undefined) return readAnnouncedFromGit(o.dir, o.fromGit, io.cwd, parse);
  return { ok: true, value: new Map(), warnings: [] };
}

export async function planFleet(o: FleetPlanOptions, io: CliIo): Promise<number> {
  const inventory = readInventory(o.inventory);
  const plans: SpeakerPlan[] = [];
  const problems = new Map<string, Diagnostic>();
  let invalid = false;
  for (const speaker of inventory) {
    const parse: ParseOptions = { fleet: { speaker, inventory } };
    const desired = await loadRouteDir(o.dir, parse);
    const announced = await announcedFor(o, io, { fleet: { speaker } });
    for (const r of [desired, announced])
      for (const d of r.ok ? r.warnings : r.diagnostics) problems.set(formatDiagnostic(d), d);
    if (!desired.ok || !announced.ok) {
      invalid = true;
      continue;
    }
    // Expired entries are not desired (a ttl counts from now here, as in `plan`).
    const plan = diffRoutes(
      splitExpired(desired.value, Date.now(), () => undefined).active,
      announced.value,
    );
    plans.push({ speaker, plan, guard: evaluateGuard(plan, announced.value.size, o.policy) });
  }
  for (const d of [...problems.values()].sort(compareDiagnostics))
    writeLine(io.stderr, formatDiagnostic(d));
  if (invalid) {
    writeLine(io.stderr, 'exabgp-reconciler plan: invalid input, no plan computed');
    return EXIT.error;
  }
  io.stdout.write(renderFleet(o, plans));
  const tripped = plans.filter((p) => p.guard.tripped);
  for (const p of tripped)
    writeLine(
      io.stderr,
      `exabgp-reconciler plan: ${p.speaker.name}: mass-withdraw guard tripped: ${p.guard.reason}`,
    );
  if (tripped.length > 0) return EXIT.guard;
  if (o.detailedExitcode && plans.some((p) => !isEmptyPlan(p.plan))) return EXIT.changes;
  return EXIT.ok;
}

function summaryLine(p: SpeakerPlan): string {
  const s = summarizePlan(p.plan);
  const guard = p.guard.tripped ? ' (guard tripped)' : '';
  return `${p.speaker.name}: ${s.announce} to announce, ${s.update} to update, ${s.withdraw} to withdraw${guard}`;
}

function renderFleet(o: FleetPlanOptions, plans: readonly SpeakerPlan[]): string {
  switch (o.format) {
    case 'text': {
      const parts = plans.map(
        (p) =>
          `Speaker ${p.speaker.name}:\n${renderPlanText(p.plan, { color: o.color, guard: p.guard })}`,
      );
      return `${parts.join('\n')}\nFleet:\n${plans.map((p) => `  ${summaryLine(p)}`).join('\n')}\n`;
    }
    case 'markdown': {
      const parts = plans.map(
        (p) => `## Speaker \`${p.speaker.name}\`\n\n${renderPlanMarkdown(p.plan, p.guard)}`,
      );
      const table = plans.map((p) => {
        const s = summarizePlan(p.plan);
        return `| ${p.speaker.name} | ${s.announce} | ${s.update} | ${s.withdraw} | ${p.guard.tripped ? 'tripped' : 'ok'} |`;
      });
      const head = '| speaker | announce | update | withdraw | guard |\n|---|---|---|---|---|';
      return `${parts.join('\n')}\n## Fleet summary\n\n${head}\n${table.join('\n')}\n`;
    }
    case 'json':
      return `${JSON.stringify(
        {
          format_version: '1',
          speakers: plans.map((p) => ({
            name: p.speaker.name,
            labels: p.speaker.labels,
            summary: summarizePlan(p.plan),
            plan: renderPlanJson(p.plan, p.guard),
          })),
        },
        null,
        2,
      )}\n`;
    case 'commands':
      // Lines for humans and CI logs: the `# speaker` header is not an ExaBGP command.
      return plans
        .map((p) => {
          const lines = encodePlanText(p.plan, { dialect: o.dialect });
          return [`# speaker ${p.speaker.name}`, ...lines].join('\n') + '\n';
        })
        .join('');
  }
}
