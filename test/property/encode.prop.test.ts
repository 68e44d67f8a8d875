// Properties of encodePlan: every line passes the ExaBGP grammar and names only plan prefixes;
// the ledger commits reach desired; and a model of ExaBGP's per-neighbor adj-rib-out converges
// to the effective desired state, also across a crash at any line (design.md §2-§4).
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { diffRoutes } from '../../src/core/diff.js';
import { encodePlan, type CommandLine, type EncodeOptions } from '../../src/exabgp/encode.js';
import {
  ALL_NEIGHBORS,
  ribKey,
  routeKey,
  type Route,
  type RouteKey,
  type RouteSet,
} from '../../src/core/route.js';
import { layeredSetArb, NEIGHBORS, routeSetArb } from '../helpers/arbitraries.js';
import { assertValidExabgpLine, type GrammarDialect } from '../helpers/exabgp-grammar.js';
import { DIALECTS } from '../../src/exabgp/dialect.js';

/** Neighbors bound to our process in the model; the last one never has a specific route. */
const MODEL_NEIGHBORS = [NEIGHBORS[0], NEIGHBORS[1], '198.51.100.9'];
/** A model where every neighbor can have routes of its own (every `*` prefix can be kept by all). */
const KEEPER_NEIGHBORS = [NEIGHBORS[0], NEIGHBORS[1]];

const optionsArb: fc.Arbitrary<EncodeOptions> = fc
  .tuple(
    fc.constantFrom<EncodeOptions>(
      {},
      { bulk: false },
      { maxPrefixesPerLine: 2 },
      { maxLineBytes: 80 },
    ),
    fc.constantFrom(undefined, DIALECTS['4.2'], DIALECTS['5.0']),
  )
  .map(([o, dialect]) => (dialect === undefined ? o : { ...o, dialect }));

const dialectOf = (o: EncodeOptions): GrammarDialect => o.dialect?.name ?? '4.2';

const neighborsArb = fc.constantFrom(MODEL_NEIGHBORS, KEEPER_NEIGHBORS);

/** 5.0 writes as-path segments one after another; the model compares the canonical 4.2 text. */
function canonicalValue(value: string, dialect: GrammarDialect): string {
  if (dialect === '4.2') return value;
  return value
    .replace(/ as-path \(((?: \d+)+) \)/, ' as-path [ ($1 ) ]')
    .replace(/ as-path \[((?: \d+)*) \] \(((?: \d+)+) \)/, ' as-path [$1 ($2 ) ]');
}
const pairArb = fc.oneof(
  fc.tuple(routeSetArb(), routeSetArb()),
  fc.tuple(layeredSetArb(), layeredSetArb()),
);

/** neighbor → rib key → value text: what each neighbor is sent. */
type Rib = Map<string, Map<string, string>>;

/** A neighbor-specific route overrides the `*` route with the same rib key for that neighbor. */
function effective(set: RouteSet, neighbors: readonly string[] = MODEL_NEIGHBORS): Rib {
  const rib: Rib = new Map(neighbors.map((n) => [n, new Map<string, string>()]));
  for (const r of set.values()) {
    if (r.target !== ALL_NEIGHBORS) {
      rib.get(r.target)?.set(ribKey(r), r.value);
      continue;
    }
    for (const [n, routes] of rib) {
      if (!set.has(`${n} ${ribKey(r)}`)) routes.set(ribKey(r), r.value);
    }
  }
  return rib;
}

/** Execute one line as ExaBGP 4.2 does: no selector = every neighbor; bulk drops path-information. */
function execute(rib: Rib, text: string, dialect: GrammarDialect = '4.2'): void {
  const line = assertValidExabgpLine(text, dialect);
  const targets = line.neighbors ?? [...rib.keys()];
  for (const prefix of line.prefixes) {
    const key = ribKey({
      target: ALL_NEIGHBORS,
      afi: line.afi,
      safi: line.safi,
      prefix,
      ...(line.rd !== undefined ? { rd: line.rd } : {}),
      ...(line.form === 'route' && line.pathInformation !== undefined
        ? { pathInformation: line.pathInformation }
        : {}),
    });
    for (const n of targets) {
      const routes = rib.get(n);
      if (routes === undefined) throw new Error(`selector names an unbound neighbor ${n}`);
      if (line.action === 'announce') routes.set(key, canonicalValue(line.value, dialect));
      else routes.delete(key);
    }
  }
}

function commit(ledger: Map<RouteKey, Route>, line: CommandLine): void {
  for (const r of line.routes) {
    if (line.commit === 'set') ledger.set(routeKey(r), r);
    else if (line.commit === 'remove') ledger.delete(routeKey(r));
  }
}

const plain = (rib: Rib): [string, [string, string][]][] =>
  [...rib].map(([n, routes]) => [n, [...routes].sort()]);

describe('encodePlan properties', () => {
  test.prop([pairArb, optionsArb])(
    'every line is a valid ExaBGP command naming only prefixes of the plan',
    ([desired, announced], options) => {
      const plan = diffRoutes(desired, announced);
      const inPlan = new Set(
        [...plan.announce, ...plan.update.map((u) => u.after), ...plan.withdraw].map(
          (r) => r.prefix,
        ),
      );
      const covered = new Set<RouteKey>();
      for (const line of encodePlan(plan, options)) {
        expect(line.text).not.toContain('\n');
        const parsed = assertValidExabgpLine(line.text, dialectOf(options));
        parsed.prefixes.forEach((p) => expect(inPlan.has(p)).toBe(true));
        line.routes.forEach((r) => covered.add(routeKey(r)));
      }
      for (const r of [...plan.announce, ...plan.update.map((u) => u.after), ...plan.withdraw]) {
        expect(covered.has(routeKey(r))).toBe(true);
      }
    },
  );

  test.prop([pairArb, optionsArb])(
    'committing every line on done turns the announced ledger into desired',
    ([desired, announced], options) => {
      const ledger = new Map(announced);
      encodePlan(diffRoutes(desired, announced), options).forEach((l) => commit(ledger, l));
      expect([...ledger].map(([k, r]) => [k, r.value]).sort()).toEqual(
        [...desired].map(([k, r]) => [k, r.value]).sort(),
      );
    },
  );

  test.prop([fc.tuple(layeredSetArb(), layeredSetArb()), optionsArb])(
    'executing the lines on a per-neighbor adj-rib-out model converges to desired',
    ([desired, announced], options) => {
      const rib = effective(announced);
      encodePlan(diffRoutes(desired, announced), options).forEach((l) =>
        execute(rib, l.text, dialectOf(options)),
      );
      expect(plain(rib)).toEqual(plain(effective(desired)));
    },
  );

  test.prop([fc.tuple(layeredSetArb(), layeredSetArb()), neighborsArb])(
    'with the neighbor set known, converges, and no entry that keeps its value is ever touched',
    ([desired, announced], model) => {
      const options: EncodeOptions = { neighbors: new Set(model) };
      const rib = effective(announced, model);
      const before = effective(announced, model);
      const after = effective(desired, model);
      // (neighbor, rib key) whose value is the same before and after the plan: no line may change
      // or remove it, even for a moment (the transient withdraw a `*` line used to cause).
      const steady: [string, string, string][] = [];
      for (const [n, routes] of before) {
        for (const [rk, v] of routes) if (after.get(n)?.get(rk) === v) steady.push([n, rk, v]);
      }
      for (const l of encodePlan(diffRoutes(desired, announced), options)) {
        execute(rib, l.text);
        for (const [n, rk, v] of steady) expect(rib.get(n)?.get(rk), `${n} ${rk}`).toBe(v);
      }
      expect(plain(rib)).toEqual(plain(after));
    },
  );

  test.prop([fc.tuple(layeredSetArb(), layeredSetArb()), neighborsArb])(
    'with the neighbor set known, committing every line turns the ledger into desired',
    ([desired, announced], model) => {
      const ledger = new Map(announced);
      encodePlan(diffRoutes(desired, announced), { neighbors: new Set(model) }).forEach((l) =>
        commit(ledger, l),
      );
      expect([...ledger].map(([k, r]) => [k, r.value]).sort()).toEqual(
        [...desired].map(([k, r]) => [k, r.value]).sort(),
      );
    },
  );

  test.prop([
    fc.tuple(layeredSetArb(), layeredSetArb()),
    fc.constantFrom(undefined, ...[MODEL_NEIGHBORS, KEEPER_NEIGHBORS]),
  ])('every key a line touches is settled by a later line', ([desired, announced], model) => {
    const options: EncodeOptions = model === undefined ? {} : { neighbors: new Set(model) };
    const lines = encodePlan(diffRoutes(desired, announced), options);
    lines.forEach((line, i) => {
      for (const key of line.touches ?? []) {
        const later = lines.slice(i + 1).some((l) => l.routes.some((r) => routeKey(r) === key));
        expect(later).toBe(true);
      }
    });
  });

  test.prop([fc.tuple(layeredSetArb(), layeredSetArb()), fc.nat(), fc.boolean(), optionsArb])(
    'a crash at any line converges after the restart re-plans with pending keys unknown',
    ([desired, announced], at, processed, options) => {
      const rib = effective(announced);
      const ledger = new Map(announced);
      const pending = new Map<RouteKey, Route | undefined>();
      const lines = encodePlan(diffRoutes(desired, announced), options);
      const crashAt = lines.length === 0 ? 0 : at % lines.length;
      lines.slice(0, crashAt + 1).forEach((line, i) => {
        line.routes.forEach((r) => pending.set(routeKey(r), r));
        line.touches?.forEach((k) => pending.has(k) || pending.set(k, ledger.get(k)));
        if (i === crashAt && !processed) return;
        execute(rib, line.text, dialectOf(options));
        if (i === crashAt) return; // written and processed, but the `done` was never read
        commit(ledger, line);
        line.routes.forEach((r) => pending.delete(routeKey(r)));
      });
      // Restart: announced = ledger plus pending entries; pending keys are unknown.
      const restarted = new Map(ledger);
      for (const [k, r] of pending) if (!restarted.has(k) && r !== undefined) restarted.set(k, r);
      const replan = diffRoutes(desired, restarted, { unknown: new Set(pending.keys()) });
      encodePlan(replan, options).forEach((l) => execute(rib, l.text, dialectOf(options)));
      expect(plain(rib)).toEqual(plain(effective(desired)));
    },
  );
});
