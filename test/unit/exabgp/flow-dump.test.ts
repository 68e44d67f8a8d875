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
