// Text for `exabgp-reconciler status`: the /ui/state document (live) or a ledger snapshot
// (offline) as one screen. Pure: returns strings; `now` is an input.
import type { PlanExcerpt, StatusJson, Verdict } from '../http/status-summary.js';

/** GET /ui/state: what the /ui page and `status` read. */
export interface UiState {
  readonly generated_at: string;
  readonly token_required: boolean;
  readonly verdict: Verdict;
  readonly plan: PlanExcerpt | null;
  readonly status: StatusJson & Readonly<Record<string, unknown>>;
}

/** Top-level /v1/status keys rendered by name; any other (flows, speakers, checks) is shown as JSON. */
const KNOWN = new Set([
  'ready',
  'ready_reason',
  'exabgp',
  'last_reconcile',
  'last_success_at',
  'counters',
  'ledger_trusted',
  'using_last_good',
  'desired_count',
  'announced_count',
  'pending_count',
  'neighbors',
  'verify',
  'diagnostics',
  'guard',
  'recent_ack_errors',
  'progress',
  'recent_reconciles',
  'families',
]);

/**
 * Extension point: text for a status section other issues add (`checks`, `speakers`, `flows`),
 * one line per item; a section without an entry here is printed as indented JSON.
 */
export const SECTION_RENDERERS: Readonly<Record<string, (value: unknown) => readonly string[]>> = {
  checks: (value) => {
    const h = value as {
      floor: number;
      floor_rule: string;
      routes: {
        announced: number;
        drained: number;
        withdrawn: number;
        held_by_floor: number;
        held_by_fleet_floor?: number;
      };
      fleet_floor?: { min: number; view: string; peers: number };
      checks: readonly {
        name: string;
        kind: string;
        state: string;
        damped: boolean;
        transitions: number;
        origin: string;
        last: { reason: string; latency_ms: number } | null;
      }[];
    };
    const r = h.routes;
    const f = h.fleet_floor;
    return [
      `gated routes: ${r.announced} announced, ${r.drained} drained, ${r.withdrawn} withdrawn, ${r.held_by_floor} held by the floor (${h.floor_rule} = ${h.floor})`,
      ...(f === undefined
        ? []
        : [
            `fleet floor ${f.min}: ${r.held_by_fleet_floor ?? 0} held, fleet view ${f.view} (${f.peers} other live speakers)`,
          ]),
      ...h.checks.map((c) => {
        const last =
          c.last === null
            ? `no result yet (${c.origin} state)`
            : `${c.last.reason}, ${c.last.latency_ms} ms`;
        return `  ${c.name} (${c.kind}) ${c.state}${c.damped ? ' (flapping: held down)' : ''}  ${last}, ${c.transitions} transitions`;
      }),
    ];
  },
  expiry: (value) => {
    const e = value as {
      expired: number;
      expiring: number;
      next: string | null;
      entries: readonly { key: string; when: string }[];
    };
    const shown = e.entries.slice(0, 10).map((x) => `  ${x.key}  ${x.when}`);
    const more =
      e.entries.length > shown.length ? [`  ... ${e.entries.length - shown.length} more`] : [];
    return [
      `${e.expiring} expiring, ${e.expired} expired (withdrawn)${e.next === null ? '' : `, next at ${e.next}`}`,
      ...shown,
      ...more,
    ];
  },
};

const PLAN_LINES_SHOWN = 20;

export function ago(iso: string | null | undefined, now: number): string {
  if (iso === null || iso === undefined) return 'never';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 1) return 'just now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

function field(name: string, text: string): string {
  return `${name.padEnd(12)}${text}`;
}

/** `family  desired  announced` rows, families sorted. */
export function familyRows(
  desired: Readonly<Record<string, number>>,
  announced: Readonly<Record<string, number>>,
  labels: readonly [string, string],
  total?: readonly [number, number, string],
): string[] {
  const names = [...new Set([...Object.keys(desired), ...Object.keys(announced)])].sort();
  const width = Math.max(14, ...names.map((n) => n.length + 2));
  const cell = (v: string | number): string => String(v).padStart(10);
  const rows = [
    `${'family'.padEnd(width)}${cell(labels[0])}${cell(labels[1])}`,
    ...names.map((n) => `${n.padEnd(width)}${cell(desired[n] ?? 0)}${cell(announced[n] ?? 0)}`),
  ];
  if (total !== undefined)
    rows.push(`${'total'.padEnd(width)}${cell(total[0])}${cell(total[1])}${total[2]}`);
  return rows;
}

function exabgpLine(s: StatusJson): string {
  const x = s.exabgp;
  const version = `${x.version ?? 'version unknown'}${x.dialect ? ` (${x.dialect} dialect)` : ''}`;
  const instance =
    x.instance === null
      ? 'instance not identified'
      : `pid ${x.instance.pid} (started ${x.instance.start_time})`;
  const trust = s.ledger_trusted ? 'ledger trusted' : 'ledger re-asserted at start-up';
  return field('exabgp', `${version}, ${instance}, acks ${x.ack}, ${trust}`);
}

function reconcileLine(s: StatusJson, now: number): string {
  const r = s.last_reconcile;
  if (r === null) return field('last', 'no reconcile yet');
  const sum = r.summary;
  const err = r.error === undefined ? '' : ` (${r.error.code}: ${r.error.message})`;
  return field(
    'last',
    `#${r.id} ${r.outcome}${err} ${ago(r.started_at, now)}: +${sum['announce'] ?? 0} ~${sum['update'] ?? 0} -${sum['withdraw'] ?? 0}, ${r.lines.done}/${r.lines.written} lines acked, ${r.duration_ms} ms; last success ${ago(s.last_success_at, now)}`,
  );
}

function verifyLine(s: StatusJson, now: number): string {
  const v = s.verify;
  if (v === undefined) return field('verify', 'off');
  if (v === null) return field('verify', 'not run yet');
  const err = v.error === undefined ? '' : ` (${v.error})`;
  return field(
    'verify',
    `${v.outcome}${err} ${ago(v.at, now)}: missing ${v.missing}, different ${v.different}, extra ${v.extra}`,
  );
}

function neighborLines(s: StatusJson, now: number): string[] {
  const entries = Object.entries(s.neighbors).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return [field('neighbors', 'none reported yet')];
  return entries.map(([address, n], i) =>
    field(i === 0 ? 'neighbors' : '', `${address} ${n.state} (${ago(n.at, now)})`),
  );
}

function sectionLines(title: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : ['', title, ...lines.map((l) => (l === '' ? '' : `  ${l}`))];
}

/** The live state as one screen: verdict and reasons first, then the facts behind them. */
export function renderLiveStatus(state: UiState, url: string, now: number): string {
  const s = state.status;
  const v = state.verdict;
  const out = [`exabgp-reconciler at ${url}: ${v.converged ? 'converged' : 'NOT CONVERGED'}`];
  out.push(...v.reasons.map((r) => `  - ${r}`));
  out.push(...v.warnings.map((w) => `  ! ${w}`));
  out.push('', exabgpLine(s), field('ready', s.ready ? 'yes' : `no: ${s.ready_reason ?? ''}`));
  const families = s.families ?? { desired: {}, announced: {} };
  const rows = familyRows(
    families.desired,
    families.announced,
    ['desired', 'announced'],
    [s.desired_count, s.announced_count, `   pending ${s.pending_count}`],
  );
  out.push(...rows.map((r, i) => field(i === 0 ? 'routes' : '', r)));
  const p = s.progress;
  if (p !== undefined && p !== null)
    out.push(
      field(
        'applying',
        `${p.routes_done}/${p.routes_total} routes acknowledged, ${Math.round(p.rate_per_second)}/s, ${p.eta_seconds === null ? '?' : `${p.eta_seconds} s`} left`,
      ),
    );
  out.push(reconcileLine(s, now), ...neighborLines(s, now), verifyLine(s, now));
  if (s.guard.blocked) {
    out.push(field('guard', `holding plan ${s.guard.hash ?? '?'}: ${s.guard.reason ?? ''}`));
    out.push(field('', `confirm: exabgp-reconciler confirm --url ${url} ${s.guard.hash ?? ''}`));
  } else out.push(field('guard', 'no plan held'));
  out.push(
    ...sectionLines(
      'diagnostics',
      s.diagnostics.map((d) => {
        const where = d.line === undefined ? d.source : `${d.source}:${d.line}:${d.col ?? 0}`;
        return `${where}: ${d.severity} ${d.code}: ${d.path === '' ? '' : `${d.path}: `}${d.message}`;
      }),
    ),
  );
  if (state.plan !== null && !state.plan.empty) {
    const lines = state.plan.text.trimEnd().split('\n');
    const shown =
      lines.length > PLAN_LINES_SHOWN
        ? [...lines.slice(0, PLAN_LINES_SHOWN - 2), '...', lines[lines.length - 1]!]
        : lines;
    out.push(...sectionLines('pending plan', shown));
  }
  out.push(
    ...sectionLines(
      'recent ack errors',
      s.recent_ack_errors.slice(-5).map((e) => `${ago(e.at, now)}: ${e.line}`),
    ),
  );
  for (const key of Object.keys(s).sort()) {
    if (KNOWN.has(key)) continue;
    const render = SECTION_RENDERERS[key];
    const lines =
      render === undefined ? JSON.stringify(s[key], null, 2).split('\n') : render(s[key]);
    out.push(...sectionLines(key, lines));
  }
  return `${out.join('\n')}\n`;
}

/** What `status --state-dir` can tell without the process: the ledger's own record. */
export interface OfflineStatus {
  readonly state_dir: string;
  readonly instance: { readonly pid: number; readonly startTime: string } | null;
  readonly announced_count: number;
  readonly pending_count: number;
  readonly families: {
    readonly announced: Readonly<Record<string, number>>;
    readonly last_applied_desired: Readonly<Record<string, number>>;
  };
  readonly api_routes: number;
}

export function renderOfflineStatus(s: OfflineStatus): string {
  const out = [
    `exabgp-reconciler ledger in ${s.state_dir} (offline: what ExaBGP acknowledged; --url shows the live state)`,
    '',
    field(
      'instance',
      s.instance === null
        ? 'none recorded'
        : `exabgp pid ${s.instance.pid} (started ${s.instance.startTime})`,
    ),
  ];
  const rows = familyRows(s.families.last_applied_desired, s.families.announced, [
    'applied',
    'announced',
  ]);
  out.push(...rows.map((r, i) => field(i === 0 ? 'routes' : '', r)));
  out.push(
    field(
      'pending',
      s.pending_count === 0
        ? 'none'
        : `${s.pending_count} route(s) written and not acknowledged, or unknown after a crash (re-asserted at the next start)`,
    ),
    field('api source', `${s.api_routes} route(s)`),
  );
  return `${out.join('\n')}\n`;
}
