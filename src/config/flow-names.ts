// ExaBGP's names for FlowSpec values (4.2.21 protocol/__init__.py, protocol/ip/icmp.py,
// protocol/ip/tcp/flag.py, protocol/ip/fragment.py): data only.

export const PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['icmp', 1],
  ['igmp', 2],
  ['tcp', 6],
  ['egp', 8],
  ['udp', 17],
  ['rsvp', 46],
  ['gre', 47],
  ['esp', 50],
  ['ah', 51],
  ['ospf', 89],
  ['ipip', 94],
  ['pim', 103],
  ['sctp', 132],
]);
export const PROTOCOL_NAMES = new Map([...PROTOCOLS].map(([k, v]) => [v, k]));

export const ICMP_TYPES: ReadonlyMap<string, number> = new Map([
  ['echo-reply', 0],
  ['unreachable', 3],
  ['source-quench', 4],
  ['redirect', 5],
  ['echo-request', 8],
  ['router-advertisement', 9],
  ['router-solicit', 10],
  ['time-exceeded', 11],
  ['parameter-problem', 12],
  ['timestamp', 13],
  ['timestamp-reply', 14],
  ['info-request', 15],
  ['info-reply', 16],
  ['mask-request', 17],
  ['mask-reply', 18],
  ['traceroute', 30],
]);

export const ICMP_CODES: ReadonlyMap<string, number> = new Map([
  ['network-unreachable', 0],
  ['host-unreachable', 1],
  ['protocol-unreachable', 2],
  ['port-unreachable', 3],
  ['fragmentation-needed', 4],
  ['source-route-failed', 5],
  ['communication-prohibited-by-filtering', 13],
]);

/** TCP flags and fragment bits, in bit order (ExaBGP protocol/ip/tcp/flag.py, fragment.py). */
export const TCP_FLAGS: readonly [string, number][] = [
  ['fin', 0x01],
  ['syn', 0x02],
  ['rst', 0x04],
  ['push', 0x08],
  ['ack', 0x10],
  ['urg', 0x20],
  ['ece', 0x40],
  ['cwr', 0x80],
  ['ns', 0x100],
];
export const FRAGMENTS: readonly [string, number][] = [
  ['dont-fragment', 0x01],
  ['is-fragment', 0x02],
  ['first-fragment', 0x04],
  ['last-fragment', 0x08],
];
