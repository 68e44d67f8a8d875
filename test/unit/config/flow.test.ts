// FlowSpec entries: canonical match and action texts, and every validation rule with its position.
import { describe, expect, it } from 'vitest';
import { mergeSources, parseRouteDocument } from '../../../src/config/load-routes.js';
import { canonicalTerms } from '../../../src/config/flow-match.js';
import { canonicalFlow, type FlowIssue } from '../../../src/config/flow-rule.js';
import { flowRuleFromTexts, flowTokens, readFlowWords } from '../../../src/config/flow-text.js';
import { flowMatchText, flowThenText } from '../../../src/core/flow.js';
import { routeKey } from '../../../src/core/route.js';

function flows(yaml: string) {
  return parseRouteDocument('routes.d/flows.yaml', yaml);
}

describe('canonicalTerms', () => {
  it.each<[string, Parameters<typeof canonicalTerms>[0], unknown, string[]]>([
    ['a bare number is =N', 'destination-port', 53, ['=53']],
    ['a readable range is >=lo&<=hi', 'destination-port', '8000-8080', ['>=8000&<=8080']],
    [
      'overlapping terms merge',
      'destination-port',
      [53, '8000-8080', '>=8079&<=9000'],
      ['=53', '>=8000&<=9000'],
    ],
    ['adjacent values merge into a range', 'port', ['=53', '=54'], ['>=53&<=54']],
    [
      'ExaBGP list text is split',
      'port',
      '[ =80 =3128 >8080&<8088 ]',
      ['=80', '=3128', '>=8081&<=8087'],
    ],
    ['> and < become inclusive bounds', 'packet-length', '>100&<1500', ['>=101&<=1499']],
    ['an open range keeps one bound', 'source-port', '>1023', ['>=1024']],
    ['!= splits around the value', 'destination-port', '!=22', ['<=21', '>=23']],
    ['protocol names and numbers are one value', 'protocol', ['udp', 6], ['=tcp', '=udp']],
    ['protocol =17 is =udp', 'protocol', '=17', ['=udp']],
    ['an icmp-type name is its number', 'icmp-type', 'echo-request', ['=8']],
    [
      'tcp flags are sorted by bit and terms de-duplicated',
      'tcp-flags',
      ['ack+syn', '=syn', 'syn+ack'],
      ['=syn', 'syn+ack'],
    ],
    ['hex flags read as names', 'tcp-flags', '0x12', ['syn+ack']],
    ['fragment negation', 'fragment', '!is-fragment', ['!is-fragment']],
    ['a zero offset is dropped', 'source', '2001:db8::/64/0', ['2001:db8::/64']],
    ['a bare address is a host prefix', 'destination', '192.0.2.1', ['192.0.2.1/32']],
  ])('%s', (_name, component, value, expected) => {
    expect(canonicalTerms(component, value)).toEqual(expected);
  });

  it.each<[string, Parameters<typeof canonicalTerms>[0], unknown, RegExp]>([
    ['contradictory numeric operators', 'destination-port', '>100&<50', /contradictory operators/],
    ['contradictory bitmask operators', 'tcp-flags', 'syn&!syn', /contradictory operators/],
    ['a criterion that matches every port', 'port', '>=0', /matches every value/],
    ['a port out of range', 'port', 70000, /out of range \(0-65535\)/],
    ['a dscp out of range', 'dscp', 64, /out of range \(0-63\)/],
    ['an unknown protocol name', 'protocol', 'udpp', /unknown value "udpp"/],
    ['an unknown tcp flag', 'tcp-flags', 'synn', /unknown name "synn"/],
    [
      'not-a-fragment, with the 5.0 hint',
      'fragment',
      'not-a-fragment',
      /removed in exabgp 5\.0, write "!is-fragment"/,
    ],
    ['host bits', 'destination', '10.0.0.1/8', /host bits set, did you mean 10\.0\.0\.0\/8/],
    ['an offset on ipv4', 'destination', '10.0.0.0/8/4', /offset is ipv6 only/],
    [
      'a non-zero ipv6 offset (it resets the session)',
      'destination',
      '2001:db8::/64/8',
      /non-zero ipv6 offset is refused/,
    ],
  ])('refuses %s', (_name, component, value, message) => {
    const r = canonicalTerms(component, value);
    expect(r).not.toBeInstanceOf(Array);
    expect((r as { message: string }).message).toMatch(message);
  });
});

describe('canonicalFlow', () => {
  it('orders components as RFC 8955 does and actions canonically', () => {
    const issues: FlowIssue[] = [];
    const f = canonicalFlow(
      {
        'destination-port': 53,
        protocol: 'udp',
        source: '192.0.2.0/24',
        destination: '203.0.113.10',
      },
      { community: ['65000:2', '65000:1'], 'rate-limit': 1000 },
      issues,
    );
    expect(issues).toEqual([]);
    expect(f.afi).toBe('ipv4');
    expect(flowMatchText(f.rule.match)).toBe(
      'destination 203.0.113.10/32 source 192.0.2.0/24 protocol =udp destination-port =53',
    );
    expect(flowThenText(f.rule.then)).toBe('rate-limit 1000 community [ 65000:1 65000:2 ]');
  });

  it('takes the family from the prefixes, else from an ipv6-only component', () => {
    expect(canonicalFlow({ destination: '2001:db8::/32' }, { discard: true }, []).afi).toBe('ipv6');
    expect(canonicalFlow({ 'next-header': 'udp' }, { discard: true }, []).afi).toBe('ipv6');
    expect(canonicalFlow({ protocol: 'udp' }, { discard: true }, []).afi).toBe('ipv4');
  });

  it('makes rate-limit 0 and discard one rule', () => {
    const a = canonicalFlow({ destination: '192.0.2.1/32' }, { 'rate-limit': 0 }, []);
    const b = canonicalFlow({ destination: '192.0.2.1/32' }, { discard: true }, []);
    expect(flowThenText(a.rule.then)).toBe('discard');
    expect(a).toEqual(b);
  });

  it.each<[string, unknown, unknown, RegExp]>([
    [
      'mixed families',
      { destination: '192.0.2.0/24', source: '2001:db8::/32' },
      { discard: true },
      /must be of one family/,
    ],
    [
      'an ipv4-only component in an ipv6 rule',
      { destination: '2001:db8::/32', protocol: 'udp' },
      { discard: true },
      /protocol is ipv4 only/,
    ],
    ['no action', { destination: '192.0.2.0/24' }, {}, /at least one action/],
    ['no component', {}, { discard: true }, /at least one component/],
    [
      'discard with rate-limit',
      { destination: '192.0.2.0/24' },
      { discard: true, 'rate-limit': 10 },
      /contradictory actions: discard and rate-limit/,
    ],
    [
      'a redirect of the wrong family',
      { destination: '192.0.2.0/24' },
      { 'redirect-to-nexthop': '2001:db8::1' },
      /is ipv6, the rule is ipv4/,
    ],
    [
      'a redirect out of range',
      { destination: '192.0.2.0/24' },
      { redirect: '4200000000:70000' },
      /out of range/,
    ],
    ['an unknown action', { destination: '192.0.2.0/24' }, { drop: true }, /unknown action "drop"/],
  ])('refuses %s', (_name, match, then, message) => {
    const issues: FlowIssue[] = [];
    canonicalFlow(match, then, issues);
    expect(issues.map((i) => i.message).join('\n')).toMatch(message);
  });
});

describe('flows in route documents', () => {
  it('loads flows beside routes with their positions', () => {
    const r = flows(
      'routes:\n  - prefix: 10.0.0.0/24\n    next-hop: 192.0.2.1\nflows:\n  - match: { destination: 203.0.113.10/32, protocol: udp }\n    then: { rate-limit: 1000 }\n',
    );
    expect(r.diagnostics).toEqual([]);
    const flow = r.routes.find((x) => x.safi === 'flow');
    expect(flow && routeKey(flow)).toBe('* ipv4 flow destination 203.0.113.10/32 protocol =udp');
    expect(flow?.value).toBe('rate-limit 1000');
    expect(flow?.source).toEqual({ source: 'routes.d/flows.yaml', line: 5, col: 5 });
  });

  it('accepts a document with flows and no routes', () => {
    const r = flows(
      'flows:\n  - match: { destination: 192.0.2.1/32 }\n    then: { discard: true }\n',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.routes).toHaveLength(1);
  });

  it('makes a flow with rd flow-vpn and one route per neighbor', () => {
    const r = flows(
      'flows:\n  - match: { destination: 192.0.2.1/32 }\n    then: { discard: true }\n    rd: 65000:1\n    neighbors: [127.0.0.2, 127.0.0.3]\n',
    );
    expect(r.routes.map(routeKey)).toEqual([
      '127.0.0.2 ipv4 flow-vpn rd 65000:1 destination 192.0.2.1/32',
      '127.0.0.3 ipv4 flow-vpn rd 65000:1 destination 192.0.2.1/32',
    ]);
  });

  it('reports problems at file:line:col and keeps no route', () => {
    const r = flows(
      'flows:\n  - match:\n      destination: 10.0.0.1/8\n      fragment: not-a-fragment\n    then: { discard: true }\n',
    );
    expect(r.routes).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.path}`)).toEqual([
      '3:20 E_HOST_BITS flows[0].match.destination',
      '4:17 E_FLOW flows[0].match.fragment',
    ]);
  });

  it('reports an unknown component as a schema error at its key', () => {
    const r = flows('flows:\n  - match: { dport: 53 }\n    then: { discard: true }\n');
    expect(r.diagnostics[0]).toMatchObject({ code: 'E_SCHEMA', line: 2, col: 14 });
  });

  it('reports the same rule with other actions in two files as a conflict naming both', () => {
    const a = parseRouteDocument(
      'a.yaml',
      'flows:\n  - match: { destination: 192.0.2.1/32 }\n    then: { discard: true }\n',
    );
    const b = parseRouteDocument(
      'b.yaml',
      'flows:\n  - match: { destination: 192.0.2.1 }\n    then: { rate-limit: 9600 }\n',
    );
    const merged = mergeSources([a, b]);
    expect(merged.ok).toBe(false);
    const diagnostics = merged.ok ? [] : merged.diagnostics;
    expect(diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`)).toEqual([
      'b.yaml:2 E_CONFLICT',
    ]);
    expect(diagnostics[0]?.message).toMatch(
      /conflicts with a\.yaml:2 \(discard here: rate-limit 9600\)/,
    );
  });

  it('reports two spellings of one rule as a duplicate, naming the first', () => {
    const r = flows(
      'flows:\n  - match: { destination: 192.0.2.1/32, destination-port: [53, 54] }\n    then: { discard: true }\n  - match: { destination-port: "53-54", destination: 192.0.2.1 }\n    then: { rate-limit: 0 }\n',
    );
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]?.code).toBe('E_DUPLICATE_ROUTE');
    expect(r.diagnostics[0]?.message).toMatch(/first declared at routes\.d\/flows\.yaml:2:5/);
  });
});

describe('flow text', () => {
  it('reads the canonical texts back to the same rule', () => {
    const { rule, afi } = canonicalFlow(
      { destination: '2001:db8::/64/0', 'next-header': 'tcp', 'tcp-flags': ['syn', '=syn+ack'] },
      { 'redirect-to-nexthop': '2001:db8::1', community: ['65000:1'], action: 'sample' },
      [],
    );
    const back = flowRuleFromTexts(flowMatchText(rule.match), flowThenText(rule.then));
    expect(back).toEqual({ afi, rule });
  });

  it('reads the single-line form ExaBGP accepts', () => {
    const words = readFlowWords(
      flowTokens(
        'source 10.0.0.2/32 destination 192.0.2.0/24 protocol udp destination-port =53 rate-limit 1000',
      ),
    );
    expect(words).toEqual({
      match: {
        source: ['10.0.0.2/32'],
        destination: ['192.0.2.0/24'],
        protocol: ['udp'],
        'destination-port': ['=53'],
      },
      then: { 'rate-limit': 1000 },
    });
  });

  it('reads the block form with next-hop for redirect-to-nexthop', () => {
    const words = readFlowWords(
      flowTokens(
        '{ next-hop 192.0.2.9; match { destination 192.0.2.0/24; } then { redirect-to-nexthop; } }',
      ),
    );
    expect(words).toMatchObject({
      then: { 'redirect-to-nexthop': '192.0.2.9' },
      nextHop: '192.0.2.9',
    });
  });
});
