// The `dns` check kind: its declaration (defaults, canonical values, every bad value at its
// file:line:col) and its probe against a real DNS server (dnsmasq on a loopback port): up, wrong
// value, NXDOMAIN, no answer, a server that stops answering (timeout) and one that is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouteDocument } from '../../../src/config/load-routes.js';
import type { CheckSpec, CheckState, DnsQuery } from '../../../src/core/health.js';
import { HealthChecker } from '../../../src/runtime/checks/checker.js';
import { probe } from '../../../src/runtime/checks/probes.js';
import { systemClock } from '../../../src/runtime/clock.js';
import { createSilentLogger } from '../../../src/runtime/logger.js';
import { startDnsmasq, type Dnsmasq } from '../../helpers/dnsmasq.js';

const load = (yaml: string) => parseRouteDocument('routes.d/anycast.yaml', yaml);

const route = 'routes:\n  - prefix: 192.0.2.53/32\n    next-hop: self\n    health: dns\n';

describe('dns checks in route documents', () => {
  it('builds the query: type A by default, port 53, values canonical', () => {
    const r = load(`checks:
  dns:
    kind: dns
    name: Svc.Test.
    server: 192.0.2.53
  six:
    kind: dns
    name: v6.test
    type: aaaa
    server: '[2001:DB8::53]:5353'
    value: 2001:DB8:0:0:0:0:0:1
${route}`);
    expect(r.diagnostics).toEqual([]);
    const specs = new Map((r.routes[0]?.health?.specs ?? []).map((s) => [s.name, s] as const));
    expect(specs.get('dns')?.dns).toEqual({ name: 'svc.test', type: 'A', server: '192.0.2.53:53' });
    const docChecks = (name: string, yaml: string): DnsQuery | undefined =>
      load(yaml.replace('health: dns', `health: ${name}`)).routes[0]?.health?.specs[0]?.dns;
    const all = `checks:
  six: {kind: dns, name: v6.test, type: aaaa, server: '[2001:DB8::53]:5353', value: '2001:DB8:0:0:0:0:0:1'}
  rev: {kind: dns, name: 192.0.2.1, type: PTR, server: '127.0.0.1:5353', value: Svc.Test.}
  rev6: {kind: dns, name: '2001:db8::1', type: PTR, server: '127.0.0.1'}
  mail: {kind: dns, name: mx.test, type: MX, server: 127.0.0.1, value: 010 Mail.Test}
  srv: {kind: dns, name: _x._tcp.srv.test, type: SRV, server: 127.0.0.1, value: Target.Test}
  txt: {kind: dns, name: txt.test, type: TXT, server: 127.0.0.1, value: v=spf1 -all}
${route}`;
    expect(docChecks('six', all)).toEqual({
      name: 'v6.test',
      type: 'AAAA',
      server: '[2001:db8::53]:5353',
      value: '2001:db8::1',
    });
    expect(docChecks('rev', all)).toEqual({
      name: '1.2.0.192.in-addr.arpa',
      type: 'PTR',
      server: '127.0.0.1:5353',
      value: 'svc.test',
    });
    expect(docChecks('rev6', all)?.name).toBe(
      '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    );
    expect(docChecks('mail', all)?.value).toBe('10 mail.test');
    expect(docChecks('srv', all)?.value).toBe('target.test');
    expect(docChecks('txt', all)?.value).toBe('v=spf1 -all');
  });

  it.each([
    [
      'a dns check without a server',
      `checks:\n  dns:\n    kind: dns\n    name: svc.test\n`,
      3,
      11,
      /a dns check needs server/,
    ],
    [
      'an unknown type',
      `checks:\n  dns:\n    kind: dns\n    name: svc.test\n    type: AXFR\n    server: 127.0.0.1\n`,
      5,
      11,
      /"AXFR": not a query type \(A, AAAA, TXT, CNAME, MX, NS, SRV, PTR\)/,
    ],
    [
      'a server that is a name',
      `checks:\n  dns:\n    kind: dns\n    name: svc.test\n    server: ns1.example.com\n`,
      5,
      13,
      /"ns1.example.com": not an address with an optional port/,
    ],
    [
      'a server port out of range',
      `checks:\n  dns:\n    kind: dns\n    name: svc.test\n    server: 127.0.0.1:70000\n`,
      5,
      13,
      /not an address with an optional port/,
    ],
    [
      'an A value that is not IPv4',
      `checks:\n  dns:\n    kind: dns\n    name: svc.test\n    server: 127.0.0.1\n    value: 2001:db8::1\n`,
      6,
      12,
      /"2001:db8::1": cannot be an A answer \(an IPv4 address\)/,
    ],
    [
      'an AAAA value that is not IPv6',
      `checks:\n  dns:\n    kind: dns\n    name: svc.test\n    type: AAAA\n    server: 127.0.0.1\n    value: 192.0.2.1\n`,
      7,
      12,
      /cannot be an AAAA answer/,
    ],
    [
      'an MX value with a bad preference',
      `checks:\n  dns:\n    kind: dns\n    name: mx.test\n    type: MX\n    server: 127.0.0.1\n    value: ten mail.test\n`,
      7,
      12,
      /cannot be an MX answer/,
    ],
    [
      'a name that is not a domain name',
      `checks:\n  dns:\n    kind: dns\n    name: 'svc..test'\n    server: 127.0.0.1\n`,
      4,
      11,
      /"svc..test": not a domain name/,
    ],
    [
      'a tcp parameter on a dns check',
      `checks:\n  dns:\n    kind: dns\n    name: svc.test\n    server: 127.0.0.1\n    port: 53\n`,
      6,
      11,
      /port is not a parameter of a dns check/,
    ],
    [
      'a dns parameter on a tcp check',
      `checks:\n  dns:\n    kind: tcp\n    host: 127.0.0.1\n    port: 53\n    server: 127.0.0.1\n`,
      6,
      13,
      /server is not a parameter of a tcp check/,
    ],
  ])('reports %s at its position', (_what, checks, line, col, message) => {
    const r = load(`${checks}${route}`);
    expect(r.routes).toEqual([]);
    const d = r.diagnostics.find((x) => x.code === 'E_HEALTH');
    expect(d).toMatchObject({ file: 'routes.d/anycast.yaml', line, col });
    expect(d?.message).toMatch(message);
  });
});

const RECORDS = [
  '--address=/svc.test/192.0.2.1',
  '--host-record=multi.test,192.0.2.7',
  '--host-record=multi.test,192.0.2.8',
  '--host-record=v6.test,2001:db8:0:0:0:0:0:1',
  '--txt-record=txt.test,v=spf1 ,-all',
  '--mx-host=mx.test,Mail.Test,10',
  '--srv-host=_x._tcp.srv.test,target.test,8080,1,2',
  '--cname=alias.test,v6.test',
  '--ptr-record=1.2.0.192.in-addr.arpa,Svc.Test',
];

function spec(dns: Partial<DnsQuery>, timeoutMs = 300): CheckSpec {
  return {
    name: 'dns',
    kind: 'dns',
    intervalMs: 100,
    timeoutMs,
    fastIntervalMs: 100,
    rise: 2,
    fall: 2,
    initial: 'down',
    dns: { name: 'svc.test', type: 'A', server: '127.0.0.1:1', ...dns },
  };
}

describe('dns probe against a real DNS server (dnsmasq)', () => {
  let server: Dnsmasq;
  beforeAll(async () => {
    server = await startDnsmasq(RECORDS);
  });
  afterAll(async () => {
    await server.stop();
  });
  const ask = (q: Partial<DnsQuery>, timeoutMs?: number) =>
    probe(spec({ server: server.server, ...q }, timeoutMs));

  it('up: NOERROR with an answer, the value among the answers', async () => {
    expect(await ask({})).toEqual({ ok: true, reason: 'dns answer 192.0.2.1' });
    expect(await ask({ value: '192.0.2.1' })).toEqual({ ok: true, reason: 'dns answer 192.0.2.1' });
    expect(await ask({ name: 'multi.test', value: '192.0.2.8' })).toEqual({
      ok: true,
      reason: 'dns answer 192.0.2.8',
    });
  });

  it('compares canonical forms: IPv6 compressed, names in any case, TXT joined', async () => {
    expect(await ask({ name: 'v6.test', type: 'AAAA', value: '2001:db8::1' })).toMatchObject({
      ok: true,
    });
    expect(await ask({ name: 'txt.test', type: 'TXT', value: 'v=spf1 -all' })).toEqual({
      ok: true,
      reason: 'dns answer v=spf1 -all',
    });
    expect(await ask({ name: 'alias.test', type: 'CNAME', value: 'v6.test' })).toMatchObject({
      ok: true,
    });
    expect(await ask({ name: 'mx.test', type: 'MX', value: 'mail.test' })).toEqual({
      ok: true,
      reason: 'dns answer 10 mail.test',
    });
    expect(await ask({ name: 'mx.test', type: 'MX', value: '20 mail.test' })).toEqual({
      ok: false,
      reason: 'dns answer 10 mail.test is not 20 mail.test',
    });
    expect(await ask({ name: '_x._tcp.srv.test', type: 'SRV', value: 'target.test' })).toEqual({
      ok: true,
      reason: 'dns answer 1 2 8080 target.test',
    });
    expect(
      await ask({ name: '1.2.0.192.in-addr.arpa', type: 'PTR', value: 'svc.test' }),
    ).toMatchObject({ ok: true });
  });

  it('down: a wrong value, NXDOMAIN, no answer of the type', async () => {
    expect(await ask({ value: '192.0.2.9' })).toEqual({
      ok: false,
      reason: 'dns answer 192.0.2.1 is not 192.0.2.9',
    });
    expect(await ask({ name: 'multi.test', value: '192.0.2.9' })).toEqual({
      ok: false,
      reason: 'dns answer 192.0.2.7, 192.0.2.8 are not 192.0.2.9',
    });
    expect(await ask({ name: 'nope.test' })).toEqual({ ok: false, reason: 'dns ENOTFOUND' });
    expect(await ask({ name: 'v6.test', type: 'A' })).toEqual({
      ok: false,
      reason: 'dns no answer',
    });
  });

  it('a server that stops answering is a timeout, bounded by the check timeout', async () => {
    server.pause();
    try {
      const started = Date.now();
      expect(await ask({}, 300)).toEqual({ ok: false, reason: 'timeout after 300ms' });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(1000);
    } finally {
      server.resume();
    }
    expect(await ask({})).toMatchObject({ ok: true });
  });

  it('the checker follows the server: up, then down once it is killed, and back', async () => {
    const own = await startDnsmasq(RECORDS);
    const persisted: [string, CheckState][] = [];
    const checker = new HealthChecker({
      clock: systemClock,
      log: createSilentLogger(),
      persisted: new Map(),
      persist: (name, state) => persisted.push([name, state]),
      onChange: () => undefined,
    });
    const until = async (cond: () => boolean): Promise<void> => {
      const end = Date.now() + 4000;
      while (!cond()) {
        if (Date.now() > end) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    let again: Dnsmasq | undefined;
    try {
      checker.sync(new Map([['dns', spec({ server: own.server, value: '192.0.2.1' })]]));
      await until(() => checker.states().get('dns') === 'up');
      await own.stop();
      await until(() => checker.states().get('dns') === 'down');
      const reason = checker.status()[0]?.last?.reason ?? '';
      expect(['dns ECONNREFUSED', 'timeout after 300ms']).toContain(reason);
      again = await startDnsmasq(RECORDS, own.port);
      await until(() => checker.states().get('dns') === 'up');
      expect(persisted.map(([, s]) => s)).toEqual(['down', 'up', 'down', 'up']);
    } finally {
      checker.stop();
      await own.stop();
      await again?.stop();
    }
  });
});
