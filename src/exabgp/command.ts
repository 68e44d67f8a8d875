// ExaBGP 4.2 text: the attribute tokenizer (shared with dump.ts) and the parser for ONE
// `[neighbor X ]announce|withdraw route ...` command (the HTTP classic endpoint). Pure; no I/O.
import type { Diagnostic, Result } from '../core/diagnostic.js';
import { ALL_NEIGHBORS, encodeAttributes, type Route, type SourceRef } from '../core/route.js';
import { parseAddress, parsePrefix } from '../config/address.js';
import {
  ATTRIBUTE_KEYS,
  canonicalizeAttributes,
  toRouteAttributes,
  type AttributeIssue,
} from '../config/attributes.js';

export interface Token {
  readonly text: string;
  /** 0-based offset in the line. */
  readonly at: number;
}

/** ExaBGP's `formated()`: brackets and parentheses are tokens of their own; whitespace separates. */
export function tokenizeLine(line: string): Token[] {
  const tokens: Token[] = [];
  const re = /[[\]()]|[^\s[\]()]+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line))
    tokens.push({ text: m[0], at: m.index });
  return tokens;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

type Reader = { tokens: readonly Token[]; i: number; end: number };

function next(r: Reader, what: string): Token {
  const t = r.tokens[r.i];
  if (t === undefined) throw new CommandError(`missing value for ${what}`, r.end);
  r.i++;
  return t;
}

/** `x` or `[ x y ]` (and `( ... )` groups inside brackets for as-path) → string or nested lists. */
function readValue(r: Reader, key: string, allowSet: boolean): unknown {
  const first = next(r, key);
  if (first.text === '(' && key === 'aggregator') {
    const v = next(r, key).text;
    if (next(r, key).text !== ')') throw new CommandError('aggregator: expected )', first.at);
    return v;
  }
  if (first.text !== '[') {
    if (/^[\])(]$/.test(first.text))
      throw new CommandError(`${key}: unexpected ${first.text}`, first.at);
    return first.text;
  }
  const items: unknown[] = [];
  for (;;) {
    const t = next(r, key);
    if (t.text === ']') return items;
    if (t.text === '(' && allowSet) items.push(readSet(r, key));
    else if (/^[[\]()]$/.test(t.text)) throw new CommandError(`${key}: unexpected ${t.text}`, t.at);
    else items.push(t.text);
  }
}

function readSet(r: Reader, key: string): string[] {
  const set: string[] = [];
  for (let t = next(r, key); t.text !== ')'; t = next(r, key)) {
    if (/^[[\]()]$/.test(t.text)) throw new CommandError(`${key}: unexpected ${t.text}`, t.at);
    set.push(t.text);
  }
  return set;
}

// Keywords that take a value: every route-file attribute but the flag `atomic-aggregate`.
const VALUE_KEYS: ReadonlySet<string> = new Set(
  ATTRIBUTE_KEYS.filter((k) => k !== 'atomic-aggregate'),
);

/**
 * Attribute tokens (from `start`) → a mapping in the YAML document's shape, so the same
 * canonicaliser applies. Unknown or unsupported keywords (`name`, `watchdog`, `split`, ...) throw.
 */
export function readAttributeTokens(
  tokens: readonly Token[],
  start: number,
  lineLength: number,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const r: Reader = { tokens, i: start, end: lineLength };
  while (r.i < tokens.length) {
    const t = next(r, 'attribute');
    const key = t.text === 'route-distinguisher' ? 'rd' : t.text;
    if (Object.hasOwn(raw, key)) throw new CommandError(`${key} given twice`, t.at);
    if (key === 'atomic-aggregate') raw[key] = true;
    else if (VALUE_KEYS.has(key)) raw[key] = readValue(r, key, key === 'as-path');
    else throw new CommandError(`unknown or unsupported keyword "${t.text}"`, t.at);
  }
  return raw;
}

/** Build one canonical Route from a prefix and raw attributes; throws CommandError on bad values. */
export function buildRoute(
  target: string,
  prefixToken: Token,
  raw: Readonly<Record<string, unknown>>,
  source: SourceRef,
  options: { requireNextHop: boolean },
): { route: Route; warnings: string[] } {
  const p = parsePrefix(prefixToken.text);
  if (!p.ok) throw new CommandError(p.message, prefixToken.at);
  if (p.multicast)
    throw new CommandError(
      `${prefixToken.text}: multicast prefixes are not supported`,
      prefixToken.at,
    );
  const issues: AttributeIssue[] = [];
  const f = canonicalizeAttributes(raw, issues);
  const issue = issues[0];
  if (issue !== undefined)
    throw new CommandError(`${issue.path.join('.')}: ${issue.message}`, prefixToken.at);
  if (f.nextHop === undefined && options.requireNextHop)
    throw new CommandError('missing next-hop', prefixToken.at);
  if (f.nextHopAfi !== undefined && f.nextHopAfi !== 'self' && f.nextHopAfi !== p.afi) {
    throw new CommandError(
      `${p.prefix}: next-hop ${f.nextHop ?? ''} is ${f.nextHopAfi} but the prefix is ${p.afi}`,
      prefixToken.at,
    );
  }
  if (f.rd !== undefined && f.label === undefined && options.requireNextHop) {
    throw new CommandError('rd makes the route mpls-vpn, which needs a label', prefixToken.at);
  }
  // a withdraw needs no next-hop; ExaBGP fills in 0.0.0.0 the same way (command/announce.py)
  const nextHop = f.nextHop ?? (p.afi === 'ipv4' ? '0.0.0.0' : '::');
  const attributes = toRouteAttributes({ ...f, nextHop });
  const safi = f.rd !== undefined ? 'mpls-vpn' : f.label !== undefined ? 'nlri-mpls' : 'unicast';
  const route: { -readonly [K in keyof Route]: Route[K] } = {
    target,
    afi: p.afi,
    safi,
    prefix: p.prefix,
    attributes,
    value: encodeAttributes(attributes),
    source,
  };
  if (f.rd !== undefined) route.rd = f.rd;
  if (f.pathInformation !== undefined) route.pathInformation = f.pathInformation;
  const warnings =
    p.afi === 'ipv6' && nextHop === 'self'
      ? [
          'next-hop self on an ipv6 route can make the session flap (exabgp 4.2 sends a 4-byte next-hop over an ipv4 session)',
        ]
      : [];
  return { route, warnings };
}

function commandDiagnostic(
  message: string,
  at: number,
  severity: 'error' | 'warning' = 'error',
): Diagnostic {
  return {
    code: severity === 'error' ? 'E_COMMAND' : 'W_NEXT_HOP_SELF_IPV6',
    severity,
    file: 'api',
    line: 1,
    col: at + 1,
    path: 'command',
    message,
  };
}

function checkLine(line: string): void {
  const bad = /[^\x20-\x7e\t]/.exec(line);
  if (bad !== null)
    throw new CommandError(
      bad[0] === '\n' || bad[0] === '\r'
        ? 'one command per request: no newlines'
        : 'non-ascii or control character',
      bad.index,
    );
  const semi = line.indexOf(';');
  if (semi >= 0) throw new CommandError('one command per request: ";" is not allowed', semi);
  const hash = line.indexOf('#');
  if (hash >= 0) throw new CommandError('"#" is not allowed', hash);
  if (line.includes(','))
    throw new CommandError(
      '"," is not allowed (communities are space separated; one neighbor only)',
      line.indexOf(','),
    );
}

export type RouteCommand = { readonly action: 'announce' | 'withdraw'; readonly route: Route };

/**
 * Parse one ExaBGP 4.2 command `[neighbor <ip> ](announce|withdraw) route <prefix> <attrs...>`.
 * @example parseRouteCommand('announce route 192.0.2.0/24 next-hop 198.51.100.1') // ok, action 'announce'
 */
export function parseRouteCommand(line: string): Result<RouteCommand> {
  try {
    checkLine(line);
    const tokens = tokenizeLine(line);
    let i = 0;
    let target = ALL_NEIGHBORS;
    if (tokens[0]?.text === 'neighbor') {
      const addr = tokens[1] === undefined ? undefined : parseAddress(tokens[1].text);
      if (addr === undefined)
        throw new CommandError(
          'neighbor: expected one neighbor address',
          tokens[1]?.at ?? line.length,
        );
      target = addr.address;
      i = 2;
    }
    const verb = tokens[i];
    if (verb?.text !== 'announce' && verb?.text !== 'withdraw')
      throw new CommandError('expected announce route or withdraw route', verb?.at ?? line.length);
    if (tokens[i + 1]?.text !== 'route')
      throw new CommandError(`expected "${verb.text} route"`, tokens[i + 1]?.at ?? line.length);
    const prefix = tokens[i + 2];
    if (prefix === undefined) throw new CommandError('missing prefix', line.length);
    const raw = readAttributeTokens(tokens, i + 3, line.length);
    const source: SourceRef = { source: 'api', line: 0, col: 0 };
    const { route, warnings } = buildRoute(target, prefix, raw, source, {
      requireNextHop: verb.text === 'announce',
    });
    return {
      ok: true,
      value: { action: verb.text, route },
      warnings: warnings.map((w) => commandDiagnostic(w, prefix.at, 'warning')),
    };
  } catch (err) {
    if (err instanceof CommandError)
      return { ok: false, diagnostics: [commandDiagnostic(err.message, err.at)] };
    throw err;
  }
}
