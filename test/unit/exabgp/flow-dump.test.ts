// FlowSpec lines of `show adj-rib out extensive` as 4.2.21 and 5.0.13 printed them (measured
// against BIRD, test/fixtures/exabgp/adj-rib-out-extensive-flow-*.txt) read back to the very rules
// that were announced (test/fixtures/exabgp/adj-rib-out-flow.routes.yaml).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRouteDocument } from '../../../src/config/load-routes.js';
import { routeKey } from '../../../src/core/route.js';
import { parseAdjRibDump } from '../../../src/exabgp/adj-rib.js';
import { DIALECTS } from '../../../src/exabgp/dialect.js';
import { readDumpFlow } from '../../../src/exabgp/flow-dump.js';
import { compareAdjRibOut, expectedRouteAt } from '../../../src/core/verify.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/exabgp');
const read = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

describe('flows in adj-rib-out dumps', () => {
  const announced = parseRouteDocument('flows.yaml', read('adj-rib-out-flow.routes.yaml'));
  const want = announced.routes.map((r) => `${routeKey(r)} | ${r.value}`).sort();

  it.each(['4.2', '5.0'] as const)(
    'reads what ExaBGP %s printed back to the announced rules',
    (v) => {
      expect(announced.diagnostics).toEqual([]);
      const dump = parseAdjRibDump(read(`adj-rib-out-extensive-flow-${v}.txt`), 'dump', {
        dialect: DIALECTS[v],
      });
      expect(dump.ok).toBe(true);
      if (!dump.ok) return;
      expect(dump.warnings).toEqual([]);
      expect([...dump.value.values()].map((r) => `${routeKey(r)} | ${r.value}`).sort()).toEqual(
        want,
      );
    },
  );

  it('reads 5.0 port names it knows and refuses the others', () => {
    const known = readDumpFlow(
      '127.0.0.2',
      'ipv4',
      'flow destination-ipv4 192.0.2.1/32 destination-port [ =domain >=ssh&<=telnet ] extended-community rate-limit:0',
    );
    expect(typeof known === 'string' ? known : known.prefix).toBe(
      'destination 192.0.2.1/32 destination-port [ >=22&<=23 =53 ]',
    );
    const unknown = readDumpFlow(
      '127.0.0.2',
      'ipv4',
      'flow destination-ipv4 192.0.2.1/32 destination-port =rockwell-csp2 extended-community rate-limit:0',
    );
    expect(unknown).toMatch(/unknown port name/);
  });

  it('skips an unreadable flow line with a warning, keeping the rest', () => {
    const dump = parseAdjRibDump(
      'neighbor 127.0.0.2 ipv4 flow flow destination-ipv4 192.0.2.1/32 destination-port =irdmi\nneighbor 127.0.0.2 ipv4 unicast 10.0.0.0/24 next-hop 192.0.2.1\ndone\n',
      'dump',
    );
    expect(dump.ok && [...dump.value.keys()]).toEqual(['* ipv4 unicast 10.0.0.0/24']);
    expect(dump.ok && dump.warnings[0]?.message).toMatch(
      /ipv4 flow: .*unknown port name; line skipped/,
    );
  });
});

describe('--verify compares flows', () => {
  const announced = parseRouteDocument('flows.yaml', read('adj-rib-out-flow.routes.yaml'));
  const neighbor = '127.0.17.2';
  const ledger = new Map(announced.routes.map((r) => [routeKey(r), r]));
  const compare = (v: '4.2' | '5.0', text: string) => {
    const unreadFlows = new Set<string>();
    const dump = parseAdjRibDump(text, 'exabgp', {
      targets: 'per-neighbor',
      dialect: DIALECTS[v],
      expected: expectedRouteAt(ledger),
      unreadFlows,
    });
    if (!dump.ok) throw new Error('dump refused');
    return compareAdjRibOut(ledger, dump.value, { neighbors: [neighbor], unreadFlows });
  };

  it.each(['4.2', '5.0'] as const)('finds no drift in what %s holds', (v) => {
    const c = compare(v, read(`adj-rib-out-extensive-flow-${v}.txt`));
    expect([c.missing.length, c.different.length, c.extra.length]).toEqual([0, 0, 0]);
    expect(c.matched).toBe(announced.routes.length);
  });

  it.each(['4.2', '5.0'] as const)('finds a missing, a changed and an extra flow on %s', (v) => {
    const lines = read(`adj-rib-out-extensive-flow-${v}.txt`).split('\n');
    const flows = lines.filter((l) => l.includes(' flow flow '));
    // the 203.0.113.10 rule (rate-limit 1000) gets another rate; the 198.51.100.0/24 one goes;
    // a rule nobody announced appears
    const changed = flows[2]!.replace(/rate-limit:\d+(\.\d+)?/, 'rate-limit:77');
    const extra = flows[0]!.replace('198.51.100.0/24', '198.51.99.0/24');
    const text = [flows[1], changed, flows[3], extra, 'done'].join('\n');
    const c = compare(v, text);
    expect(c.missing.map((d) => d.ribKey)).toEqual([
      `ipv4 flow ${ledger.get([...ledger.keys()].find((k) => k.includes('198.51.100.0/24'))!)!.prefix}`,
    ]);
    expect(c.different).toHaveLength(1);
    expect(c.extra.map((d) => d.ribKey)).toEqual([
      expect.stringContaining('198.51.99.0/24') as string,
    ]);
  });

  it('does not call a flow missing at a neighbor whose dump has a flow line it cannot read', () => {
    const lines = read('adj-rib-out-extensive-flow-5.0.txt').split('\n');
    const flows = lines.filter((l) => l.includes(' flow flow '));
    const unreadable = flows[2]!.replace('=domain', '=rockwell-csp2');
    const c = compare('5.0', [flows[0], flows[1], unreadable, flows[3], 'done'].join('\n'));
    expect(c.missing).toEqual([]);
    expect(c.matched).toBe(announced.routes.length - 1);
  });
});
