// Properties of FlowSpec rules: the key does not depend on the spelling (canonical match), the diff
// properties hold for flows (round trip, idempotence, disjoint lists, order independence), and every
// encoded flow line passes the grammar of both ExaBGP versions and names only plan rules.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { applyPlan } from '../../src/core/apply.js';
import { diffRoutes } from '../../src/core/diff.js';
import { canonicalFlow, type FlowIssue } from '../../src/config/flow-rule.js';
import { flowRoute } from '../../src/config/flow-entries.js';
import { flowRuleFromTexts } from '../../src/config/flow-text.js';
import { routeKey, type Route, type RouteSet } from '../../src/core/route.js';
import { encodePlan } from '../../src/exabgp/encode.js';
import { parseExabgpLine } from '../helpers/exabgp-grammar.js';

type Raw = Record<string, unknown>;

/** A port set as ORed closed intervals within 0..65535 (never the full range). */
const intervalsArb = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 65000 }), fc.integer({ min: 0, max: 40 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((xs) => xs.map(([lo, w]): [number, number] => [lo, lo + w]));

/** One spelling of an interval: `=n`, n, `lo-hi`, `>=lo&<=hi`, `>lo-1&<hi+1`, `<=hi&>=lo`. */
const spellArb = (iv: [number, number]): fc.Arbitrary<string | number> => {
  const [lo, hi] = iv;
  const forms: (string | number)[] = [
    `${lo}-${hi}`,
    `>=${lo}&<=${hi}`,
    `<=${hi}&>=${lo}`,
    `>${lo - 1}&<${hi + 1}`,
  ];
  if (lo === hi) forms.push(lo, `=${lo}`);
  return fc.constantFrom(...forms);
};

/** A list of intervals spelled some way, in some order, maybe split into one-value terms. */
const spelledArb = (ivs: [number, number][]): fc.Arbitrary<unknown> =>
  fc
    .tuple(fc.tuple(...ivs.map(spellArb)), fc.boolean(), fc.boolean())
    .map(([terms, reverse, asText]) => {
      const list = reverse ? [...terms].reverse() : terms;
      if (asText) return `[ ${list.join(' ')} ]`;
      return list.length === 1 ? list[0] : list;
    });

const PROTOCOLS: [string, number][] = [
  ['udp', 17],
  ['tcp', 6],
  ['icmp', 1],
  ['gre', 47],
];

interface Rule {
  readonly dest: string;
  readonly source?: string;
  readonly protocol?: [string, number];
  readonly ports?: [number, number][];
  readonly flags?: string[];
  readonly rate: number;
}

const ruleArb: fc.Arbitrary<Rule> = fc.record(
  {
    dest: fc
      .tuple(
        fc.integer({ min: 1, max: 223 }),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(16, 24, 32),
      )
      .map(([a, b, len]) =>
        len === 16 ? `${a}.${b}.0.0/16` : len === 24 ? `${a}.${b}.7.0/24` : `${a}.${b}.7.9/32`,
      ),
    source: fc.integer({ min: 0, max: 255 }).map((c) => `192.0.${c}.0/24`),
    protocol: fc.constantFrom(...PROTOCOLS),
    ports: intervalsArb,
    flags: fc.subarray(['syn', 'ack', 'fin', 'rst'], { minLength: 1 }),
    rate: fc.integer({ min: 0, max: 100_000 }),
  },
  { requiredKeys: ['dest', 'rate'] },
);

/** A spelling of the rule: key order, number or name, interval forms, list forms, action form. */
function spellingArb(rule: Rule): fc.Arbitrary<{ match: Raw; then: Raw }> {
  return fc
    .tuple(
      rule.ports === undefined ? fc.constant(undefined) : spelledArb(rule.ports),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([ports, byNumber, reverseKeys, flagText]) => {
      const entries: [string, unknown][] = [['destination', rule.dest]];
      if (rule.source !== undefined) entries.push(['source', rule.source]);
      if (rule.protocol !== undefined)
        entries.push(['protocol', byNumber ? `=${rule.protocol[1]}` : rule.protocol[0]]);
      if (ports !== undefined) entries.push(['destination-port', ports]);
      if (rule.flags !== undefined) {
        const flags = flagText ? [...rule.flags].reverse().join('+') : rule.flags.join('+');
        entries.push(['tcp-flags', flags]);
      }
      const match = Object.fromEntries(reverseKeys ? entries.reverse() : entries);
      const then: Raw =
        rule.rate === 0 && byNumber ? { discard: true } : { 'rate-limit': rule.rate };
      return { match, then };
    });
}

const pairArb = ruleArb.chain((rule) => fc.tuple(spellingArb(rule), spellingArb(rule)));

function build(s: { match: Raw; then: Raw }, target = '*'): Route {
  const issues: FlowIssue[] = [];
  const { afi, rule } = canonicalFlow(s.match, s.then, issues);
  expect(issues).toEqual([]);
  return flowRoute(target, afi, undefined, rule);
}

const flowSetArb: fc.Arbitrary<RouteSet> = fc
  .array(
    fc.tuple(ruleArb.chain(spellingArb), fc.constantFrom('*', '*', '127.0.0.2', '127.0.0.3')),
    { maxLength: 25 },
  )
  .map((items) => {
    const out = new Map<string, Route>();
    for (const [s, target] of items) {
      const r = build(s, target);
      out.set(routeKey(r), r);
    }
    return out;
  });

const entries = (set: RouteSet): [string, string][] =>
  [...set].map(([k, r]): [string, string] => [k, r.value]).sort((a, b) => (a[0] < b[0] ? -1 : 1));

describe('flow key properties', () => {
  test.prop([pairArb])('two spellings of one rule have one key and one value', ([a, b]) => {
    const ra = build(a);
    const rb = build(b);
    expect(routeKey(ra)).toBe(routeKey(rb));
    expect(ra.value).toBe(rb.value);
  });

  test.prop([ruleArb.chain(spellingArb)])('the canonical texts read back to the same rule', (s) => {
    const r = build(s);
    expect(flowRuleFromTexts(r.prefix, r.value)?.rule).toEqual(r.flow);
  });
});

describe('diff properties for flows', () => {
  test.prop([flowSetArb, flowSetArb])('applying the plan yields desired', (desired, announced) => {
    expect(entries(applyPlan(announced, diffRoutes(desired, announced)))).toEqual(entries(desired));
  });

  test.prop([flowSetArb])('a set diffed with itself is empty, also after applying', (set) => {
    const plan = diffRoutes(set, set);
    expect(plan.announce.length + plan.update.length + plan.withdraw.length).toBe(0);
  });

  test.prop([flowSetArb, flowSetArb])(
    'lists are disjoint, counts add up, and insertion order does not matter',
    (desired, announced) => {
      const plan = diffRoutes(desired, announced);
      const keys = [
        ...plan.announce.map(routeKey),
        ...plan.update.map((u) => routeKey(u.after)),
        ...plan.withdraw.map(routeKey),
      ];
      expect(new Set(keys).size).toBe(keys.length);
      expect(plan.announce.length + plan.update.length + plan.unchanged).toBe(desired.size);
      const shuffled = diffRoutes(
        new Map([...desired].reverse()),
        new Map([...announced].reverse()),
      );
      expect(shuffled).toEqual(plan);
    },
  );

  test.prop([flowSetArb, flowSetArb])(
    'every encoded flow line passes both grammars and names only plan rules',
    (desired, announced) => {
      const plan = diffRoutes(desired, announced);
      const planned = new Set(
        [
          ...plan.announce,
          ...plan.update.map((u) => u.after),
          ...plan.withdraw,
          ...plan.reassert.map((r) => r.route),
        ].map((r) => r.prefix),
      );
      for (const line of encodePlan(plan)) {
        for (const dialect of ['4.2', '5.0'] as const) {
          const parsed = parseExabgpLine(line.text, dialect);
          if (typeof parsed === 'string') throw new Error(`${parsed}: ${line.text}`);
          expect(parsed.form).toBe('flow');
        }
        for (const r of line.routes) expect(planned.has(r.prefix)).toBe(true);
      }
    },
  );
});
