// Plan rendering for humans and tools: Terraform-like text, versioned JSON, markdown for a pull
// request comment. Pure: returns strings/objects, no I/O, no timestamps, colour only on request.
import type { GuardVerdict } from './guard.js';
import { isEmptyPlan, replacedWithdrawKeys, summarizePlan, type Plan } from './plan.js';
import { flowMatchJson, flowThenEntries, flowThenJson } from './flow.js';
import { ALL_NEIGHBORS, routeKey, type Route, type RouteAttributes } from './route.js';
import { relativeExpiry } from './expiry.js';

export interface TextRenderOptions {
  readonly color: boolean;
  readonly guard?: GuardVerdict;
  readonly expiry?: ExpiryNotes;
}

/**
 * Expiry of the plan's keys (core/expiry.ts splitExpired: `expiring` and `expired` merged) and
 * the time they are relative to: an announce says `expires in 14m`, a withdraw `expired 2h ago`.
 */
export interface ExpiryNotes {
  readonly now: number;
  readonly at: ReadonlyMap<string, number>;
}

function expiryNote(r: Route, notes: ExpiryNotes | undefined): string {
  const at = notes?.at.get(routeKey(r));
  const gate = r.health === undefined ? '' : ` (gated by health ${r.health.text})`;
  return at === undefined || notes === undefined
    ? gate
    : ` (${relativeExpiry(at, notes.now)})${gate}`;
}

type JsonValue =
  | string
  | number
  | boolean
  | readonly (number | readonly number[])[]
  | readonly string[]
  | Readonly<Record<string, string | readonly string[]>>;
/** Attributes in ExaBGP spelling (`next-hop`, `local-preference`, ...); as-path `[1, 2, [3, 4]]`. */
export type AttributesJson = Readonly<Record<string, JsonValue>>;

export interface RouteChangeJson {
  readonly action: 'announce' | 'update' | 'withdraw';
  readonly key: string;
  readonly target: string;
  readonly afi: string;
  readonly safi: string;
  readonly prefix: string;
  readonly rd?: string;
  readonly 'path-information'?: number;
  /** Flows only: the match components (`prefix` holds their canonical text). */
  readonly match?: Readonly<Record<string, string | readonly string[]>>;
  /** Attributes; for a flow, its actions (`{ "rate-limit": 1000 }`). */
  readonly before: AttributesJson | null;
  readonly after: AttributesJson | null;
  /** Only on withdraws: the neighbor gets the all-neighbors (`*`) value instead. */
  readonly replaced_by_all_neighbors_route?: true;
  /** Entries with `expires` / `ttl`: when it expires (announce, update) or expired (withdraw). */
  readonly expires_at?: string;
  /** Health-gated routes: the gate as declared (`dns`, `all(a, b) drain med 500`). */
  readonly health?: string;
}

const GUARD_TITLE: Readonly<Record<string, string>> = {
  'mass-withdraw': 'Mass-withdraw',
  'broad-flow': 'Broad-flow',
  fleet: 'Fleet-wide mass-withdraw',
};

export interface PlanJson {
  readonly format_version: '1';
  readonly summary: {
    readonly announce: number;
    readonly update: number;
    readonly withdraw: number;
    readonly unchanged: number;
    readonly reassert: number;
  };
  readonly guard: {
    readonly tripped: boolean;
    /** Only when the broad-flow rule or the fleet-wide share tripped. */
    readonly kind?: 'broad-flow' | 'fleet';
    readonly reason: string;
    readonly withdraw_count: number;
    readonly announced_count: number;
  } | null;
  readonly changes: readonly RouteChangeJson[];
  readonly reasserts: readonly (Omit<RouteChangeJson, 'action' | 'before' | 'after'> & {
    readonly reason: string;
    readonly attributes: AttributesJson;
  })[];
}

/** Attribute name (ExaBGP spelling), display text and JSON value, in encodeAttributes order. */
function attributeEntries(a: RouteAttributes): [string, string, JsonValue][] {
  const out: [string, string, JsonValue][] = [['next-hop', a.nextHop, a.nextHop]];
  const list = (name: string, items: readonly string[] | undefined): void => {
    if (items !== undefined && items.length > 0) out.push([name, `[ ${items.join(' ')} ]`, items]);
  };
  if (a.origin !== undefined) out.push(['origin', a.origin, a.origin]);
  if (a.asPath !== undefined) {
    const { sequence, set } = a.asPath;
    const text = `[ ${[...sequence, ...(set === undefined ? [] : [`( ${set.join(' ')} )`])].join(' ')} ]`;
    out.push(['as-path', text, set === undefined ? sequence : [...sequence, set]]);
  }
  if (a.med !== undefined) out.push(['med', String(a.med), a.med]);
  if (a.localPreference !== undefined) {
    out.push(['local-preference', String(a.localPreference), a.localPreference]);
  }
  if (a.atomicAggregate === true) out.push(['atomic-aggregate', 'true', true]);
  if (a.aggregator !== undefined) {
    const text = `${a.aggregator.asn}:${a.aggregator.address}`;
    out.push(['aggregator', text, text]);
  }
  list('community', a.community);
  if (a.originatorId !== undefined) out.push(['originator-id', a.originatorId, a.originatorId]);
  list('cluster-list', a.clusterList);
  list('extended-community', a.extendedCommunity);
  list('large-community', a.largeCommunity);
  if (a.label !== undefined && a.label.length > 0) {
    out.push(['label', `[ ${a.label.join(' ')} ]`, a.label]);
  }
  return out;
}

function attributesJson(a: RouteAttributes): AttributesJson {
  return Object.fromEntries(attributeEntries(a).map(([name, , json]) => [name, json]));
}

/** A route's value as JSON: its attributes, or a flow's actions. */
function valueJson(r: Route): AttributesJson {
  return r.flow === undefined ? attributesJson(r.attributes) : flowThenJson(r.flow.then);
}

/** Display pairs of a route's value: attributes, or a flow's actions. */
function valueEntries(r: Route): [string, string][] {
  if (r.flow !== undefined) return flowThenEntries(r.flow.then);
  return attributeEntries(r.attributes).map(([n, t]) => [n, t]);
}

/** `10.0.0.0/24 (ipv4 unicast, all neighbors)`. */
function describe(r: Route): string {
  const rd = r.rd === undefined ? '' : ` rd ${r.rd}`;
  const pi = r.pathInformation === undefined ? '' : ` path-information ${r.pathInformation}`;
  const who = r.target === ALL_NEIGHBORS ? 'all neighbors' : `neighbor ${r.target}`;
  const flow = r.flow === undefined ? '' : 'flow ';
  return `${flow}${r.prefix}${rd}${pi} (${r.afi} ${r.safi}, ${who})`;
}

/** The value line under an announce: attributes, or `then <actions>` for a flow. */
function valueLine(r: Route): string {
  return r.flow === undefined ? r.value : `then ${r.value}`;
}

/** Only the attributes (or flow actions) that differ: `med: 10 -> 20`, absent shown as `(none)`. */
function changedAttributes(before: Route, after: Route): string[] {
  const old = new Map(valueEntries(before));
  const now = new Map(valueEntries(after));
  const names = [...new Set([...now.keys(), ...old.keys()])];
  return names
    .filter((n) => old.get(n) !== now.get(n))
    .map((n) => `${n}: ${old.get(n) ?? '(none)'} -> ${now.get(n) ?? '(none)'}`);
}

const ANSI = { green: '32', yellow: '33', red: '31', cyan: '36', banner: '1;31' } as const;
type Paint = (colour: keyof typeof ANSI, text: string) => string;

/** The body: one entry per change (continuation lines indented), without banner or summary. */
function planLines(plan: Plan, paint: Paint, notes?: ExpiryNotes): string[] {
  const lines: string[] = [];
  for (const r of plan.announce) {
    lines.push(
      paint('green', `+ announce ${describe(r)}${expiryNote(r, notes)}`),
      `      ${valueLine(r)}`,
    );
  }
  for (const u of plan.update) {
    lines.push(paint('yellow', `~ update ${describe(u.after)}${expiryNote(u.after, notes)}`));
    const changed = changedAttributes(u.before, u.after);
    // Equal attributes with another value text: show the whole value change.
    const details = changed.length > 0 ? changed : [`${u.before.value} -> ${u.after.value}`];
    for (const d of details) lines.push(`      ${d}`);
  }
  const replaced = replacedWithdrawKeys(plan);
  for (const r of plan.withdraw) {
    const note = replaced.has(routeKey(r)) ? ', replaced by the all-neighbors route' : '';
    const expired = expiryNote(r, notes);
    const why = expired === '' ? '' : `${expired.slice(0, -1)}: will be withdrawn)`;
    lines.push(paint('red', `- withdraw ${describe(r)}${note}${why}`));
  }
  for (const r of plan.reassert) {
    if (r.reason !== 'after-all-neighbors-command') continue;
    lines.push(paint('cyan', `= re-assert ${describe(r.route)} after an all-neighbors command`));
  }
  return lines;
}

function summaryLine(plan: Plan): string {
  if (isEmptyPlan(plan)) return 'No changes.';
  const s = summarizePlan(plan);
  return `Plan: ${s.announce} to announce, ${s.update} to update, ${s.withdraw} to withdraw.`;
}

function bannerLines(guard: GuardVerdict | undefined): string[] {
  if (guard?.tripped !== true) return [];
  return [
    `!!! ${guard.kind ?? 'mass-withdraw'} guard tripped: ${guard.reason}`,
    '!!! this plan must be confirmed before it is applied',
  ];
}

/**
 * Terraform-like text: `+ announce`, `~ update` with `old -> new` per changed attribute,
 * `- withdraw`, then `Plan: 2 to announce, 1 to update, 1 to withdraw.` or `No changes.`
 * A tripped guard verdict opens the output with a banner. Ends with a newline.
 * @example renderPlanText(plan, { color: false }) // '+ announce 10.0.0.0/24 (ipv4 unicast, all neighbors)\n...'
 */
export function renderPlanText(plan: Plan, options: TextRenderOptions): string {
  const paint: Paint = options.color
    ? (colour, text) => `\u001b[${ANSI[colour]}m${text}\u001b[0m`
    : (_colour, text) => text;
  const banner = bannerLines(options.guard).map((l) => paint('banner', l));
  const body = planLines(plan, paint, options.expiry);
  const blocks = [banner, body, [summaryLine(plan)]].filter((b) => b.length > 0);
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
}

function keyFields(r: Route): Omit<RouteChangeJson, 'action' | 'before' | 'after'> {
  return {
    key: routeKey(r),
    target: r.target,
    afi: r.afi,
    safi: r.safi,
    prefix: r.prefix,
    ...(r.rd !== undefined ? { rd: r.rd } : {}),
    ...(r.pathInformation !== undefined ? { 'path-information': r.pathInformation } : {}),
    ...(r.flow !== undefined ? { match: flowMatchJson(r.flow.match) } : {}),
  };
}

/**
 * The plan as a versioned JSON document (`format_version: "1"`), for tools; no timestamps.
 * @example JSON.stringify(renderPlanJson(plan, verdict), null, 2)
 */
export function renderPlanJson(plan: Plan, guard?: GuardVerdict, expiry?: ExpiryNotes): PlanJson {
  const replaced = replacedWithdrawKeys(plan);
  const expires = (r: Route): { expires_at?: string; health?: string } => {
    const at = expiry?.at.get(routeKey(r));
    const gate = r.health === undefined ? {} : { health: r.health.text };
    return at === undefined ? gate : { expires_at: new Date(at).toISOString(), ...gate };
  };
  const changes: RouteChangeJson[] = [
    ...plan.announce.map((r) => ({
      action: 'announce' as const,
      ...keyFields(r),
      before: null,
      after: valueJson(r),
      ...expires(r),
    })),
    ...plan.update.map((u) => ({
      action: 'update' as const,
      ...keyFields(u.after),
      before: valueJson(u.before),
      after: valueJson(u.after),
      ...expires(u.after),
    })),
    ...plan.withdraw.map((r) => ({
      action: 'withdraw' as const,
      ...keyFields(r),
      before: valueJson(r),
      after: null,
      ...(replaced.has(routeKey(r)) ? { replaced_by_all_neighbors_route: true as const } : {}),
      ...expires(r),
    })),
  ];
  return {
    format_version: '1',
    summary: { ...summarizePlan(plan), reassert: plan.reassert.length },
    guard:
      guard === undefined
        ? null
        : {
            tripped: guard.tripped,
            ...(guard.kind === undefined ? {} : { kind: guard.kind }),
            reason: guard.reason,
            withdraw_count: guard.withdrawCount,
            announced_count: guard.announcedCount,
          },
    changes,
    reasserts: plan.reassert.map((r) => ({
      ...keyFields(r.route),
      reason: r.reason,
      attributes: valueJson(r.route),
    })),
  };
}

export interface MarkdownRenderOptions {
  /** Keep the comment under GitHub's 65536-character limit (default 60000). */
  readonly maxChars?: number;
  readonly expiry?: ExpiryNotes;
}

/**
 * Markdown for a pull-request comment: the guard banner (a CAUTION alert), the summary line,
 * and the text plan in a collapsible `<details>` diff block, truncated to `maxChars`.
 * @example renderPlanMarkdown(plan, verdict) // '### exabgp-reconciler plan\n\n**Plan: 1 to announce, ...'
 */
export function renderPlanMarkdown(
  plan: Plan,
  guard?: GuardVerdict,
  options: MarkdownRenderOptions = {},
): string {
  const parts = ['### exabgp-reconciler plan'];
  if (guard?.tripped === true) {
    parts.push(
      `> [!CAUTION]\n> **${GUARD_TITLE[guard.kind ?? 'mass-withdraw']} guard tripped:** ${guard.reason}.\n` +
        '> This plan must be confirmed before it is applied.',
    );
  }
  parts.push(`**${summaryLine(plan)}**`);
  if (!isEmptyPlan(plan)) {
    const budget = (options.maxChars ?? 60_000) - parts.join('\n\n').length - 200;
    const shown: string[] = [];
    let used = 0;
    const lines = planLines(plan, (_c, t) => t, options.expiry);
    for (const line of lines) {
      if (used + line.length + 1 > budget) break;
      shown.push(line);
      used += line.length + 1;
    }
    if (shown.length < lines.length) {
      shown.push(
        `... ${lines.length - shown.length} more lines not shown (see the full plan in the CI log)`,
      );
    }
    parts.push(
      `<details><summary>Show the plan</summary>\n\n\`\`\`diff\n${shown.join('\n')}\n\`\`\`\n\n</details>`,
    );
  }
  return `${parts.join('\n\n')}\n`;
}
