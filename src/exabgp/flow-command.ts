// The parser for ONE `[neighbor X ]announce|withdraw flow route ...` command (the HTTP classic
// endpoint): ExaBGP's single-line form and its `{ [rd X;] [next-hop Y;] match { } then { } }` form,
// canonicalised by the same code as route files. Pure; no I/O.
import type { Diagnostic, Result } from '../core/diagnostic.js';
import { ALL_NEIGHBORS, type Route } from '../core/route.js';
import { parseAddress } from '../config/address.js';
import { parseRd, ValueError } from '../config/attributes.js';
import { flowRoute } from '../config/flow-entries.js';
import { canonicalFlow, type FlowIssue } from '../config/flow-rule.js';
import { flowTokens, readFlowWords } from '../config/flow-text.js';

export interface FlowCommand {
  readonly action: 'announce' | 'withdraw';
  readonly route: Route;
}

const HEAD = /^(?:neighbor (\S+) )?(announce|withdraw) flow route(?= |\{|$)/;

/** Is this line a flow command (so parseFlowCommand, not the route parser, reads it)? */
export function isFlowCommand(line: string): boolean {
  return HEAD.test(line.trim());
}

function problem(message: string, col = 1): Diagnostic {
  return {
    code: 'E_COMMAND',
    severity: 'error',
    file: 'api',
    line: 1,
    col,
    path: 'command',
    message,
  };
}

/** Braces must pair up; `#` and a second command are refused as for routes. */
function checkShape(line: string): string | undefined {
  if (/[^\x20-\x7e]/.test(line)) return 'non-ascii or control character';
  if (line.includes('#')) return '"#" is not allowed';
  let depth = 0;
  for (const c of line) {
    if (c === '{') depth += 1;
    if (c === '}') depth -= 1;
    if (depth < 0) return 'unbalanced }';
  }
  return depth === 0 ? undefined : 'unbalanced {';
}

/**
 * Parse one flow command. A withdraw needs only the match (and rd); its route carries `accept`
 * as a placeholder value, since a withdraw is keyed by the match alone.
 * @example parseFlowCommand('announce flow route destination 192.0.2.1/32 discard')
 */
export function parseFlowCommand(line: string): Result<FlowCommand> {
  const text = line.trim();
  const head = HEAD.exec(text);
  if (head === null)
    return {
      ok: false,
      diagnostics: [problem('expected announce flow route or withdraw flow route')],
    };
  const shape = checkShape(text);
  if (shape !== undefined) return { ok: false, diagnostics: [problem(shape)] };
  let target = ALL_NEIGHBORS;
  if (head[1] !== undefined) {
    const a = parseAddress(head[1]);
    if (a === undefined)
      return { ok: false, diagnostics: [problem('neighbor: expected one neighbor address', 10)] };
    target = a.address;
  }
  const action = head[2] === 'withdraw' ? 'withdraw' : 'announce';
  const words = readFlowWords(flowTokens(text.slice(head[0].length)));
  if (typeof words === 'string') return { ok: false, diagnostics: [problem(words)] };
  const issues: FlowIssue[] = [];
  const then =
    action === 'withdraw' && Object.keys(words.then).length === 0 ? { accept: true } : words.then;
  const { afi, rule } = canonicalFlow(words.match, then, issues);
  let rd: string | undefined;
  if (words.rd !== undefined) {
    const r = parseRd(words.rd);
    if (r instanceof ValueError) issues.push({ code: r.code, path: ['rd'], message: r.message });
    else rd = r;
  }
  if (issues.length > 0)
    return {
      ok: false,
      diagnostics: issues.map((i) => ({
        ...problem(i.message),
        code: i.code,
        path: ['command', ...i.path].join('.'),
      })),
    };
  const route = flowRoute(target, afi, rd, rule, { source: 'api', line: 0, col: 0 });
  return { ok: true, value: { action, route }, warnings: [] };
}
