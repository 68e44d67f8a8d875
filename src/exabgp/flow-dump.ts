// One FlowSpec line of `show adj-rib out [extensive]` (after the neighbor and `<afi> flow`), as
// 4.2.21 and 5.0.13 print it (measured against BIRD): `flow destination-ipv4 X source-ipv4 Y
// protocol =udp destination-port =53 [next-hop Z] [community ...] extended-community [ rate-limit:N
// redirect:A:B mark N action sample redirect-to-nexthop ]`. 5.0 prints ports by IANA name
// (`=domain`); only the names below are read, any other makes the line unreadable. Pure.
import type { Afi, Route } from '../core/route.js';
import { flowRoute } from '../config/flow-entries.js';
import { canonicalFlow, type FlowIssue } from '../config/flow-rule.js';
import { flowTokens } from '../config/flow-text.js';

/** Port names 5.0.13 prints for common ports (its protocol/ip/port.py), and back. */
const PORT_NAMES: ReadonlyMap<string, number> = new Map([
  ['echo', 7],
  ['discard', 9],
  ['daytime', 13],
  ['qotd', 17],
  ['chargen', 19],
  ['ftp-data', 20],
  ['ftp', 21],
  ['ssh', 22],
  ['telnet', 23],
  ['smtp', 25],
  ['domain', 53],
  ['bootps', 67],
  ['bootpc', 68],
  ['tftp', 69],
  ['http', 80],
  ['kerberos', 88],
  ['pop3', 110],
  ['sunrpc', 111],
  ['ntp', 123],
  ['netbios-ns', 137],
  ['netbios-dgm', 138],
  ['netbios-ssn', 139],
  ['imap', 143],
  ['snmp', 161],
  ['snmptrap', 162],
  ['bgp', 179],
  ['ldap', 389],
  ['https', 443],
  ['microsoft-ds', 445],
  ['isakmp', 500],
  ['syslog', 514],
  ['ssdp', 1900],
  ['ms-wbt-server', 3389],
  ['mdns', 5353],
  ['http-alt', 8080],
]);

const PORT_COMPONENTS = new Set(['port', 'destination-port', 'source-port']);
const ATTRIBUTES = new Set([
  'community',
  'large-community',
  'extended-community',
  'next-hop',
  'rd',
]);

/** `=domain` → `=53`, `>=ssh&<=telnet` → `>=22&<=23`; undefined for an unknown name. */
function portTerm(term: string): string | undefined {
  const out: string[] = [];
  for (const atom of term.split('&')) {
    const m = /^(>=|<=|!=|=|>|<)?(.+)$/.exec(atom);
    const value = m?.[2] ?? '';
    const n = /^[0-9]+$/.test(value) ? Number(value) : PORT_NAMES.get(value);
    if (n === undefined) return undefined;
    out.push(`${m?.[1] ?? ''}${n}`);
  }
  return out.join('&');
}

function readList(tokens: readonly string[], i: number): { values: string[]; next: number } {
  if (tokens[i] !== '[')
    return { values: tokens[i] === undefined ? [] : [tokens[i] ?? ''], next: i + 1 };
  const values: string[] = [];
  let j = i + 1;
  while (j < tokens.length && tokens[j] !== ']') values.push(tokens[j++] ?? '');
  return { values, next: j + 1 };
}

/** Printed extended communities (`action sample` and `mark 10` are two tokens) → actions. */
function readActions(
  values: readonly string[],
  nextHop: string | undefined,
  then: Record<string, unknown>,
): string | undefined {
  const ext: string[] = [];
  for (let k = 0; k < values.length; k++) {
    const v = values[k] ?? '';
    const rate = /^rate-limit:([0-9.e+]+)$/.exec(v);
    const redirect = /^redirect:([0-9]+:[0-9]+)$/.exec(v);
    if (rate !== null) {
      const n = Math.round(Number(rate[1]));
      if (n === 0) then['discard'] = true;
      else then['rate-limit'] = n;
    } else if (redirect !== null) then['redirect'] = redirect[1];
    else if (v === 'mark' || v === 'action')
      then[v] = v === 'mark' ? Number(values[++k]) : values[++k];
    else if (v === 'redirect-to-nexthop' || v === 'copy-to-nexthop') {
      if (nextHop === undefined) return `${v} without a next-hop`;
      then[v === 'copy-to-nexthop' ? 'copy' : 'redirect-to-nexthop'] = nextHop;
    } else ext.push(v);
  }
  if (ext.length > 0) then['extended-community'] = ext;
  return undefined;
}

/**
 * The flow route of one dump line's tokens after `<afi> flow[-vpn]` (starting at the `flow` word),
 * or why it cannot be read.
 * @example readDumpFlow('127.0.0.2', 'ipv4', 'flow destination-ipv4 192.0.2.0/24 extended-community rate-limit:0')
 */
export function readDumpFlow(target: string, afi: Afi, text: string): Route | string {
  const tokens = flowTokens(text.replace(/^flow\b/, ''));
  const match: Record<string, string[]> = {};
  const then: Record<string, unknown> = {};
  let nextHop: string | undefined;
  let rd: string | undefined;
  let ext: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const word = tokens[i] ?? '';
    const { values, next } = readList(tokens, i + 1);
    i = next;
    if (values.length === 0) return `${word}: missing value`;
    if (!ATTRIBUTES.has(word)) {
      if (!PORT_COMPONENTS.has(word)) {
        match[word] = values;
        continue;
      }
      const terms = values.map(portTerm);
      if (terms.some((t) => t === undefined))
        return `${word} ${values.join(' ')}: an unknown port name`;
      match[word] = terms as string[];
    } else if (word === 'next-hop') nextHop = values[0];
    else if (word === 'rd') rd = values[0];
    else if (word === 'extended-community') {
      // a lone two-token community (`mark 10`, `action sample`) is printed without brackets
      if (tokens[i - 1] !== ']' && (values[0] === 'mark' || values[0] === 'action')) {
        values.push(tokens[i] ?? '');
        i += 1;
      }
      ext = values;
    } else then[word] = values;
  }
  const bad = readActions(ext, nextHop, then);
  if (bad !== undefined) return bad;
  if (Object.keys(then).length === 0) then['accept'] = true;
  const issues: FlowIssue[] = [];
  const flow = canonicalFlow(match, then, issues);
  if (issues.length > 0) return issues.map((x) => x.message).join('; ');
  if (flow.afi !== afi) return `listed as ${afi} but its match is ${flow.afi}`;
  return flowRoute(target, flow.afi, rd, flow.rule);
}
