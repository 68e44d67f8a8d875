// `checks:` (a document's named health checks) and `health:` / `on-down:` on route and flow
// entries (or defaults) → CheckSpecs and HealthGates, with positioned diagnostics. The schema checks
// the shapes; this checks the values (kind parameters, durations, unknown names). No I/O.
import type {
  CheckKind,
  CheckSpec,
  DnsQuery,
  DnsType,
  Drain,
  HealthGate,
  TlsOptions,
} from '../core/health.js';
import type { RouteAttributes } from '../core/route.js';
import { ValueError } from './attributes.js';
import { parseCommunities } from './communities.js';
import {
  canonicalDnsName,
  canonicalDnsValue,
  DNS_TYPES,
  parseDnsServer,
  ptrQueryName,
} from './health-dns.js';
import type { EntrySink } from './entry-checks.js';
import type { PathSegment } from './locate.js';

type Raw = Readonly<Record<string, unknown>>;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest interval or timeout accepted: one hour. */
const MAX_DURATION_MS = 3_600_000;
/** The shortest interval accepted (a check every 100 ms is already a load). */
const MIN_INTERVAL_MS = 100;

/**
 * `500ms`, `1s`, `2m`, `1m30s` → ms; undefined when not one.
 * @example parseDuration('1m30s') // 90_000
 */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
  return Number.isSafeInteger(total) ? total : undefined;
}

const DEFAULTS = { intervalMs: 5000, timeoutMs: 2000, rise: 3, fall: 3 };

/**
 * The named checks of a document (schema-valid), reporting bad values at `checks.<name>...`.
 * `refuseExec`: an exec check is an error with this reason (a document from the HTTP API, where
 * the right to PUT routes must not be the right to run commands on the speaker).
 */
export function documentChecks(
  doc: Raw,
  sink: EntrySink,
  refuseExec?: string,
): Map<string, CheckSpec> {
  const out = new Map<string, CheckSpec>();
  const raw = doc['checks'];
  if (raw === undefined || raw === null || typeof raw !== 'object') return out;
  for (const [name, v] of Object.entries(raw as Raw)) {
    if (refuseExec !== undefined && (v as Raw | null)?.['kind'] === 'exec') {
      sink.report('E_HEALTH', 'error', ['checks', name, 'kind'], refuseExec);
      continue;
    }
    const spec = checkSpec(name, v as Raw, sink, ['checks', name]);
    if (spec !== undefined) out.set(name, spec);
  }
  return out;
}

function checkSpec(
  name: string,
  c: Raw,
  sink: EntrySink,
  base: readonly PathSegment[],
): CheckSpec | undefined {
  let ok = true;
  const bad = (key: string, message: string): void => {
    ok = false;
    sink.report('E_HEALTH', 'error', [...base, key], message);
  };
  const duration = (key: string, fallback: number, min: number): number => {
    const v = c[key];
    if (typeof v !== 'string') return fallback;
    const ms = parseDuration(v);
    if (ms === undefined || ms < min || ms > MAX_DURATION_MS) {
      bad(key, `${JSON.stringify(v)}: not a duration between ${min}ms and 1h (500ms, 1s, 2m)`);
      return fallback;
    }
    return ms;
  };
  const kind = c['kind'] as CheckKind;
  const intervalMs = duration('interval', DEFAULTS.intervalMs, MIN_INTERVAL_MS);
  const timeoutMs = duration('timeout', Math.min(DEFAULTS.timeoutMs, intervalMs), 1);
  const fastIntervalMs = duration('fast-interval', intervalMs, MIN_INTERVAL_MS);
  if (timeoutMs > intervalMs && typeof c['timeout'] === 'string')
    bad('timeout', `timeout ${String(c['timeout'])} is longer than the interval`);
  const need = (key: string, what: string): void => {
    if (c[key] === undefined) bad('kind', `a ${kind} check needs ${key} (${what})`);
  };
  for (const [k, owner] of Object.entries(PARAM_KIND))
    if (c[k] !== undefined && !owner.includes(kind))
      bad(k, `${k} is not a parameter of a ${kind} check`);
  let status: readonly [number, number] | undefined;
  let dns: DnsQuery | undefined;
  let tls: TlsOptions | undefined | null;
  if (kind === 'tcp') {
    need('host', 'an address or name to connect to');
    need('port', '1-65535');
  } else if (kind === 'http') {
    need('url', 'http://... or https://...');
    const url = c['url'];
    if (typeof url === 'string' && !URL.canParse(url))
      bad('url', `${JSON.stringify(url)}: not a URL`);
    status = statusRange(c['status']);
    if (status === undefined)
      bad('status', `${JSON.stringify(c['status'])}: not a status or a range low-high`);
    tls = tlsOptions(c, url, sink, base);
    if (tls === null) ok = false;
  } else if (kind === 'dns') {
    need('name', 'the name to query');
    need('server', 'the DNS server to ask: an address, optionally with a port (127.0.0.1:5353)');
    dns = dnsQuery(c, bad);
  } else {
    need('command', 'the program and its arguments, a list');
  }
  if (!ok) return undefined;
  return {
    name,
    kind,
    intervalMs,
    timeoutMs,
    fastIntervalMs,
    rise: typeof c['rise'] === 'number' ? c['rise'] : DEFAULTS.rise,
    fall: typeof c['fall'] === 'number' ? c['fall'] : DEFAULTS.fall,
    initial: c['initial'] === 'up' ? 'up' : 'down',
    ...(typeof c['maintenance-file'] === 'string'
      ? { maintenanceFile: c['maintenance-file'] }
      : {}),
    ...(typeof c['host'] === 'string' ? { host: c['host'] } : {}),
    ...(typeof c['port'] === 'number' ? { port: c['port'] } : {}),
    ...(typeof c['url'] === 'string'
      ? {
          url: c['url'],
          method: c['method'] === 'HEAD' ? ('HEAD' as const) : ('GET' as const),
          status: status ?? [200, 399],
        }
      : {}),
    ...(typeof c['body'] === 'string' ? { body: c['body'] } : {}),
    ...(tls === undefined || tls === null ? {} : { tls }),
    ...(Array.isArray(c['command']) ? { command: c['command'] as string[] } : {}),
    ...(dns === undefined ? {} : { dns }),
    source: sink.source,
  };
}

/** Which kinds take each kind-specific parameter (any other kind reports it). */
const PARAM_KIND: Readonly<Record<string, readonly CheckKind[]>> = {
  host: ['tcp'],
  port: ['tcp'],
  url: ['http'],
  method: ['http'],
  status: ['http'],
  body: ['http'],
  insecure: ['http'],
  tls: ['http'],
  command: ['exec'],
  name: ['dns'],
  type: ['dns'],
  server: ['dns'],
  value: ['dns'],
};

/**
 * The TLS options of an http check (`tls:` and the older `insecure: true`): undefined when none,
 * null when bad (reported). Paths must be absolute (the process's directory is no anchor for a
 * file named in a route file); whether they can be read is the runtime's (plan and PUT bodies are
 * judged on another machine than the one that runs the check).
 */
function tlsOptions(
  c: Raw,
  url: unknown,
  sink: EntrySink,
  base: readonly PathSegment[],
): TlsOptions | undefined | null {
  const t = (c['tls'] ?? {}) as Raw;
  const insecure = t['insecure'] === true || c['insecure'] === true;
  if (c['tls'] === undefined && !insecure) return undefined;
  let ok = true;
  const bad = (path: readonly PathSegment[], message: string): void => {
    ok = false;
    sink.report('E_HEALTH', 'error', [...base, ...path], message);
  };
  if (typeof url === 'string' && !url.startsWith('https://'))
    bad([c['tls'] === undefined ? 'insecure' : 'tls'], 'TLS options need an https:// url');
  for (const k of ['ca', 'cert', 'key']) {
    const v = t[k];
    if (typeof v === 'string' && !v.startsWith('/'))
      bad(['tls', k], `${JSON.stringify(v)}: give an absolute path (/etc/anycast/${k}.pem)`);
  }
  if ((t['cert'] === undefined) !== (t['key'] === undefined))
    bad(
      ['tls', t['cert'] === undefined ? 'key' : 'cert'],
      'a client certificate needs both cert and key',
    );
  if (insecure && t['ca'] !== undefined)
    bad(['tls', 'ca'], 'ca verifies the server, insecure skips verification: not both');
  const servername = t['servername'];
  if (typeof servername === 'string' && canonicalDnsName(servername) === undefined)
    bad(['tls', 'servername'], `${JSON.stringify(servername)}: not a domain name`);
  if (!ok) return null;
  return {
    ...(typeof t['ca'] === 'string' ? { ca: t['ca'] } : {}),
    ...(insecure ? { insecure: true } : {}),
    ...(typeof servername === 'string'
      ? { servername: canonicalDnsName(servername) ?? servername }
      : {}),
    ...(typeof t['cert'] === 'string' ? { cert: t['cert'] } : {}),
    ...(typeof t['key'] === 'string' ? { key: t['key'] } : {}),
  };
}

/** The query of a `dns` check (schema-valid shapes), reporting bad values; undefined when bad. */
function dnsQuery(c: Raw, bad: (key: string, message: string) => void): DnsQuery | undefined {
  const type = (typeof c['type'] === 'string' ? c['type'].toUpperCase() : 'A') as DnsType;
  if (!DNS_TYPES.includes(type)) {
    bad('type', `${JSON.stringify(c['type'])}: not a query type (${DNS_TYPES.join(', ')})`);
    return undefined;
  }
  const rawName = c['name'];
  const rawServer = c['server'];
  if (typeof rawName !== 'string' || typeof rawServer !== 'string') return undefined;
  const name =
    type === 'PTR'
      ? (ptrQueryName(rawName) ?? canonicalDnsName(rawName))
      : canonicalDnsName(rawName);
  if (name === undefined) bad('name', `${JSON.stringify(rawName)}: not a domain name`);
  const server = parseDnsServer(rawServer);
  if (server === undefined)
    bad(
      'server',
      `${JSON.stringify(rawServer)}: not an address with an optional port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:5353)`,
    );
  let value: string | undefined;
  const rawValue = c['value'];
  if (typeof rawValue === 'string') {
    value = canonicalDnsValue(type, rawValue);
    if (value === undefined)
      bad('value', `${JSON.stringify(rawValue)}: cannot be ${VALUE_OF[type]}`);
  }
  if (name === undefined || server === undefined || (rawValue !== undefined && value === undefined))
    return undefined;
  return { name, type, server, ...(value === undefined ? {} : { value }) };
}

const VALUE_OF: Readonly<Record<DnsType, string>> = {
  A: 'an A answer (an IPv4 address)',
  AAAA: 'an AAAA answer (an IPv6 address)',
  TXT: 'a TXT answer',
  CNAME: 'a CNAME answer (a domain name)',
  NS: 'an NS answer (a domain name)',
  PTR: 'a PTR answer (a domain name)',
  MX: 'an MX answer (a name, or "preference name")',
  SRV: 'an SRV answer (a target, or "priority weight port target")',
};

function statusRange(v: unknown): readonly [number, number] | undefined {
  if (v === undefined) return [200, 399];
  if (typeof v === 'number') return [v, v];
  const m = /^(\d{3})(?:-(\d{3}))?$/.exec(typeof v === 'string' ? v : '');
  if (m === null) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi ? [lo, hi] : undefined;
}

/**
 * The gate of an entry: its own `health:` / `on-down:`, else the defaults' (routes only). Reports
 * unknown check names and a drain that cannot apply (flows; a prepend without an as-path).
 */
export function entryHealth(
  entry: Raw,
  defaults: Raw | undefined,
  checks: ReadonlyMap<string, CheckSpec>,
  sink: EntrySink,
  base: readonly PathSegment[],
  attributes: RouteAttributes | undefined,
): HealthGate | undefined {
  const own = entry['health'] !== undefined;
  const health = own ? entry['health'] : defaults?.['health'];
  const onDown = entry['on-down'] ?? defaults?.['on-down'];
  const at = (key: string): PathSegment[] =>
    Object.hasOwn(entry, key) || defaults === undefined ? [...base, key] : ['defaults', key];
  if (health === undefined) {
    if (entry['on-down'] !== undefined)
      sink.report(
        'E_HEALTH',
        'error',
        [...base, 'on-down'],
        'on-down without health (no gate to close)',
      );
    return undefined;
  }
  let op: 'all' | 'any' = 'all';
  let names: string[];
  if (typeof health === 'string') names = [health];
  else {
    const h = health as Raw;
    op = h['any'] !== undefined ? 'any' : 'all';
    names = [...((h[op] as string[] | undefined) ?? [])];
  }
  let ok = true;
  names.forEach((n, j) => {
    if (checks.has(n)) return;
    ok = false;
    const known = [...checks.keys()].sort().join(', ');
    sink.report(
      'E_HEALTH',
      'error',
      typeof health === 'string' ? at('health') : [...at('health'), op, j],
      `${JSON.stringify(n)}: unknown check (this document's checks: ${known === '' ? 'none' : known})`,
    );
  });
  const checksSorted = [...new Set(names)].sort();
  let drain: Drain | undefined;
  if (onDown !== undefined && onDown !== 'withdraw') {
    const d = (onDown as Raw)['drain'] as Raw;
    if (attributes === undefined) {
      sink.report(
        'E_HEALTH',
        'error',
        [...at('on-down'), 'drain'],
        'a flow cannot be drained: on-down withdraw only',
      );
      ok = false;
    } else {
      drain = drainOf(d, attributes, sink, [...at('on-down'), 'drain']);
      if (drain === undefined) ok = false;
    }
  }
  if (!ok) return undefined;
  const expr =
    op === 'all' && checksSorted.length === 1
      ? (checksSorted[0] ?? '')
      : `${op}(${checksSorted.join(', ')})`;
  const text = drain === undefined ? expr : `${expr} drain ${drainText(drain)}`;
  const specs = checksSorted.map((n) => checks.get(n) as CheckSpec);
  return { op, checks: checksSorted, specs, ...(drain === undefined ? {} : { drain }), text };
}

function drainOf(
  d: Raw,
  attributes: RouteAttributes,
  sink: EntrySink,
  base: readonly PathSegment[],
): Drain | undefined {
  let ok = true;
  const prepend = d['as-path-prepend'];
  if (typeof prepend === 'number' && (attributes.asPath?.sequence.length ?? 0) === 0) {
    ok = false;
    sink.report(
      'E_HEALTH',
      'error',
      [...base, 'as-path-prepend'],
      "as-path-prepend repeats the first AS of the route's as-path: give the route an as-path",
    );
  }
  let community: string[] | undefined;
  if (d['community'] !== undefined) {
    const c = parseCommunities(d['community']);
    if (c instanceof ValueError) {
      ok = false;
      sink.report(c.code, 'error', [...base, 'community'], c.message);
    } else community = c;
  }
  if (!ok) return undefined;
  return {
    ...(typeof prepend === 'number' ? { prepend } : {}),
    ...(typeof d['med'] === 'number' ? { med: d['med'] } : {}),
    ...(community === undefined ? {} : { community }),
  };
}

function drainText(d: Drain): string {
  const parts: string[] = [];
  if (d.prepend !== undefined) parts.push(`as-path-prepend ${d.prepend}`);
  if (d.med !== undefined) parts.push(`med ${d.med}`);
  if (d.community !== undefined) parts.push(`community [ ${d.community.join(' ')} ]`);
  return parts.join(' ');
}
