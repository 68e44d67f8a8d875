// A real BIRD 2 as the BGP peer whose RIB the e2e tests read: config, start/stop by pid, and
// parsers for `show route all` (routes with attributes) and `show protocols all` (import counters).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnDaemon, waitFor, type Daemon } from './processes.js';

const execFileAsync = promisify(execFile);

/** One passive BGP protocol: BIRD listens on `address:port` and accepts `neighbor` (ExaBGP's local address). */
export interface BirdPeer {
  /** BIRD protocol name, also what `routes()` groups by. */
  name: string;
  /** BIRD's local address; ExaBGP's `neighbor` address. */
  address: string;
  port: number;
  /** ExaBGP's local address. */
  neighbor: string;
  asn: number;
  /** Also FlowSpec channels (flow4/flow6, tables flowtab4_<name> / flowtab6_<name>). */
  flow?: boolean;
}

/** One FlowSpec rule in BIRD's flow table, as BIRD prints it. */
export interface PeerFlow {
  protocol: string;
  /** `flowtab4_peer_a`. */
  table: string;
  /** BIRD's text of the rule: `flow4 { dst 203.0.113.10/32; proto 17; dport 53; }`. */
  rule: string;
  /** `BGP.ext_community` as printed: `(generic, 0x80060000, 0x46160000)`, sorted. */
  extCommunities: string[];
  /** `N:M`, sorted. */
  communities: string[];
  nextHop: string;
}

export interface PeerRoute {
  protocol: string;
  /** BIRD table: master4/master6 (unicast), lab4_* (labelled unicast), vpn4_* (mpls-vpn). */
  table: string;
  /** The route's identity at the peer: `10.0.0.0/24`, `nlri-mpls 10.0.0.0/24`, `rd 65000:1 10.0.0.0/24`. */
  prefix: string;
  /** MPLS label stack (labelled unicast and mpls-vpn). */
  labels: number[];
  nextHop: string;
  origin: 'igp' | 'egp' | 'incomplete';
  /** As BIRD prints it: `65001 65002`, an AS_SET as `{65003 65004}`; '' when empty. */
  asPath: string;
  med?: number;
  localPref?: number;
  /** `N:M`, sorted by value. */
  communities: string[];
  /** `A:B:C`, sorted. */
  largeCommunities: string[];
  /** ExaBGP spelling where known (`target:65000:1`, `origin:65000:2`), else BIRD's text; sorted. */
  extCommunities: string[];
  atomicAggregate: boolean;
  /** Any other `BGP.*` attribute, verbatim. */
  other: Record<string, string>;
}

export interface ChannelCounters {
  importUpdatesReceived: number;
  importUpdatesAccepted: number;
  importWithdrawsReceived: number;
  importWithdrawsAccepted: number;
}

export interface ProtocolStats {
  name: string;
  /** `Established`, `Active`, `Passive`, ... (BIRD's BGP state). */
  bgpState: string;
  /** BIRD's protocol state: `up`, `start`, `down`, ... */
  protocolState: string;
  /** Time of the protocol's last state change (`timeformat protocol iso long ms`), '' if unknown. */
  since: string;
  routesImported: number;
  /** Sum over the ipv4 and ipv6 channels. */
  counters: ChannelCounters;
}

export interface Bird {
  readonly pid: number;
  readonly ctlSocket: string;
  /** BIRD's log: protocol state changes (`debug { states, events }`) with ms timestamps. */
  readonly logFile: string;
  readonly daemon: Daemon;
  /** Run a birdc command (words as separate arguments); returns its stdout. */
  birdc(...words: string[]): Promise<string>;
  /** Routes of one protocol, or of every protocol when `protocol` is omitted. */
  routes(protocol?: string): Promise<PeerRoute[]>;
  stats(protocol: string): Promise<ProtocolStats>;
  /** FlowSpec rules of one protocol (its flowtab4_/flowtab6_ tables; needs `flow: true`). */
  flows(protocol: string): Promise<PeerFlow[]>;
  waitEstablished(protocol: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function renderBirdConfig(
  routerId: string,
  peers: readonly BirdPeer[],
  logFile?: string,
): string {
  const protocols = peers.map(
    (p) => `protocol bgp ${p.name} {
  local ${p.address} port ${p.port} as ${p.asn};
  neighbor ${p.neighbor} as ${p.asn};
  passive on;
  hold time 30;
  debug { states, events };
  ipv4 { import all; export none; };
  ipv6 { import all; export none; };
  ipv4 mpls { table lab4_${p.name}; import all; export none; };
  vpn4 mpls { table vpn4_${p.name}; import all; export none; };${
    p.flow === true
      ? `\n  flow4 { table flowtab4_${p.name}; import all; export none; };\n  flow6 { table flowtab6_${p.name}; import all; export none; };`
      : ''
  }
}
`,
  );
  const tables = peers.map(
    (p) =>
      `ipv4 table lab4_${p.name};\nvpn4 table vpn4_${p.name};\n` +
      (p.flow === true ? `flow4 table flowtab4_${p.name};\nflow6 table flowtab6_${p.name};\n` : ''),
  );
  const log =
    logFile === undefined
      ? ''
      : `log "${logFile}" { info, warning, error, fatal, remote, bug, trace };\n`;
  // ms timestamps: `show protocols` "since" (the last state change) and log lines
  const time = 'timeformat protocol iso long ms;\ntimeformat log iso long ms;\n';
  return `${log}${time}router id ${routerId};\nprotocol device { scan time 60; }\n${tables.join('')}${protocols.join('')}`;
}

/** Start `bird -f` with its control socket in `dir`; resolves once birdc answers. */
export async function startBird(options: {
  dir: string;
  birdPath: string;
  birdcPath: string;
  routerId: string;
  peers: readonly BirdPeer[];
}): Promise<Bird> {
  const conf = join(options.dir, 'bird.conf');
  const ctlSocket = join(options.dir, 'bird.ctl');
  const logFile = join(options.dir, 'bird.events.log');
  writeFileSync(conf, renderBirdConfig(options.routerId, options.peers, logFile));
  const daemon = spawnDaemon(options.birdPath, ['-f', '-c', conf, '-s', ctlSocket], {
    logFile: join(options.dir, 'bird.log'),
    expect: conf,
  });
  const birdc = async (...words: string[]): Promise<string> => {
    const { stdout } = await execFileAsync(options.birdcPath, ['-s', ctlSocket, ...words], {
      timeout: 20_000,
      maxBuffer: 512 * 1024 * 1024,
    });
    return stdout;
  };
  await waitFor(
    async () => daemon.isRunning() && (await birdc('show', 'status')).includes('Daemon is up'),
    {
      timeoutMs: 10_000,
      what: 'bird control socket',
    },
  );
  const stats = async (protocol: string) =>
    parseProtocolStats(protocol, await birdc('show', 'protocols', 'all', protocol));
  return {
    pid: daemon.pid,
    ctlSocket,
    logFile,
    daemon,
    birdc,
    async routes(protocol?: string) {
      const words = protocol === undefined ? [] : ['protocol', protocol];
      return parseBirdRoutes(await birdc('show', 'route', 'all', 'table', 'all', ...words));
    },
    stats,
    async flows(protocol: string) {
      const out: PeerFlow[] = [];
      for (const t of [`flowtab4_${protocol}`, `flowtab6_${protocol}`])
        out.push(...parseBirdFlows(protocol, await birdc('show', 'route', 'all', 'table', t)));
      return out.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
    },
    async waitEstablished(protocol: string, timeoutMs = 30_000) {
      await waitFor(async () => (await stats(protocol)).bgpState === 'Established', {
        timeoutMs,
        what: `bird protocol ${protocol} established`,
      });
    },
    stop: () => daemon.stop('SIGTERM', 5_000),
  };
}

const EXT_TYPES: Record<string, string> = { rt: 'target', ro: 'origin' };

function numbersIn(text: string): string[] {
  return text.match(/\d+/g) ?? [];
}

/** `(65000,1) (65000,2)` → ['65000:1', '65000:2']; tuples of any arity. */
function parseTuples(text: string): string[][] {
  return [...text.matchAll(/\(([^)]*)\)/g)].map((m) =>
    (m[1] ?? '').split(',').map((s) => s.trim()),
  );
}

function compareCommunity(a: string, b: string): number {
  const na = a.split(':').map(Number);
  const nb = b.split(':').map(Number);
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? 0) - (nb[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a.localeCompare(b);
}

function applyAttribute(route: PeerRoute, key: string, value: string): void {
  switch (key) {
    case 'BGP.origin':
      route.origin = value.toLowerCase() as PeerRoute['origin'];
      break;
    case 'BGP.as_path':
      route.asPath = value.trim();
      break;
    case 'BGP.next_hop':
      route.nextHop = value.trim().split(/\s+/)[0] ?? '';
      break;
    case 'BGP.med':
      route.med = Number(value);
      break;
    case 'BGP.local_pref':
      route.localPref = Number(value);
      break;
    case 'BGP.community':
      route.communities = parseTuples(value)
        .map((t) => t.join(':'))
        .sort(compareCommunity);
      break;
    case 'BGP.large_community':
      route.largeCommunities = parseTuples(value)
        .map((t) => t.join(':'))
        .sort(compareCommunity);
      break;
    case 'BGP.ext_community':
      route.extCommunities = parseTuples(value)
        .map(([type = '', ...rest]) => `${EXT_TYPES[type] ?? type}:${rest.join(':')}`)
        .sort();
      break;
    case 'BGP.mpls_label_stack':
      route.labels = numbersIn(value).map(Number);
      break;
    case 'BGP.atomic_aggr':
      route.atomicAggregate = true;
      break;
    default:
      if (key.startsWith('BGP.')) route.other[key.slice(4)] = value.trim();
  }
}

/**
 * Parse `birdc show route all [protocol X]`. A route header is `PREFIX  unreachable [proto time from ip] ...`;
 * a header with a blank prefix column is another route for the previous prefix; tab-indented
 * `Key: value` lines are its attributes.
 */
export function parseBirdRoutes(text: string): PeerRoute[] {
  const routes: PeerRoute[] = [];
  let table = '';
  let prefix = '';
  let current: PeerRoute | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('BIRD ')) continue;
    const tableHeader = /^Table (\S+):/.exec(line);
    if (tableHeader !== null) {
      table = tableHeader[1] ?? '';
      continue;
    }
    // FlowSpec tables are read by parseBirdFlows (Bird.flows), never as routes
    if (table.startsWith('flowtab')) {
      current = undefined;
      continue;
    }
    const attr = /^\s+([A-Za-z][\w.]*):\s?(.*)$/.exec(line);
    if (attr !== null && current !== undefined) {
      applyAttribute(current, attr[1] ?? '', attr[2] ?? '');
      continue;
    }
    // `PREFIX  unreachable [proto ...`, `RD PREFIX unreachable [...` (vpn), or a blank prefix column
    const header = /^(\S*)(?: (\S+\/\d+))?\s+.*?\[(\S+)\s/.exec(line);
    if (header === null) continue;
    if (header[1] !== undefined && header[1] !== '')
      prefix = routeIdentity(table, header[1], header[2]);
    current = {
      protocol: header[3] ?? '',
      table,
      prefix,
      labels: [],
      nextHop: '',
      origin: 'igp',
      asPath: '',
      communities: [],
      largeCommunities: [],
      extCommunities: [],
      atomicAggregate: false,
      other: {},
    };
    routes.push(current);
  }
  return routes;
}

function routeIdentity(table: string, first: string, second: string | undefined): string {
  if (second !== undefined) return `rd ${first} ${second}`;
  if (table.startsWith('lab')) return `nlri-mpls ${first}`;
  return first;
}

/** Parse `birdc show protocols all NAME`: BGP state, imported routes, import counters (v4 + v6 summed). */
export function parseProtocolStats(name: string, text: string): ProtocolStats {
  const state = /BGP state:\s+(\S+)/.exec(text)?.[1] ?? 'unknown';
  // `peer_a  BGP  ---  up  2026-12-01 20:33:01.711  Established`
  const head = new RegExp(
    `^${name}\\s+\\S+\\s+\\S+\\s+(\\S+)\\s+(\\d{4}-\\d\\d-\\d\\d \\S+)`,
    'm',
  ).exec(text);
  let routesImported = 0;
  for (const m of text.matchAll(/Routes:\s+(\d+) imported/g)) routesImported += Number(m[1]);
  const counters: ChannelCounters = {
    importUpdatesReceived: 0,
    importUpdatesAccepted: 0,
    importWithdrawsReceived: 0,
    importWithdrawsAccepted: 0,
  };
  // columns: received rejected filtered ignored accepted (withdraws print --- for filtered)
  for (const m of text.matchAll(/Import updates:(.*)/g)) {
    const n = numbersIn(m[1] ?? '');
    counters.importUpdatesReceived += Number(n[0] ?? 0);
    counters.importUpdatesAccepted += Number(n[n.length - 1] ?? 0);
  }
  for (const m of text.matchAll(/Import withdraws:(.*)/g)) {
    const n = numbersIn(m[1] ?? '');
    counters.importWithdrawsReceived += Number(n[0] ?? 0);
    counters.importWithdrawsAccepted += Number(n[n.length - 1] ?? 0);
  }
  return {
    name,
    bgpState: state,
    protocolState: head?.[1] ?? 'unknown',
    since: head?.[2] ?? '',
    routesImported,
    counters,
  };
}

/**
 * Parse `birdc show route all table flowtab4_X`: a rule header is `flow4 { ... }  [proto time from ip]
 * ...`; tab-indented `Key: value` lines are its attributes.
 */
export function parseBirdFlows(protocol: string, text: string): PeerFlow[] {
  const flows: PeerFlow[] = [];
  let table = '';
  let current: PeerFlow | undefined;
  for (const line of text.split('\n')) {
    const tableHeader = /^Table (\S+):/.exec(line);
    if (tableHeader !== null) {
      table = tableHeader[1] ?? '';
      continue;
    }
    const header = /^(flow[46] \{.*\})\s+\[(\S+)\s/.exec(line);
    if (header !== null) {
      current = {
        protocol: header[2] ?? protocol,
        table,
        rule: header[1] ?? '',
        extCommunities: [],
        communities: [],
        nextHop: '',
      };
      flows.push(current);
      continue;
    }
    const attr = /^\s+([A-Za-z][\w.]*):\s?(.*)$/.exec(line);
    if (attr === null || current === undefined) continue;
    if (attr[1] === 'BGP.ext_community')
      current.extCommunities = [...(attr[2] ?? '').matchAll(/\([^)]*\)/g)].map((m) => m[0]).sort();
    if (attr[1] === 'BGP.community')
      current.communities = parseTuples(attr[2] ?? '')
        .map((t) => t.join(':'))
        .sort();
    if (attr[1] === 'BGP.next_hop') current.nextHop = (attr[2] ?? '').trim().split(/\s+/)[0] ?? '';
  }
  return flows;
}
