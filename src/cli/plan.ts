// `plan`: the dry-run diff for CI. Desired from --routes, announced from one --from-* source (none:
// empty, so everything is announced). Prints the plan to stdout; diagnostics go to stderr.
import { resolve } from 'node:path';
import { compareDiagnostics, formatDiagnostic } from '../core/diagnostic.js';
import type { Diagnostic, Result } from '../core/diagnostic.js';
import type { RouteKey, RouteSet } from '../core/route.js';
import { diffRoutes } from '../core/diff.js';
import { isEmptyPlan } from '../core/plan.js';
import { DEFAULT_GUARD_POLICY, evaluateGuard, parseGuardLimit } from '../core/guard.js';
import type { GuardPolicy } from '../core/guard.js';
import { withBroadFlow } from '../config/settings.js';
import { encodePlanText } from '../exabgp/encode.js';
import { DEFAULT_DIALECT, DIALECTS, parseDialectOption, type Dialect } from '../exabgp/dialect.js';
import {
  renderPlanJson,
  renderPlanMarkdown,
  renderPlanText,
  type ExpiryNotes,
} from '../core/render.js';
import { splitExpired } from '../core/expiry.js';
import { applyHealth, DEFAULT_HEALTH_FLOOR, gateChecks, type CheckState } from '../core/health.js';
import { readHealthStates } from '../ledger/snapshot.js';
import { isReconcilerError } from '../errors.js';
import { loadRouteDir } from '../config/load-routes.js';
import { ttyProgress } from './progress-tty.js';
import { parseCommandArgs, usageError } from './args.js';
import { EXIT, wantsColor, writeLine, type CliIo } from './io.js';
import { readAnnouncedFromDump, readAnnouncedFromGit } from './announced-source.js';
import { readAnnouncedFromState, readAnnouncedFromUrl } from './announced-live.js';
import { planFleet } from './plan-fleet.js';

const USAGE = `usage: exabgp-reconciler plan --routes DIR [announced source] [options]

Compare the desired routes in DIR with an announced state and print what would change.

announced source (at most one; none = nothing announced, so every route is an announce):
  --from-dir DIR     another routes directory (e.g. a checkout of the main branch)
  --from-git REF     the same --routes directory as it is at git ref REF (no checkout needed)
  --from-dump FILE   output of ExaBGP's 'show adj-rib out extensive', as --exabgp-version prints it
  --from-state DIR   the ledger of a running reconciler (its --state-dir; read-only, safe while live)
  --from-url URL     a live reconciler's HTTP API (GET URL/v1/announced)

options:
  --routes DIR           desired route directory (default: routes.d)
  --format FMT           text (default), json, commands (the exact ExaBGP lines), markdown
  --exabgp-version V     4.2 (default) or 5.0: the spelling of --format commands (5.0 writes an
                         AS_SET as its own segment, as-path [ 1 ] ( 2 )) and of --from-dump (5.0
                         prints next-hop self as the resolved address and swaps the as-path brackets)
  --detailed-exitcode    exit 2 when the plan has changes (0 = no changes)
  --max-withdraw N|P%    mass-withdraw guard: trip above N routes or P% of the announced routes
                         (default: trips when every announced route, or more than 50% of more
                         than 10 announced routes, would be withdrawn)
  --broad-flow V4,V6     broad-flow guard: a discard or rate-limit of a destination this wide or
                         wider (no source, no port) trips it (default: 8,32)
  --inventory FILE       fleet view: one plan per speaker of FILE (speakers: [{name, labels}]),
                         each from the entries that select it; with --from-dir, --from-git or none
  --no-color             never colour the text output (colour is used only on a TTY without NO_COLOR)
  -h, --help             show this help

exit status: 0 success (no changes, or changes without --detailed-exitcode), 1 invalid input or
failure, 2 changes (with --detailed-exitcode), 3 the plan trips the mass-withdraw or broad-flow guard
`;

const OPTIONS = {
  routes: { type: 'string' },
  'from-dir': { type: 'string' },
  'from-git': { type: 'string' },
  'from-dump': { type: 'string' },
  'from-state': { type: 'string' },
  'from-url': { type: 'string' },
  format: { type: 'string', default: 'text' },
  'exabgp-version': { type: 'string', default: DEFAULT_DIALECT },
  'detailed-exitcode': { type: 'boolean', default: false },
  'max-withdraw': { type: 'string' },
  'broad-flow': { type: 'string' },
  'no-color': { type: 'boolean', default: false },
  inventory: { type: 'string' },
} as const;

const FORMATS = ['text', 'json', 'commands', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

interface Announced {
  readonly routes: RouteSet;
  readonly unknown: ReadonlySet<RouteKey>;
}

type Values = Extract<
  ReturnType<typeof parseCommandArgs<typeof OPTIONS>>,
  { kind: 'ok' }
>['values'];

async function readAnnounced(
  values: Values,
  dir: string,
  io: CliIo,
  dump: { dialect: Dialect; desired?: RouteSet },
): Promise<Result<Announced>> {
  const wrap = (r: Result<RouteSet>): Result<Announced> =>
    r.ok ? { ok: true, value: { routes: r.value, unknown: new Set() }, warnings: r.warnings } : r;
  if (values['from-dir'] !== undefined) return wrap(await loadRouteDir(values['from-dir']));
  if (values['from-git'] !== undefined)
    return wrap(await readAnnouncedFromGit(dir, values['from-git'], io.cwd));
  if (values['from-dump'] !== undefined)
    return wrap(await readAnnouncedFromDump(values['from-dump'], io.cwd, dump));
  if (values['from-state'] !== undefined)
    return readAnnouncedFromState(values['from-state'], io.cwd);
  if (values['from-url'] !== undefined) return wrap(await readAnnouncedFromUrl(values['from-url']));
  return { ok: true, value: { routes: new Map(), unknown: new Set() }, warnings: [] };
}

function report(diagnostics: readonly Diagnostic[], io: CliIo): void {
  for (const d of [...diagnostics].sort(compareDiagnostics))
    writeLine(io.stderr, formatDiagnostic(d));
}

export async function planCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('plan', argv, OPTIONS, USAGE, io);
  if (parsed.kind === 'exit') return parsed.code;
  const values = parsed.values;
  const sources = ['from-dir', 'from-git', 'from-dump', 'from-state', 'from-url'] as const;
  const given = sources.filter((s) => values[s] !== undefined);
  if (given.length > 1)
    return usageError('plan', `--${given.join(' and --')} exclude each other`, USAGE, io);
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    return usageError(
      'plan',
      `unknown --format "${values.format}" (text, json, commands, markdown)`,
      USAGE,
      io,
    );
  }
  const dialectName = parseDialectOption(values['exabgp-version'] ?? DEFAULT_DIALECT);
  if (dialectName === undefined || dialectName === 'auto') {
    return usageError(
      'plan',
      `unknown --exabgp-version "${values['exabgp-version']}" (4.2 or 5.0)`,
      USAGE,
      io,
    );
  }
  const dialect = DIALECTS[dialectName];
  let policy: GuardPolicy = DEFAULT_GUARD_POLICY;
  if (values['max-withdraw'] !== undefined) {
    try {
      policy = parseGuardLimit(values['max-withdraw']);
    } catch (err) {
      if (!isReconcilerError(err)) throw err;
      return usageError('plan', err.message, USAGE, io);
    }
  }
  try {
    policy = withBroadFlow(policy, values['broad-flow']);
  } catch (err) {
    if (!isReconcilerError(err)) throw err;
    return usageError('plan', err.message, USAGE, io);
  }
  const dir = values.routes ?? io.env['EXABGP_RECONCILER_ROUTES'] ?? 'routes.d';
  if (values.inventory !== undefined) {
    if (['from-dump', 'from-state', 'from-url'].some((s) => given.includes(s as never)))
      return usageError('plan', '--inventory takes --from-dir, --from-git or none', USAGE, io);
    try {
      return await planFleet(
        {
          inventory: values.inventory,
          dir,
          ...(values['from-dir'] === undefined ? {} : { fromDir: values['from-dir'] }),
          ...(values['from-git'] === undefined ? {} : { fromGit: values['from-git'] }),
          format,
          dialect,
          policy,
          color: wantsColor(io.stdout, io.env) && values['no-color'] !== true,
          detailedExitcode: values['detailed-exitcode'] === true,
        },
        io,
      );
    } catch (err) {
      if (!isReconcilerError(err)) throw err;
      writeLine(io.stderr, `exabgp-reconciler plan: error ${err.code}: ${err.message}`);
      return EXIT.error;
    }
  }
  try {
    // A long load (1M routes: seconds) says how far it is on a terminal's stderr; stdout is the plan.
    const progress = ttyProgress(io.stderr);
    const desired = await loadRouteDir(dir, {}, (done, total) =>
      progress.update(() => `plan: loading ${dir}: ${done}/${total} files`),
    );
    progress.done();
    const announced = await readAnnounced(values, dir, io, {
      dialect,
      ...(desired.ok ? { desired: desired.value } : {}),
    });
    const problems = [
      ...(desired.ok ? desired.warnings : desired.diagnostics),
      ...(announced.ok ? announced.warnings : announced.diagnostics),
    ];
    report(problems, io);
    if (!desired.ok || !announced.ok) {
      writeLine(io.stderr, `exabgp-reconciler plan: invalid input, no plan computed`);
      return EXIT.error;
    }
    // Expired entries are not desired (withdrawn); a ttl counts from now here (run counts it
    // from when its ledger first accepted the entry).
    const now = Date.now();
    const expiry = splitExpired(desired.value, now, () => undefined);
    // Health gates: open unless --from-state gives the running process's check states.
    const gated = gateFromState(values['from-state'], io, expiry.active, announced.value.routes);
    const plan = diffRoutes(gated, announced.value.routes, {
      unknown: announced.value.unknown,
    });
    const notes: ExpiryNotes = { now, at: new Map([...expiry.expiring, ...expiry.expired]) };
    const guard = evaluateGuard(plan, announced.value.routes.size, policy);
    io.stdout.write(
      render(format, plan, guard, {
        color: wantsColor(io.stdout, io.env) && values['no-color'] !== true,
        dialect,
        notes,
      }),
    );
    if (guard.tripped) {
      writeLine(io.stderr, `exabgp-reconciler plan: mass-withdraw guard tripped: ${guard.reason}`);
      return EXIT.guard;
    }
    if (values['detailed-exitcode'] === true && !isEmptyPlan(plan)) return EXIT.changes;
    return EXIT.ok;
  } catch (err) {
    if (!isReconcilerError(err)) throw err;
    writeLine(io.stderr, `exabgp-reconciler plan: error ${err.code}: ${err.message}`);
    return EXIT.error;
  }
}

/**
 * `--from-state`: the desired routes through their health gates with the check states the ledger
 * persisted (a check it holds none for: its initial state) and the default floor, and each check's
 * state on stderr. Else the routes as they are (a plan runs no checks: every gate open).
 */
function gateFromState(
  stateDir: string | undefined,
  io: CliIo,
  desired: RouteSet,
  announced: RouteSet,
): RouteSet {
  if (stateDir === undefined) return desired;
  const { specs } = gateChecks(desired);
  if (specs.size === 0) return desired;
  const persisted = readHealthStates(resolve(io.cwd, stateDir));
  const states = new Map<string, CheckState>();
  for (const [name, spec] of specs) {
    const known = persisted.get(name);
    states.set(name, known ?? spec.initial);
    writeLine(
      io.stderr,
      `health check ${name}: ${known ?? spec.initial}${known === undefined ? ' (no state in the ledger: its initial state)' : ' (from the ledger)'}`,
    );
  }
  return applyHealth(desired, states, DEFAULT_HEALTH_FLOOR, (k) => announced.has(k)).active;
}

function render(
  format: Format,
  plan: Parameters<typeof renderPlanText>[0],
  guard: ReturnType<typeof evaluateGuard>,
  { color, dialect, notes }: { color: boolean; dialect: Dialect; notes: ExpiryNotes },
): string {
  switch (format) {
    case 'text':
      return renderPlanText(plan, { color, guard, expiry: notes });
    case 'json':
      return `${JSON.stringify(renderPlanJson(plan, guard, notes), null, 2)}\n`;
    case 'markdown':
      return renderPlanMarkdown(plan, guard, { expiry: notes });
    case 'commands': {
      const lines = encodePlanText(plan, { dialect });
      return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    }
  }
}
