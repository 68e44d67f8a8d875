// The `dns` probe: one query of the check's type to the check's server (never the system
// resolver), one try, bounded by the check's timeout. Up = NOERROR with at least one record and,
// when a value is declared, that value among the answers (canonicalised as in the config).
import { Resolver } from 'node:dns/promises';
import { canonicalDnsName, canonicalDnsValue, dnsValueMatches } from '../../config/health-dns.js';
import type { DnsQuery, DnsType } from '../../core/health.js';
import type { ProbeOutcome } from './probes.js';

/** How many answers a reason names before `(+N more)`. */
const SHOWN_ANSWERS = 3;

/** One Resolver per query declaration: a check runs one probe at a time, so cancel() is its own. */
const resolvers = new WeakMap<DnsQuery, Resolver>();

function resolverFor(q: DnsQuery, timeoutMs: number): Resolver {
  let r = resolvers.get(q);
  if (r === undefined) {
    r = new Resolver({ timeout: timeoutMs, tries: 1 });
    r.setServers([q.server]);
    resolvers.set(q, r);
  }
  return r;
}

export function probeDns(q: DnsQuery, timeoutMs: number): Promise<ProbeOutcome> {
  const resolver = resolverFor(q, timeoutMs);
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const timer = setTimeout(() => {
      done({ ok: false, reason: `timeout after ${timeoutMs}ms` });
      resolver.cancel();
    }, timeoutMs);
    resolver.resolve(q.name, q.type).then(
      (records: unknown) =>
        done(judge(q, answerTexts(q.type, records as readonly unknown[]).sort())),
      (err: NodeJS.ErrnoException) => done(failure(err, timeoutMs)),
    );
  });
}

function failure(err: NodeJS.ErrnoException, timeoutMs: number): ProbeOutcome {
  const code = err.code ?? err.message;
  if (code === 'ETIMEOUT' || code === 'ECANCELLED')
    return { ok: false, reason: `timeout after ${timeoutMs}ms` };
  if (code === 'ENODATA') return { ok: false, reason: 'dns no answer' };
  return { ok: false, reason: `dns ${code}` };
}

/** The answers as canonical texts (unparseable ones dropped: they can match nothing), in order. */
export function answerTexts(type: DnsType, records: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const r of records) {
    const text = answerText(type, r);
    if (text !== undefined) out.push(text);
  }
  return out;
}

function answerText(type: DnsType, r: unknown): string | undefined {
  if (type === 'TXT') return Array.isArray(r) ? r.join('') : undefined;
  if (type === 'MX') {
    const mx = r as { exchange?: unknown; priority?: unknown };
    if (typeof mx.exchange !== 'string') return undefined;
    const name = canonicalDnsName(mx.exchange) ?? mx.exchange.toLowerCase();
    return `${String(mx.priority)} ${name}`;
  }
  if (type === 'SRV') {
    const srv = r as { name?: unknown; port?: unknown; priority?: unknown; weight?: unknown };
    if (typeof srv.name !== 'string') return undefined;
    const name = canonicalDnsName(srv.name) ?? srv.name.toLowerCase();
    return `${String(srv.priority)} ${String(srv.weight)} ${String(srv.port)} ${name}`;
  }
  if (typeof r !== 'string') return undefined;
  return canonicalDnsValue(type, r) ?? r.toLowerCase();
}

function judge(q: DnsQuery, answers: readonly string[]): ProbeOutcome {
  if (answers.length === 0) return { ok: false, reason: 'dns no answer' };
  const shown = (list: readonly string[]): string =>
    list.length > SHOWN_ANSWERS
      ? `${list.slice(0, SHOWN_ANSWERS).join(', ')} (+${list.length - SHOWN_ANSWERS} more)`
      : list.join(', ');
  const value = q.value;
  if (value === undefined) return { ok: true, reason: `dns answer ${shown(answers)}` };
  const hit = answers.find((a) => dnsValueMatches(q.type, value, a));
  if (hit !== undefined) return { ok: true, reason: `dns answer ${hit}` };
  return {
    ok: false,
    reason: `dns answer ${shown(answers)} ${answers.length > 1 ? 'are' : 'is'} not ${value}`,
  };
}
