// ExaBGP text: the attribute tokenizer (shared with adj-rib.ts) and the parser for ONE
// `[neighbor X ]announce|withdraw route ...` command (the HTTP classic endpoint), per dialect.
// Pure; no I/O.
import type { Diagnostic, Result } from '../core/diagnostic.js';
import { ALL_NEIGHBORS, encodeAttributes, type Route, type SourceRef } from '../core/route.js';
import { parseAddress, parsePrefix } from '../config/address.js';
import {
  ATTRIBUTE_KEYS,
  canonicalizeAttributes,
  toRouteAttributes,
  type AttributeIssue,
} from '../config/attributes.js';
import { DEFAULT_DIALECT, DIALECTS, type Dialect } from './dialect.js';
import type { AsPathRead } from './dialect-as-path.js';

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

/** `x` or `[ x y ]` (and `( asn:ip )` for aggregator) → string or list. */
function readValue(r: Reader, key: string): unknown {
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
    if (/^[[\]()]$/.test(t.text)) throw new CommandError(`${key}: unexpected ${t.text}`, t.at);
    items.push(t.text);
  }
}

const isOpen = (t: Token | undefined): boolean => t?.text === '[' || t?.text === '(';

/**
 * The tokens of an as-path value: one word, or bracket groups one after another (4.2 nests,
 * 5.0 writes segments in a row, and each version prints them its own way), read by `read`.
 */
function readAsPathValue(r: Reader, read: (tokens: readonly string[]) => AsPathRead): unknown {
  const first = r.tokens[r.i];
  const texts: string[] = [];
  let depth = 0;
  if (!isOpen(first)) texts.push(next(r, 'as-path').text);
  while (r.i < r.tokens.length && (depth > 0 || isOpen(r.tokens[r.i]))) {
    const t = next(r, 'as-path');
    texts.push(t.text);
    depth += isOpen(t) ? 1 : t.text === ']' || t.text === ')' ? -1 : 0;
  }
  if (depth > 0) throw new CommandError('missing value for as-path', r.end);
  const value = read(texts);
  if (!value.ok) throw new CommandError(`as-path: ${value.message}`, first?.at ?? r.end);
  return value.value;
}

// Keywords that take a value: every route-file attribute but the flag `atomic-aggregate`.
const VALUE_KEYS: ReadonlySet<string> = new Set(
  ATTRIBUTE_KEYS.filter((k) => k !== 'atomic-aggregate'),
);

/**
 * Attribute tokens (from `start`) → a mapping in the YAML document's shape, so the same
 * canonicaliser applies. Unknown or unsupported keywords (`name`, `watchdog`, `split`, ...) throw.
 * `readAsPath` reads the as-path tokens (default: ExaBGP 4.2's spelling).
 */
export function readAttributeTokens(
  tokens: readonly Token[],
  start: number,
  lineLength: number,
  readAsPath: (tokens: readonly string[]) => AsPathRead = DIALECTS[DEFAULT_DIALECT]
    .readCommandAsPath,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const r: Reader = { tokens, i: start, end: lineLength };
  while (r.i < tokens.length) {
    const t = next(r, 'attribute');
    const key = t.text === 'route-distinguisher' ? 'rd' : t.text;
    if (Object.hasOwn(raw, key)) throw new CommandError(`${key} given twice`, t.at);
    if (key === 'atomic-aggregate') raw[key] = true;
    else if (key === 'as-path') raw[key] = readAsPathValue(r, readAsPath);
    else if (VALUE_KEYS.has(key)) raw[key] = readValue(r, key);
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
  // ExaBGP matches command words as substrings (exabgp5.md §2.1): 5.0 runs `silence-ack` & co.
  // wherever they appear, and a standalone `json` outside `show` kills 5.0.13 (KeyError).
  const ack = ACK_WORDS.exec(line);
  if (ack !== null)
    throw new CommandError(`"${ack[0]}" is not allowed (an ExaBGP command)`, ack.index);
  const json = tokenizeLine(line).find((t) => t.text.toLowerCase() === 'json');
  if (json !== undefined)
    throw new CommandError('"json" is not allowed (it stops ExaBGP 5.0)', json.at);
}

const ACK_WORDS = /silence-ack|enable-ack|disable-ack/i;

export type RouteCommand = { readonly action: 'announce' | 'withdraw'; readonly route: Route };

export interface RouteCommandOptions {
  /** The ExaBGP version whose spelling the line is in (default 4.2): the as-path differs. */
  readonly dialect?: Dialect;
}

/**
 * Parse one ExaBGP command `[neighbor <ip> ](announce|withdraw) route <prefix> <attrs...>` in the
 * spelling of `options.dialect` (4.2: `as-path [ 1 ( 2 ) ]`, 5.0: `as-path [ 1 ] ( 2 )`).
 * @example parseRouteCommand('announce route 192.0.2.0/24 next-hop 198.51.100.1') // ok, action 'announce'
 */
export function parseRouteCommand(
  line: string,
  options: RouteCommandOptions = {},
): Result<RouteCommand> {
  const dialect = options.dialect ?? DIALECTS[DEFAULT_DIALECT];
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
    const raw = readAttributeTokens(tokens, i + 3, line.length, dialect.readCommandAsPath);
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
